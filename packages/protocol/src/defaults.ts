/**
 * Requester defaults of the profile ("Requester Retry and Timeout Profile"). Every value is
 * configurable by the packages that use it; these are the profile's baseline.
 */
import { A2AMqttError } from './errors.js';

/** Time to wait for the first correlated reply (`reply_first_timeout_ms`). */
export const DEFAULT_FIRST_REPLY_TIMEOUT_MS = 15_000;

/** Longest silence between two stream items (`stream_idle_timeout_ms`). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 30_000;

/** Attempts in total: the initial publish plus up to two retries (`max_attempts`). */
export const DEFAULT_MAX_ATTEMPTS = 3;

/** Backoff before each retry (`retry_backoff_ms`): 1 s, 2 s, 4 s. */
export const DEFAULT_RETRY_BACKOFF_MS: readonly number[] = Object.freeze([1_000, 2_000, 4_000]);

/** Jitter applied to every backoff delay: +/-20 %. */
export const DEFAULT_RETRY_JITTER_RATIO = 0.2;

/** The A2A protocol version this SDK speaks; sent as the `A2A-Version` service parameter. */
export const DEFAULT_A2A_VERSION = '1.0';

/** Options of {@link retryDelayMs}. */
export interface RetryDelayOptions {
  /**
   * Backoff per retry; attempts past the end reuse the last value.
   * @default DEFAULT_RETRY_BACKOFF_MS ([1_000, 2_000, 4_000])
   */
  backoffMs?: readonly number[];
  /**
   * Relative jitter in [0, 1]: the delay is scaled by a factor in [1 - ratio, 1 + ratio].
   * @default DEFAULT_RETRY_JITTER_RATIO (0.2)
   */
  jitterRatio?: number;
  /**
   * Source of randomness in [0, 1) (inject a fixed function in tests).
   * @default Math.random
   */
  random?: () => number;
}

function invalidOption(message: string): A2AMqttError {
  return new A2AMqttError({ code: 'INVALID_OPTIONS', message });
}

/**
 * The delay before the next attempt, after attempt number `attempt` (1-based) failed:
 * `backoffMs[attempt - 1]` (or the last entry) with jitter, rounded to whole milliseconds.
 *
 * @example
 * ```ts
 * retryDelayMs(1); // ~1000 (800..1200)
 * retryDelayMs(2, { random: () => 0.5 }); // 2000
 * ```
 */
export function retryDelayMs(attempt: number, options: RetryDelayOptions = {}): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw invalidOption(`retryDelayMs: attempt must be an integer >= 1, got ${attempt}`);
  }
  const backoffMs = options.backoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
  if (backoffMs.length === 0 || !backoffMs.every((ms) => Number.isFinite(ms) && ms >= 0)) {
    throw invalidOption('retryDelayMs: backoffMs must be a non-empty list of delays >= 0');
  }
  const jitterRatio = options.jitterRatio ?? DEFAULT_RETRY_JITTER_RATIO;
  if (!(jitterRatio >= 0 && jitterRatio <= 1)) {
    throw invalidOption(`retryDelayMs: jitterRatio must be in [0, 1], got ${jitterRatio}`);
  }
  const random = options.random ?? Math.random;
  const base = backoffMs[Math.min(attempt, backoffMs.length) - 1]!;
  const factor = 1 + jitterRatio * (2 * random() - 1);
  return Math.max(0, Math.round(base * factor));
}
