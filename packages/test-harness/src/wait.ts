/**
 * Waiting helpers for tests: every wait is bounded and event- or condition-driven, never a
 * fixed sleep that hopes the system caught up.
 */
import type { EventEmitter } from 'node:events';

/** Default bound of {@link waitFor} and {@link waitForEvent}. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5_000;
/** Default polling interval of {@link waitFor}. */
export const DEFAULT_WAIT_INTERVAL_MS = 10;

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /**
   * How long to wait before rejecting.
   * @default 5_000 ({@link DEFAULT_WAIT_TIMEOUT_MS})
   */
  timeoutMs?: number;
  /**
   * How often the predicate is evaluated.
   * @default 10 ({@link DEFAULT_WAIT_INTERVAL_MS})
   */
  intervalMs?: number;
  /**
   * Describes what is awaited; used in the timeout error message.
   * @default 'condition'
   */
  description?: string;
  /**
   * Rejects early (with the signal's reason) when aborted.
   * @default undefined (not abortable)
   */
  signal?: AbortSignal;
}

/** Thrown by {@link waitFor} and {@link waitForEvent} when the bound elapses. */
export class WaitTimeoutError extends Error {
  /** The bound that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WaitTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Waits until `predicate` returns a truthy value (sync or async) and resolves with it.
 * A predicate that throws is treated as "not yet"; the last error is attached as `cause`
 * of the timeout error.
 *
 * @example
 * ```ts
 * const message = await waitFor(() => sniffer.messages().find((m) => m.topic === topic), {
 *   timeoutMs: 2_000,
 * });
 * ```
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const description = options.description ?? 'condition';
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new WaitTimeoutError(
        `Timed out after ${timeoutMs} ms waiting for ${description}${suffix}`,
        timeoutMs,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    await delay(Math.min(intervalMs, remaining));
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Anything with `on`/`off` (or `once`/`removeListener`) like a Node.js `EventEmitter`. */
export interface EventSource {
  /** Adds a listener. */
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** Removes a listener (preferred). */
  off?(event: string, listener: (...args: never[]) => void): unknown;
  /** Removes a listener (when there is no `off`). */
  removeListener?(event: string, listener: (...args: never[]) => void): unknown;
}

/** Options of {@link waitForEvent}. */
export interface WaitForEventOptions<Args extends unknown[] = unknown[]> {
  /**
   * How long to wait before rejecting.
   * @default 5_000 ({@link DEFAULT_WAIT_TIMEOUT_MS})
   */
  timeoutMs?: number;
  /**
   * Only resolve for an emission whose arguments satisfy this filter.
   * @default undefined (the first emission)
   */
  filter?: (...args: Args) => boolean;
  /**
   * Reject when the emitter emits `'error'` before the awaited event.
   * @default true
   */
  rejectOnError?: boolean;
  /**
   * Rejects early (with the signal's reason) when aborted.
   * @default undefined (not abortable)
   */
  signal?: AbortSignal;
}

/**
 * Resolves with the arguments of the next emission of `event` on `emitter` (optionally
 * matching `filter`), or rejects with {@link WaitTimeoutError} after `timeoutMs`.
 *
 * @example
 * ```ts
 * const [packet] = await waitForEvent(client, 'connect', { timeoutMs: 2_000 });
 * ```
 */
export function waitForEvent<Args extends unknown[] = unknown[]>(
  emitter: EventSource | EventEmitter,
  event: string,
  options: WaitForEventOptions<Args> = {},
): Promise<Args> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const rejectOnError = options.rejectOnError ?? event !== 'error';
  const source = emitter as EventSource;
  return new Promise<Args>((resolve, reject) => {
    const remove = (name: string, listener: (...args: never[]) => void) => {
      if (typeof source.off === 'function') source.off(name, listener);
      else source.removeListener?.(name, listener);
    };
    const cleanup = () => {
      clearTimeout(timer);
      remove(event, onEvent);
      if (rejectOnError) remove('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const onEvent = (...args: never[]) => {
      const values = args as unknown as Args;
      if (options.filter && !options.filter(...values)) return;
      cleanup();
      resolve(values);
    };
    const onError = (error: never) => {
      cleanup();
      reject(error);
    };
    const onAbort = () => {
      cleanup();
      reject(options.signal?.reason);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new WaitTimeoutError(
          `Timed out after ${timeoutMs} ms waiting for event '${event}'`,
          timeoutMs,
        ),
      );
    }, timeoutMs);
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    source.on(event, onEvent);
    if (rejectOnError) source.on('error', onError);
  });
}

/** A promise with its `resolve` / `reject` exposed, and whether it has settled. */
export interface Deferred<T> {
  /** The promise settled by `resolve` / `reject`. */
  readonly promise: Promise<T>;
  /** Resolves the promise (later calls are ignored). */
  resolve(value: T | PromiseLike<T>): void;
  /** Rejects the promise (later calls are ignored). */
  reject(reason?: unknown): void;
  /** `true` once `resolve` or `reject` has been called. */
  readonly settled: boolean;
}

/**
 * Creates a {@link Deferred}: a promise resolved from outside, e.g. from an event handler.
 *
 * @example
 * ```ts
 * const received = createDeferred<Buffer>();
 * client.on('message', (_topic, payload) => received.resolve(payload));
 * const payload = await received.promise;
 * ```
 */
export function createDeferred<T = void>(): Deferred<T> {
  let settled = false;
  let resolveFn!: (value: T | PromiseLike<T>) => void;
  let rejectFn!: (reason?: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    resolveFn = resolve;
    rejectFn = reject;
  });
  return {
    promise,
    resolve(value) {
      settled = true;
      resolveFn(value);
    },
    reject(reason) {
      settled = true;
      rejectFn(reason);
    },
    get settled() {
      return settled;
    },
  };
}
