import { describe, expect, it } from 'vitest';
import { A2AMqttError } from './errors.js';
import { createTopics, DEFAULT_TOPIC_PREFIX, TopicScheme, validateTopicPrefix } from './topics.js';

const agent = { org: 'acme', unit: 'support', agent: 'triage' };
const pool = { org: 'acme', unit: 'support', pool: 'triagers' };

function thrown(fn: () => unknown): A2AMqttError {
  try {
    fn();
  } catch (error) {
    if (A2AMqttError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('TopicScheme builders', () => {
  const topics = createTopics();

  it('defaults to the $a2a/v1 prefix', () => {
    expect(DEFAULT_TOPIC_PREFIX).toBe('$a2a/v1');
    expect(topics.prefix).toBe('$a2a/v1');
    expect(topics).toBeInstanceOf(TopicScheme);
  });

  it('builds every topic of the profile', () => {
    expect(topics.discovery(agent)).toBe('$a2a/v1/discovery/acme/support/triage');
    expect(topics.request(agent)).toBe('$a2a/v1/request/acme/support/triage');
    expect(topics.event(agent)).toBe('$a2a/v1/event/acme/support/triage');
    expect(topics.poolRequest(pool)).toBe('$a2a/v1/request/acme/support/pool/triagers');
    expect(topics.reply({ org: 'acme', unit: 'support', requester: 'planner', suffix: 'r1' })).toBe(
      '$a2a/v1/reply/acme/support/planner/r1',
    );
  });

  it('builds the subscription filters', () => {
    expect(topics.discoveryFilter({ org: 'acme' })).toBe('$a2a/v1/discovery/acme/+/+');
    expect(topics.discoveryFilter({ org: 'acme', unit: 'support' })).toBe(
      '$a2a/v1/discovery/acme/support/+',
    );
    expect(topics.requestFilter({ org: 'acme', unit: 'support' })).toBe(
      '$a2a/v1/request/acme/support/+',
    );
    expect(topics.replyFilter({ org: 'acme', unit: 'support', requester: 'planner' })).toBe(
      '$a2a/v1/reply/acme/support/planner/+',
    );
    expect(topics.eventFilter({ org: 'acme' })).toBe('$a2a/v1/event/acme/+/+');
    expect(topics.eventFilter({ org: 'acme', unit: 'support' })).toBe(
      '$a2a/v1/event/acme/support/+',
    );
  });

  it('builds the shared pool subscription with the deterministic or a given group', () => {
    expect(topics.sharedPoolRequest(pool)).toBe(
      '$share/a2a.acme.support.triagers/$a2a/v1/request/acme/support/pool/triagers',
    );
    expect(topics.sharedPoolRequest(pool, 'g-1')).toBe(
      '$share/g-1/$a2a/v1/request/acme/support/pool/triagers',
    );
    expect(thrown(() => topics.sharedPoolRequest(pool, 'g/1')).message).toContain(
      'Invalid group identifier',
    );
  });

  it('uses a custom prefix everywhere', () => {
    const custom = createTopics({ prefix: 'corp/a2a/v1' });
    expect(custom.prefix).toBe('corp/a2a/v1');
    expect(custom.request(agent)).toBe('corp/a2a/v1/request/acme/support/triage');
    expect(custom.sharedPoolRequest(pool)).toBe(
      '$share/a2a.acme.support.triagers/corp/a2a/v1/request/acme/support/pool/triagers',
    );
  });

  it.each([
    ['org', () => topics.discovery({ ...agent, org: 'a+' })],
    ['unit', () => topics.request({ ...agent, unit: '#' })],
    ['agent', () => topics.event({ ...agent, agent: '' })],
    ['pool', () => topics.poolRequest({ ...pool, pool: 'p q' })],
    ['requester', () => topics.reply({ org: 'o', unit: 'u', requester: 'r/x', suffix: 's' })],
    ['replySuffix', () => topics.reply({ org: 'o', unit: 'u', requester: 'r', suffix: 's/x' })],
    ['org', () => topics.discoveryFilter({ org: '+' })],
    ['unit', () => topics.requestFilter({ org: 'o', unit: '' })],
    ['requester', () => topics.replyFilter({ org: 'o', unit: 'u', requester: '+' })],
  ] as const)('rejects a bad %s identifier naming it', (kind, build) => {
    const error = thrown(build);
    expect(error.code).toBe('INVALID_IDENTIFIER');
    expect(error.message).toContain(`Invalid ${kind} identifier`);
  });

  it('rejects a missing address object with a typed error', () => {
    expect(thrown(() => topics.request(undefined as never)).code).toBe('INVALID_IDENTIFIER');
    expect(thrown(() => topics.replyFilter(null as never)).code).toBe('INVALID_IDENTIFIER');
  });
});

describe('topic prefix validation', () => {
  it.each([
    ['', 'must not be empty'],
    ['a2a/+', 'wildcard'],
    ['a2a/#', 'wildcard'],
    ['/a2a', 'start or end'],
    ['a2a/', 'start or end'],
    ['a2a//v1', 'empty level'],
    ['$share/g', '$share'],
  ])('rejects %j', (prefix, reason) => {
    const error = thrown(() => createTopics({ prefix }));
    expect(error.code).toBe('INVALID_TOPIC');
    expect(error.message).toContain(JSON.stringify(prefix));
    expect(error.message.replace('+ or #', 'wildcard')).toContain(reason);
  });

  it('accepts usual prefixes', () => {
    for (const prefix of ['$a2a/v1', 'a2a/v1', 'a2a', 'tenant-1/a2a/v1']) {
      expect(validateTopicPrefix(prefix)).toBe(prefix);
    }
  });
});

describe('TopicScheme.parse', () => {
  const topics = createTopics();

  it('round-trips every builder', () => {
    expect(topics.parse(topics.discovery(agent))).toEqual({
      kind: 'discovery',
      topic: '$a2a/v1/discovery/acme/support/triage',
      prefix: '$a2a/v1',
      ...agent,
    });
    expect(topics.parse(topics.request(agent))).toMatchObject({ kind: 'request', ...agent });
    expect(topics.parse(topics.event(agent))).toMatchObject({ kind: 'event', ...agent });
    expect(topics.parse(topics.poolRequest(pool))).toMatchObject({ kind: 'pool-request', ...pool });
    const reply = { org: 'acme', unit: 'support', requester: 'planner', suffix: 'abc' };
    expect(topics.parse(topics.reply(reply))).toMatchObject({ kind: 'reply', ...reply });
  });

  it('strips a $share/{group}/ prefix and reports the group', () => {
    const parsed = topics.parse(topics.sharedPoolRequest(pool));
    expect(parsed).toEqual({
      kind: 'pool-request',
      topic: '$a2a/v1/request/acme/support/pool/triagers',
      prefix: '$a2a/v1',
      shareGroup: 'a2a.acme.support.triagers',
      ...pool,
    });
  });

  it('treats an agent named "pool" as a direct request (different level count)', () => {
    expect(topics.parse('$a2a/v1/request/acme/support/pool')).toMatchObject({
      kind: 'request',
      agent: 'pool',
    });
  });

  it.each([
    'a2a/v1/request/acme/support/triage',
    '$a2a/v2/request/acme/support/triage',
    '$a2a/v1/unknown/acme/support/triage',
    '$a2a/v1/request/acme/support',
    '$a2a/v1/request/acme/support/triage/extra',
    '$a2a/v1/request/acme/support/notpool/x',
    '$a2a/v1/discovery/acme/+/+',
    '$a2a/v1/reply/acme/support/planner',
    '$a2a/v1/reply/acme/support/planner/x/y',
    '$a2a/v1/event/acme/su pport/triage',
    '$share/$a2a/v1/request/acme/support/triage',
    '$share/g+/$a2a/v1/request/acme/support/triage',
    '$a2a/v1',
    '',
  ])('returns undefined for %j', (topic) => {
    expect(topics.parse(topic)).toBeUndefined();
  });

  it('never throws on non-strings', () => {
    expect(topics.parse(42 as never)).toBeUndefined();
  });

  it('parses with a custom prefix only', () => {
    const custom = createTopics({ prefix: 'a2a/v1' });
    expect(custom.parse('a2a/v1/event/acme/support/triage')).toMatchObject({
      kind: 'event',
      prefix: 'a2a/v1',
    });
    expect(custom.parse('$a2a/v1/event/acme/support/triage')).toBeUndefined();
  });
});
