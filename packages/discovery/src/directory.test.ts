import { AgentCard } from '@a2a-js/sdk';
import { createTopics } from '@a2a-mqtt/protocol';
import { describe, expect, it, vi } from 'vitest';
import { prepareAgentCard } from './card-codec.js';
import { createAgentDirectory } from './directory.js';
import type { DirectoryEntryEvent, DirectoryEvent } from './directory-types.js';
import { makeCard } from './test-support/cards.js';
import { FakeSession } from './test-support/fake-session.js';
import { createCapturingLogger } from './test-support/logger.js';
import { nextEvent } from './test-support/wait.js';

const topics = createTopics();
const broker = 'mqtt://broker.example:1883';
const online = { 'a2a-status': 'online', 'a2a-status-source': 'agent' };

function cardPayload(agent: string, unit = 'support', name = agent, tags = ['general']): string {
  return prepareAgentCard({
    card: makeCard(name, { skills: [{ id: `${agent}-skill`, tags }] }),
    agent: { org: 'acme', unit, agent },
    topics,
    broker,
  }).payload;
}

async function take(
  events: AsyncIterator<DirectoryEvent>,
  count: number,
): Promise<DirectoryEvent[]> {
  const result: DirectoryEvent[] = [];
  while (result.length < count) {
    const next = await events.next();
    if (next.done) break;
    result.push(next.value);
  }
  return result;
}

