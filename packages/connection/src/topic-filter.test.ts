import { describe, expect, it } from 'vitest';
import { assertTopicName, parseTopicFilter, topicMatchesFilter } from './topic-filter.js';

describe('topicMatchesFilter', () => {
  const table: [filter: string, topic: string, expected: boolean][] = [
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/b', 'a/b/c', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/', true],
    ['a/+', 'a', false],
    ['a/+', 'a/b/c', false],
    ['+/+', 'a/b', true],
    ['+', 'a', true],
    ['+', '', true],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b', true],
    ['a/#', 'a/b/c/d', true],
    ['a/#', 'b/a', false],
    ['#', 'a/b/c', true],
    ['#', '/leading', true],
    // $-topics: a leading wildcard never matches them.
    ['#', '$a2a/v1/discovery/acme/ops/planner', false],
    ['+/v1/discovery/acme/ops/planner', '$a2a/v1/discovery/acme/ops/planner', false],
    ['+/#', '$SYS/broker/uptime', false],
    ['$a2a/#', '$a2a/v1/discovery/acme/ops/planner', true],
    ['$a2a/v1/discovery/acme/+/+', '$a2a/v1/discovery/acme/ops/planner', true],
    ['$a2a/v1/discovery/acme/+/+', '$a2a/v1/discovery/other/ops/planner', false],
    ['$a2a/v1/reply/acme/ops/me/+', '$a2a/v1/reply/acme/ops/me/abc123', true],
    // Shared subscriptions match on the filter after `$share/{group}/`.
    ['$share/g1/a2a/v1/request/acme/ops/pool/p', 'a2a/v1/request/acme/ops/pool/p', true],
    ['$share/g1/a2a/v1/request/+/+/pool/+', 'a2a/v1/request/acme/ops/pool/p', true],
    ['$share/g1/#', 'a2a/v1/x', true],
    ['$share/g1/#', '$a2a/v1/x', false],
    ['$share/g1/a/b', '$share/g1/a/b', false],
    // Invalid filters match nothing.
    ['a/#/b', 'a/x/b', false],
    ['a+/b', 'a+/b', false],
    ['$share/g', 'g', false],
    ['', '', false],
  ];
  it.each(table)('filter %j vs topic %j -> %s', (filter, topic, expected) => {
    expect(topicMatchesFilter(filter, topic)).toBe(expected);
  });
});

describe('parseTopicFilter', () => {
  it('splits a shared subscription into group and filter', () => {
    expect(parseTopicFilter('$share/a2a.acme.ops.p/a2a/v1/request/acme/ops/pool/p')).toEqual({
      filter: '$share/a2a.acme.ops.p/a2a/v1/request/acme/ops/pool/p',
      matchFilter: 'a2a/v1/request/acme/ops/pool/p',
      shareGroup: 'a2a.acme.ops.p',
      hasWildcard: false,
    });
  });

  it.each([
    ['', 'non-empty'],
    ['a/#/b', '`#` must be the last level'],
    ['a/b#', 'whole level'],
    ['a/+b', 'whole level'],
    ['$share/g', '$share/{group}/{filter}'],
    ['$share//a', '$share/{group}/{filter}'],
    ['$share/g+/a', 'share group'],
    ['a\u0000b', 'NUL'],
  ])('rejects %j with INVALID_TOPIC (%s)', (filter, reason) => {
    expect(() => parseTopicFilter(filter)).toThrowError(
      expect.objectContaining({ code: 'INVALID_TOPIC', message: expect.stringContaining(reason) }),
    );
  });
});

describe('assertTopicName', () => {
  it('accepts a plain topic and refuses wildcards', () => {
    expect(() => assertTopicName('$a2a/v1/request/acme/ops/planner')).not.toThrow();
    for (const topic of ['', 'a/+', 'a/#', 'a\u0000']) {
      expect(() => assertTopicName(topic)).toThrowError(
        expect.objectContaining({ code: 'INVALID_TOPIC' }),
      );
    }
  });
});
