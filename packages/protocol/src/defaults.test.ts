import { describe, expect, it } from 'vitest';
import {
  DEFAULT_A2A_VERSION,
  DEFAULT_FIRST_REPLY_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_BACKOFF_MS,
  DEFAULT_RETRY_JITTER_RATIO,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  retryDelayMs,
} from './defaults.js';
import { isA2AMqttError } from './errors.js';

describe('requester defaults', () => {
  it('match the profile', () => {
    expect(DEFAULT_FIRST_REPLY_TIMEOUT_MS).toBe(15_000);
    expect(DEFAULT_STREAM_IDLE_TIMEOUT_MS).toBe(30_000);
    expect(DEFAULT_MAX_ATTEMPTS).toBe(3);
    expect(DEFAULT_RETRY_BACKOFF_MS).toEqual([1_000, 2_000, 4_000]);
    expect(Object.isFrozen(DEFAULT_RETRY_BACKOFF_MS)).toBe(true);
    expect(DEFAULT_RETRY_JITTER_RATIO).toBe(0.2);
    expect(DEFAULT_A2A_VERSION).toBe('1.0');
  });
});

describe('retryDelayMs', () => {
  it('follows the backoff without jitter at random() = 0.5', () => {
    const random = () => 0.5;
    expect([1, 2, 3, 4, 10].map((attempt) => retryDelayMs(attempt, { random }))).toEqual([
      1_000, 2_000, 4_000, 4_000, 4_000,
    ]);
  });

  it('applies +/-20 % jitter at the extremes', () => {
    expect(retryDelayMs(1, { random: () => 0 })).toBe(800);
    expect(retryDelayMs(1, { random: () => 0.999_999 })).toBe(1_200);
    for (let index = 0; index < 200; index++) {
      const delay = retryDelayMs(2);
      expect(delay).toBeGreaterThanOrEqual(1_600);
      expect(delay).toBeLessThanOrEqual(2_400);
    }
  });

  it('uses custom backoff and jitter', () => {
    expect(retryDelayMs(2, { backoffMs: [10, 20], jitterRatio: 0, random: () => 0 })).toBe(20);
    expect(retryDelayMs(5, { backoffMs: [10, 20], jitterRatio: 0.5, random: () => 0 })).toBe(10);
  });

  it('rejects invalid arguments with INVALID_OPTIONS', () => {
    for (const call of [
      () => retryDelayMs(0),
      () => retryDelayMs(1.5),
      () => retryDelayMs(1, { backoffMs: [] }),
      () => retryDelayMs(1, { backoffMs: [-1] }),
      () => retryDelayMs(1, { jitterRatio: 2 }),
      () => retryDelayMs(1, { jitterRatio: Number.NaN }),
    ]) {
      expect(call).toThrow();
      try {
        call();
      } catch (error) {
        expect(isA2AMqttError(error, 'INVALID_OPTIONS')).toBe(true);
      }
    }
  });
});
