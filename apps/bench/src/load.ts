import type { CpuPerCall } from './cpu.js';
import { elapsedMs } from './stats.js';

/** One operation under test; resolves when it has completed. */
export type Operation = () => Promise<void>;

/** Rejects after `ms` unless `promise` settles first; the timer never keeps the process alive. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface SequentialOptions {
  /** Measured calls. */
  count: number;
  /** Calls made first and not measured. */
  warmup: number;
  /** Bound on one call. */
  callTimeoutMs: number;
  /** Called after the warm-up, just before the measured calls. */
  beforeWindow?: () => Promise<void>;
}

/** Runs `operation` `count` times one after the other; returns each call's latency in ms. */
export async function runSequential(
  operation: Operation,
  options: SequentialOptions,
): Promise<Float64Array> {
  for (let i = 0; i < options.warmup; i++) {
    await withTimeout(operation(), options.callTimeoutMs, 'warm-up call');
  }
  await options.beforeWindow?.();
  const samples = new Float64Array(options.count);
  for (let i = 0; i < options.count; i++) {
    const start = process.hrtime.bigint();
    await withTimeout(operation(), options.callTimeoutMs, 'call');
    samples[i] = elapsedMs(start);
  }
  return samples;
}

export interface ClosedLoopOptions {
  /** Calls kept in flight. */
  inFlight: number;
  /** Measured window. */
  durationMs: number;
  /** Unmeasured run before the window. */
  warmupMs: number;
  /** Bound on one call. */
  callTimeoutMs: number;
  /** Called after the warm-up, just before the measured window. */
  beforeWindow?: () => Promise<void>;
}

export interface ClosedLoopResult {
  completed: number;
  errors: number;
  elapsedMs: number;
  perSecond: number;
  firstError?: string;
  /** CPU time per completed call of each process, when measured (see `cpu.ts`). */
  cpuPerCallUs?: CpuPerCall;
}

/**
 * Keeps `inFlight` calls running (each worker starts its next call when the previous one
 * completes) for `durationMs`; counts the calls that complete inside the window.
 */
export async function runClosedLoop(
  operation: Operation,
  options: ClosedLoopOptions,
): Promise<ClosedLoopResult> {
  const phase = async (durationMs: number) => {
    const deadline = performance.now() + durationMs;
    let completed = 0;
    let errors = 0;
    let firstError: string | undefined;
    const worker = async () => {
      while (performance.now() < deadline) {
        try {
          await withTimeout(operation(), options.callTimeoutMs, 'call');
          if (performance.now() <= deadline) completed++;
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
          // A failing contender must not spin: give up on this worker after too many errors.
          if (errors > 100) return;
        }
      }
    };
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: options.inFlight }, worker));
    const took = Math.min(elapsedMs(start), durationMs);
    return { completed, errors, elapsedMs: took, perSecond: completed / (took / 1000), firstError };
  };
  if (options.warmupMs > 0) await phase(options.warmupMs);
  await options.beforeWindow?.();
  return phase(options.durationMs);
}