describe('createAgentDirectory (fake session)', () => {
  it('loads the retained set before start() resolves, then reports changes', async () => {
    const session = new FakeSession();
    session.deliver(
      topics.discovery({ org: 'acme', unit: 'support', agent: 'a' }),
      cardPayload('a'),
      online,
    );
    session.deliver(
      topics.discovery({ org: 'acme', unit: 'support', agent: 'b' }),
      cardPayload('b'),
      online,
    );
    const directory = createAgentDirectory({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
    });
    await directory.start();
    expect(
      directory
        .list()
        .map((entry) => entry.id)
        .sort(),
    ).toEqual(['acme/support/a', 'acme/support/b']);
    // The retained set was loaded inside one burst scope, closed once start() resolved.
    expect(session.burstsOpened).toBe(1);
    expect(session.openBursts).toBe(0);

    const events = directory.watch();
    const topicA = topics.discovery({ org: 'acme', unit: 'support', agent: 'a' });
    session.deliver(topicA, cardPayload('a'), {
      'a2a-status': 'offline',
      'a2a-status-source': 'lwt',
    });
    session.deliver(topicA, cardPayload('a', 'support', 'A2'), online);
    session.deliver(topicA, '');
    const received = await take(events, 4);
    expect(received.map((event) => event.type)).toEqual([
      'offline',
      'updated',
      'online',
      'removed',
    ]);
    expect(received[0]).toMatchObject({ entry: { status: 'offline', statusSource: 'lwt' } });
    expect(received[1]).toMatchObject({ entry: { card: { name: 'A2' } } });
    expect(directory.get('a')).toBeUndefined();
    await directory.close();
    expect((await events.next()).done).toBe(true);
    expect(session.subscriptions.size).toBe(0);
  });

  it('lets broker-managed status win over agent and LWT status, in entries and events', async () => {
    const session = new FakeSession();
    const directory = createAgentDirectory({
      session: session.asSession(),
      scope: { org: 'acme' },
    });
    await directory.start();
    const events = directory.watch();
    const topic = topics.discovery({ org: 'acme', unit: 'support', agent: 'a' });
    const marker = (name: string) => {
      // A card of another agent: its `added` event shows that everything before it was handled.
      session.deliver(
        topics.discovery({ org: 'acme', unit: 'support', agent: name }),
        cardPayload(name),
        online,
      );
    };
    const next = async () => (await nextEvent(events, () => true, 5_000)) as DirectoryEntryEvent;
    const brokerOffline = { 'a2a-status': 'offline', 'a2a-status-source': 'broker' };
    const brokerOnline = { 'a2a-status': 'online', 'a2a-status-source': 'broker' };

    // The first card carries a broker status.
    session.deliver(topic, cardPayload('a'), brokerOffline);
    expect(await next()).toMatchObject({
      type: 'added',
      entry: { id: 'acme/support/a', status: 'offline', statusSource: 'broker' },
    });

    // Agent and LWT statuses on the same card change nothing, and emit nothing.
    session.deliver(topic, cardPayload('a'), online);
    session.deliver(topic, cardPayload('a'), {
      'a2a-status': 'offline',
      'a2a-status-source': 'lwt',
    });
    session.deliver(topic, cardPayload('a'), online);
    marker('m1');
    expect(await next()).toMatchObject({ type: 'added', entry: { id: 'acme/support/m1' } });
    expect(directory.get('acme/support/a')).toMatchObject({
      status: 'offline',
      statusSource: 'broker',
    });

    // A new card from the agent is an `updated` event that keeps the broker status.
    session.deliver(topic, cardPayload('a', 'support', 'A v2'), online);
    expect(await next()).toMatchObject({
      type: 'updated',
      entry: { card: { name: 'A v2' }, status: 'offline', statusSource: 'broker' },
      previous: { card: { name: 'a' }, status: 'offline', statusSource: 'broker' },
    });

    // Only a broker message changes the status: online, then offline again.
    session.deliver(topic, cardPayload('a', 'support', 'A v2'), brokerOnline);
    expect(await next()).toMatchObject({
      type: 'online',
      entry: { status: 'online', statusSource: 'broker' },
      previous: { status: 'offline', statusSource: 'broker' },
    });
    session.deliver(topic, cardPayload('a', 'support', 'A v2'), {
      'a2a-status': 'offline',
      'a2a-status-source': 'lwt',
    });
    session.deliver(topic, cardPayload('a', 'support', 'A v2'), brokerOffline);
    expect(await next()).toMatchObject({
      type: 'offline',
      entry: { status: 'offline', statusSource: 'broker' },
      previous: { status: 'online', statusSource: 'broker' },
    });

    // A broker pair appended to the agent's pair (repeated keys) counts as broker status.
    session.deliver(topic, cardPayload('a', 'support', 'A v2'), {
      'a2a-status': ['offline', 'online'],
      'a2a-status-source': ['agent', 'broker'],
    });
    expect(await next()).toMatchObject({
      type: 'online',
      entry: { status: 'online', statusSource: 'broker' },
    });
    marker('m2');
    expect(await next()).toMatchObject({ type: 'added', entry: { id: 'acme/support/m2' } });
    expect(directory.get('acme/support/a')).toMatchObject({
      status: 'online',
      statusSource: 'broker',
    });
    await directory.close();
  });

  it('replays the known entries as added events first with watch({ replay: true })', async () => {
    const session = new FakeSession();
    for (const agent of ['a', 'b']) {
      session.deliver(
        topics.discovery({ org: 'acme', unit: 'support', agent }),
        cardPayload(agent),
        online,
      );
    }
    const directory = createAgentDirectory({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
    });
    await directory.start();
    const replayed = directory.watch({ replay: true });
    const live = directory.watch();
    const explicit = directory.watch({ replay: false });
    session.deliver(
      topics.discovery({ org: 'acme', unit: 'support', agent: 'c' }),
      cardPayload('c'),
      online,
    );
    const ids = (list: DirectoryEvent[]) =>
      list.map((event) => `${event.type} ${(event as DirectoryEntryEvent).entry.address.agent}`);
    const fromReplay = await take(replayed, 3);
    expect(ids(fromReplay.slice(0, 2)).sort()).toEqual(['added a', 'added b']);
    expect(ids(fromReplay.slice(2))).toEqual(['added c']);
    expect(fromReplay[0]).toMatchObject({ entry: { status: 'online', statusSource: 'agent' } });
    // Without replay, the first event is the live one.
    expect(ids(await take(live, 1))).toEqual(['added c']);
    expect(ids(await take(explicit, 1))).toEqual(['added c']);
    await directory.close();
    // A watch() of a closed directory still replays, then ends.
    const afterClose = directory.watch({ replay: true });
    expect((await take(afterClose, 5)).length).toBe(3);
    expect((await afterClose.next()).done).toBe(true);
  });

  it('counts the events a slow watcher loses and logs once per overflow episode', async () => {
    const session = new FakeSession();
    const logger = createCapturingLogger();
    const directory = createAgentDirectory({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
      watchBufferSize: 2,
      logger,
    });
    await directory.start();
    const slow = directory.watch();
    const fast = directory.watch();
    const fastSeen: DirectoryEvent[] = [];
    const put = (agent: string) =>
      session.deliver(
        topics.discovery({ org: 'acme', unit: 'support', agent }),
        cardPayload(agent),
        online,
      );
    const overflowLines = () => logger.find('warn', 'fell behind');
    const recoverLines = () => logger.find('info', 'caught up');

    // Episode 1: five events into a buffer of two; `fast` reads each one as it comes.
    for (const agent of ['a1', 'a2', 'a3', 'a4', 'a5']) {
      put(agent);
      fastSeen.push(...(await take(fast, 1)));
    }
    expect(fastSeen).toHaveLength(5);
    expect(fast.dropped).toBe(0);
    expect(slow.dropped).toBe(3);
    expect(directory.droppedEvents).toBe(3);
    expect(overflowLines()).toHaveLength(1);
    expect(overflowLines()[0]?.obj).toMatchObject({ watchBufferSize: 2, dropped: 1 });
    expect(recoverLines()).toHaveLength(0);
    // The directory itself lost nothing; the slow watcher keeps the two newest events.
    expect(directory.size).toBe(5);
    const kept = (await take(slow, 2)) as DirectoryEntryEvent[];
    expect(kept.map((event) => event.entry.address.agent)).toEqual(['a4', 'a5']);
    expect(recoverLines()).toHaveLength(1);
    expect(recoverLines()[0]?.obj).toMatchObject({ dropped: 3, droppedEvents: 3 });

    // Within the buffer: no drop, no line.
    put('b1');
    put('b2');
    await take(slow, 2);
    await take(fast, 2);
    expect(slow.dropped).toBe(3);
    expect(overflowLines()).toHaveLength(1);

    // Episode 2: one more warn line, counters keep adding up.
    for (const agent of ['c1', 'c2', 'c3', 'c4']) {
      put(agent);
      await take(fast, 1);
    }
    expect(slow.dropped).toBe(5);
    expect(overflowLines()).toHaveLength(2);
    expect(directory.droppedEvents).toBe(5);

    // A released watcher's drops stay counted in the directory's total.
    await slow.return?.();
    expect(directory.droppedEvents).toBe(5);
    put('d1');
    await take(fast, 1);
    expect(directory.droppedEvents).toBe(5);
    await directory.close();
    expect(directory.droppedEvents).toBe(5);
  });

  it('reports malformed cards as invalid events and keeps working', async () => {
    const session = new FakeSession();
    const directory = createAgentDirectory({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
      maxCardBytes: 4_096,
    });
    await directory.start();
    const events = directory.watch();
    const topic = (agent: string) => topics.discovery({ org: 'acme', unit: 'support', agent });
    session.deliver(topic('x1'), 'not json', online);
    session.deliver(topic('x2'), '{"name":"missing everything"}', online);
    session.deliver(topic('x3'), cardPayload('someone-else'), online);
    session.deliver(topic('x4'), `{"pad":"${'x'.repeat(5_000)}"}`, online);
    session.deliver(topic('ok'), cardPayload('ok'), online);
    const received = await take(events, 5);
    expect(received.map((event) => (event.type === 'invalid' ? event.reason : event.type))).toEqual(
      ['not-json', 'schema', 'topic-mismatch', 'oversize', 'added'],
    );
    expect(directory.list().map((entry) => entry.id)).toEqual(['acme/support/ok']);
    await directory.close();
  });

  it('reports topics that are not a discovery topic of the prefix as bad-topic', async () => {
    const session = new FakeSession();
    const directory = createAgentDirectory({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
      // A wider filter than the scope's, so that malformed topics reach the directory.
      filter: '$a2a/v1/discovery/#',
    });
    await directory.start();
    const events = directory.watch();
    const payload = cardPayload('a');
    session.deliver('$a2a/v1/discovery/acme/support/a/extra', payload, online);
    session.deliver('$a2a/v1/discovery/acme/support/a b', payload, online);
    session.deliver('$a2a/v1/discovery/acme/support/', payload, online);
    session.deliver('$a2a/v1/discovery/acme/support', payload, online);
    session.deliver('$a2a/v1/discovery/acme/support/caf\u00e9', payload, online);
    session.deliver(
      topics.discovery({ org: 'acme', unit: 'support', agent: 'a' }),
      payload,
      online,
    );
    const received = await take(events, 6);
    expect(received.map((event) => (event.type === 'invalid' ? event.reason : event.type))).toEqual(
      ['bad-topic', 'bad-topic', 'bad-topic', 'bad-topic', 'bad-topic', 'added'],
    );
    expect(received[0]).toMatchObject({ address: undefined });
    expect(directory.get('acme/support/a')).toMatchObject({
      address: { org: 'acme', unit: 'support', agent: 'a' },
      topic: '$a2a/v1/discovery/acme/support/a',
      status: 'online',
      statusSource: 'agent',
    });
    await directory.close();
  });

  it('answers scoped queries by unit, agent, name, skill, tag and status', async () => {
    const session = new FakeSession();
    const put = (agent: string, unit: string, tags: string[], status = 'online') =>
      session.deliver(
        topics.discovery({ org: 'acme', unit, agent }),
        cardPayload(agent, unit, `${agent}-name`, tags),
        {
          'a2a-status': status,
          'a2a-status-source': 'agent',
        },
      );
    put('a', 'u1', ['x']);
    put('b', 'u1', ['y'], 'offline');
    put('c', 'u2', ['x', 'y']);
    const directory = createAgentDirectory({
      session: session.asSession(),
      scope: { org: 'acme' },
    });
    await directory.start();
    const ids = (filter: Parameters<typeof directory.list>[0]) =>
      directory
        .list(filter)
        .map((entry) => entry.address.agent)
        .sort();
    expect(ids({ unit: 'u1' })).toEqual(['a', 'b']);
    expect(ids({ agent: 'c' })).toEqual(['c']);
    expect(ids({ name: 'b-name' })).toEqual(['b']);
    expect(ids({ skill: 'c-skill' })).toEqual(['c']);
    expect(ids({ tag: 'x' })).toEqual(['a', 'c']);
    expect(ids({ tag: 'y', status: 'online' })).toEqual(['c']);
    expect(ids({ status: ['offline', 'unknown'] })).toEqual(['b']);
    expect(directory.get('c-name')?.id).toBe('acme/u2/c');
    expect(directory.get({ org: 'acme', unit: 'u1', agent: 'a' })?.card.name).toBe('a-name');
    await directory.close();
  });

  it('holds validated cards and builds each SDK AgentCard once, on first read', async () => {
    const session = new FakeSession();
    const topic = topics.discovery({ org: 'acme', unit: 'support', agent: 'a' });
    session.deliver(topic, cardPayload('a'), online);
    const directory = createAgentDirectory({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
    });
    const fromJSON = vi.spyOn(AgentCard, 'fromJSON');
    try {
      await directory.start();
      expect(directory.size).toBe(1);
      expect(fromJSON).not.toHaveBeenCalled();
      void directory.get('a')?.card;
      void directory.get('a')?.card;
      expect(fromJSON).toHaveBeenCalledTimes(1);
    } finally {
      fromJSON.mockRestore();
    }
    const events = directory.watch();
    const before = directory.get('a');
    // The SDK's fromJSON fills the fields the wire JSON leaves out (here the skill's
    // `examples`, `inputModes` and `securityRequirements`).
    expect(before?.card.skills[0]).toMatchObject({
      id: 'a-skill',
      inputModes: [],
      securityRequirements: [],
    });
    // A status-only change keeps the same card object; the entry is a plain object whose
    // `card` survives a spread and JSON.stringify.
    session.deliver(topic, cardPayload('a'), {
      'a2a-status': 'offline',
      'a2a-status-source': 'lwt',
    });
    const [offline] = (await take(events, 1)) as DirectoryEntryEvent[];
    expect(offline?.type).toBe('offline');
    expect(offline?.entry.card).toBe(before?.card);
    expect({ ...offline?.entry }.card).toBe(before?.card);
    expect(JSON.parse(JSON.stringify(offline?.entry)).card.name).toBe('a');
    await directory.close();
  });

  it('falls back to a quiet period when the probe publish is refused', async () => {
    const session = new FakeSession();
    session.refusePublishOn = '#';
    session.deliver(
      topics.discovery({ org: 'acme', unit: 'support', agent: 'a' }),
      cardPayload('a'),
      online,
    );
    const directory = createAgentDirectory({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
      settle: { strategy: 'probe', fallbackQuietMs: 20 },
    });
    await directory.start();
    expect(directory.size).toBe(1);
    await directory.close();
  });

  it('supports the quiet strategy', async () => {
    const session = new FakeSession();
    session.deliver(
      topics.discovery({ org: 'acme', unit: 'support', agent: 'a' }),
      cardPayload('a'),
      online,
    );
    const directory = createAgentDirectory({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
      settle: { strategy: 'quiet', quietMs: 20, maxMs: 1_000 },
    });
    await directory.start();
    expect(directory.size).toBe(1);
    expect(session.published).toHaveLength(0);
    await directory.close();
  });

  it('ends a pending settle wait when closed during start()', async () => {
    for (const settle of [
      // Neither wait can end on its own within the test: only close() can end it.
      { strategy: 'quiet', quietMs: 60_000, maxMs: 60_000 },
      { strategy: 'probe', timeoutMs: 60_000 },
    ] as const) {
      const session = new FakeSession();
      // The probe never comes back: this fake drops publishes on the probe's reply topic.
      const publish = session.publish.bind(session);
      session.publish = async (topic, payload, options) =>
        topic.includes('/reply/')
          ? { reasonCode: 0, noMatchingSubscribers: false }
          : publish(topic, payload, options);
      const directory = createAgentDirectory({
        session: session.asSession(),
        scope: { org: 'acme', unit: 'support' },
        settle,
      });
      const started = directory.start();
      const events = directory.watch();
      // Let start() reach its settle wait (the fake answers SUBSCRIBE and publish at once).
      await new Promise((resolve) => setImmediate(resolve));
      await directory.close();
      await started;
      expect((await events.next()).done).toBe(true);
      expect(session.subscriptions.size).toBe(0);
      const again = await directory.start().catch((e: unknown) => e);
      expect(again).toMatchObject({ code: 'CLOSED' });
    }
  });

  it('rejects a bad scope with INVALID_IDENTIFIER', () => {
    const session = new FakeSession();
    expect(() =>
      createAgentDirectory({ session: session.asSession(), scope: { org: 'a/b' } }),
    ).toThrowError(expect.objectContaining({ code: 'INVALID_IDENTIFIER' }));
  });
});
