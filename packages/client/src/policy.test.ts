import {
  DEFAULT_FIRST_REPLY_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
} from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { computeRetryDelayMs, resolveRequestPolicy } from './policy';
import { getRequester } from './requester';
import { FakeSession } from './test-support/fake-session';

describe('resolveRequestPolicy', () => {
  it('uses the profile defaults', () => {
    expect(resolveRequestPolicy(undefined)).toEqual({
      firstReplyTimeoutMs: DEFAULT_FIRST_REPLY_TIMEOUT_MS,
      streamIdleTimeoutMs: DEFAULT_STREAM_IDLE_TIMEOUT_MS,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      retryBackoffMs: [1_000, 2_000, 4_000],
      retryJitterRatio: 0.2,
      maxStallRecoveries: 2,
    });
  });

  it('layers overrides over a base policy', () => {
    const base = resolveRequestPolicy({ maxAttempts: 5 });
    expect(resolveRequestPolicy({ firstReplyTimeoutMs: 10 }, base)).toMatchObject({
      firstReplyTimeoutMs: 10,
      maxAttempts: 5,
    });
  });

  it('rejects invalid values with INVALID_OPTIONS', () => {
    for (const bad of [
      { maxAttempts: 0 },
      { firstReplyTimeoutMs: -1 },
      { retryBackoffMs: [] },
      { retryJitterRatio: 1 },
      { maxStallRecoveries: -1 },
    ]) {
      expect(() => resolveRequestPolicy(bad)).toThrowError(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      );
    }
  });
});

describe('computeRetryDelayMs', () => {
  const policy = { retryBackoffMs: [1_000, 2_000, 4_000], retryJitterRatio: 0.2 };
  it('follows the backoff table with +/- jitter and repeats the last entry', () => {
    expect(computeRetryDelayMs(0, policy, () => 0.5)).toBe(1_000);
    expect(computeRetryDelayMs(1, policy, () => 0)).toBe(1_600);
    expect(computeRetryDelayMs(2, policy, () => 1)).toBe(4_800);
    expect(computeRetryDelayMs(7, policy, () => 0.5)).toBe(4_000);
  });
});

describe('requester options', () => {
  it('needs an identity when the client id is not {org}/{unit}/{agent}', () => {
    expect(() => getRequester(new FakeSession('mqttjs_123'))).toThrowError(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    const requester = getRequester(new FakeSession('mqttjs_123'), {
      org: 'acme',
      unit: 'eng',
      requesterId: 'ui',
      replySuffix: 'r1',
    });
    expect(requester.replyTopic).toBe('$a2a/v1/reply/acme/eng/ui/r1');
  });

  it('rejects invalid identifiers and a message expiry below the first-reply timeout', () => {
    expect(() => getRequester(new FakeSession(), { requesterId: 'bad/id' })).toThrowError(
      expect.objectContaining({ code: 'INVALID_IDENTIFIER' }),
    );
    expect(() =>
      getRequester(new FakeSession(), { messageExpiryIntervalSeconds: 10 }),
    ).toThrowError(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
