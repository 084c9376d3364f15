import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  DEFAULT_FIRST_REPLY_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_BACKOFF_MS,
  DEFAULT_RETRY_JITTER_RATIO,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
} from '@a2a-mqtt/protocol';

/**
 * How many times in a row a stalled stream is recovered through `GetTask` (each recovery
 * yields the task state) before the stream fails with `STREAM_IDLE_TIMEOUT`.
 */
export const DEFAULT_MAX_STALL_RECOVERIES = 2;

/** Stream items buffered for a slow consumer before the stream fails. */
export const DEFAULT_MAX_BUFFERED_STREAM_ITEMS = 10_000;

/**
 * Timer functions used by the requester. Injected in unit tests; defaults to the global
 * `setTimeout` / `clearTimeout` / `Date.now`.
 */
export interface Scheduler {
  /** Runs `callback` once after `delayMs`; returns a handle for `clearTimeout`. The default unrefs it. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a timer returned by `setTimeout` (a no-op for one that already ran). */
  clearTimeout(handle: unknown): void;
  /** The current time in epoch milliseconds. */
  now(): number;
}

/** The global timers (looked up on each call so `vi.useFakeTimers()` applies). */
export const DEFAULT_SCHEDULER: Scheduler = {
  setTimeout: (callback, delayMs) => {
    const handle = setTimeout(callback, delayMs);
    // A pending request must not keep the process alive on its own.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/**
 * Retry and timeout rules of the profile's "Requester Retry and Timeout Profile".
 * Every field is optional; unset fields take the profile defaults.
 */
export interface RequestPolicy {
  /**
   * Time to wait for the first correlated reply of one publish attempt.
   * @default 15_000 (`DEFAULT_FIRST_REPLY_TIMEOUT_MS`)
   */
  firstReplyTimeoutMs?: number;
  /**
   * Longest silence between two stream items once a stream has started; after it the
   * requester recovers through `GetTask` (it never republishes the original request).
   * @default 30_000 (`DEFAULT_STREAM_IDLE_TIMEOUT_MS`)
   */
  streamIdleTimeoutMs?: number;
  /**
   * Publish attempts in total (initial attempt plus retries), each with fresh Correlation Data.
   * @default 3 (`DEFAULT_MAX_ATTEMPTS`)
   */
  maxAttempts?: number;
  /**
   * Delay before retry n (n = 0 for the first retry); the last entry repeats.
   * @default [1_000, 2_000, 4_000] (`DEFAULT_RETRY_BACKOFF_MS`)
   */
  retryBackoffMs?: readonly number[];
  /**
   * Relative jitter applied to each backoff delay (0.2 = +/-20 %).
   * @default 0.2 (`DEFAULT_RETRY_JITTER_RATIO`)
   */
  retryJitterRatio?: number;
  /**
   * Consecutive `GetTask` recoveries of a stalled stream before it fails with
   * `STREAM_IDLE_TIMEOUT`.
   * @default 2 (`DEFAULT_MAX_STALL_RECOVERIES`)
   */
  maxStallRecoveries?: number;
}

/** A {@link RequestPolicy} with every field set. */
export type ResolvedRequestPolicy = Required<RequestPolicy>;

/** Fills unset fields with the defaults (or with `base`) and validates the result. */
export function resolveRequestPolicy(
  policy: RequestPolicy | undefined,
  base?: ResolvedRequestPolicy,
): ResolvedRequestPolicy {
  const resolved: ResolvedRequestPolicy = {
    firstReplyTimeoutMs:
      policy?.firstReplyTimeoutMs ?? base?.firstReplyTimeoutMs ?? DEFAULT_FIRST_REPLY_TIMEOUT_MS,
    streamIdleTimeoutMs:
      policy?.streamIdleTimeoutMs ?? base?.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    maxAttempts: policy?.maxAttempts ?? base?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryBackoffMs: policy?.retryBackoffMs ?? base?.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS,
    retryJitterRatio:
      policy?.retryJitterRatio ?? base?.retryJitterRatio ?? DEFAULT_RETRY_JITTER_RATIO,
    maxStallRecoveries:
      policy?.maxStallRecoveries ?? base?.maxStallRecoveries ?? DEFAULT_MAX_STALL_RECOVERIES,
  };
  const problems: string[] = [];
  if (!(resolved.firstReplyTimeoutMs > 0)) problems.push('firstReplyTimeoutMs must be > 0');
  if (!(resolved.streamIdleTimeoutMs > 0)) problems.push('streamIdleTimeoutMs must be > 0');
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    problems.push('maxAttempts must be an integer >= 1');
  }
  if (resolved.retryBackoffMs.length === 0 || resolved.retryBackoffMs.some((ms) => !(ms >= 0))) {
    problems.push('retryBackoffMs must be a non-empty list of delays >= 0');
  }
  if (!(resolved.retryJitterRatio >= 0 && resolved.retryJitterRatio < 1)) {
    problems.push('retryJitterRatio must be in [0, 1)');
  }
  if (!Number.isInteger(resolved.maxStallRecoveries) || resolved.maxStallRecoveries < 0) {
    problems.push('maxStallRecoveries must be an integer >= 0');
  }
  if (problems.length > 0) {
    throw new A2AMqttError({
      code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS,
      message: `Invalid request policy: ${problems.join('; ')}`,
    });
  }
  return resolved;
}

/**
 * Delay before retry number `retryIndex` (0 = first retry): the backoff entry (the last one
 * repeats) times a uniform factor in `[1 - jitter, 1 + jitter]`.
 */
export function computeRetryDelayMs(
  retryIndex: number,
  policy: Pick<ResolvedRequestPolicy, 'retryBackoffMs' | 'retryJitterRatio'>,
  random: () => number = Math.random,
): number {
  const table = policy.retryBackoffMs;
  const base = table[Math.min(retryIndex, table.length - 1)] ?? 0;
  const factor = 1 + policy.retryJitterRatio * (2 * random() - 1);
  return Math.max(0, Math.round(base * factor));
}
