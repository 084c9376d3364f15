/**
 * Discovery against a real mosquitto (private broker from the harness), once with the
 * default prefix `$a2a/v1` and once with a custom one (`a2a/v1`).
 */
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { type AgentAddress, clientIdFor, createTopics, isA2AMqttError } from '@a2a-mqtt/protocol';
import { cutClientSocket, WIRE_RULE } from '@a2a-mqtt/test-harness';
import { useBroker, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareAgentCard } from './card-codec.js';
import { createAgentDirectory } from './directory.js';
import type { DirectoryEntryEvent } from './directory-types.js';
import { presenceWill } from './presence.js';
import { registerAgent } from './registration.js';
import { createAgentResolver } from './resolver.js';
import { makeCard } from './test-support/cards.js';
import { nextEvent } from './test-support/wait.js';

describe.each(['$a2a/v1', 'a2a/v1'])('discovery with prefix %s', (prefix) => {
  const topics = createTopics({ prefix });
  const broker = useBroker();
  const sessions: MqttSession[] = [];
  let counter = 0;
  // Every message under the prefix, in every test, is checked against the profile.
  const wire = useWireCheck({ broker, prefix });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.close().catch(() => undefined)));
  });

  /** A fresh org per test, so the tests of one broker never see each other's cards. */
  function org(): string {
    counter += 1;
    return `org${counter}`;
  }

  async function connect(
    clientId: string,
    options: Record<string, unknown> = {},
  ): Promise<MqttSession> {
    const session = await connectMqttSession({ url: broker().url, clientId, ...options });
    sessions.push(session);
    return session;
  }

  async function connectAgent(agent: AgentAddress, name = agent.agent): Promise<MqttSession> {
    return connect(clientIdFor(agent), {
      will: presenceWill({ agent, card: makeCard(name), topics, broker: broker().url }),
    });
  }

  it('follows the presence lifecycle of user story 09 (online, graceful offline, reconnect, crash)', async () => {
    const agent = { org: org(), unit: 'support', agent: 'b' };
    const watcherSession = await connect(`${agent.org}/support/watcher`);
    const directory = createAgentDirectory({ session: watcherSession, scope: agent, topics });
    await directory.start();
    const events = directory.watch();
    const isB = (type: DirectoryEntryEvent['type']) => (event: { type: string }) =>
      event.type === type && (event as DirectoryEntryEvent).entry.address.agent === 'b';

    // Phase 1: online / agent.
    let session = await connectAgent(agent);
    let registration = await registerAgent({ session, agent, card: makeCard('b'), topics });
    expect(await nextEvent(events, isB('added'))).toMatchObject({
      entry: { status: 'online', statusSource: 'agent' },
    });

    // Phase 2: graceful offline / agent, clean disconnect (no will).
    await registration.stop();
    await session.close();
    expect(await nextEvent(events, isB('offline'))).toMatchObject({
      entry: { status: 'offline', statusSource: 'agent' },
    });

    // Phase 3: reconnect with the same client id: online again.
    session = await connectAgent(agent);
    registration = await registerAgent({ session, agent, card: makeCard('b'), topics });
    expect(await nextEvent(events, isB('online'))).toMatchObject({
      entry: { status: 'online', statusSource: 'agent' },
    });

    // Phase 4: crash: the broker publishes the will (offline / lwt).
    cutClientSocket(session);
    expect(await nextEvent(events, isB('offline'))).toMatchObject({
      entry: { status: 'offline', statusSource: 'lwt', card: { name: 'b' } },
    });
    expect(directory.get(agent)?.statusSource).toBe('lwt');
    await directory.close();
  });

  it.each([
    { qos: 0, persistent: true },
    { qos: 0, persistent: false },
    { qos: 1, persistent: true },
    { qos: 1, persistent: false },
  ] as const)(
    'a directory at QoS $qos (persistent session: $persistent) catches up on the changes made while it was offline',
    async ({ qos, persistent }) => {
      const o = org();
      const address = (agent: string) => ({ org: o, unit: 'support', agent });
      const publisher = await connect(`${o}/support/publisher`);
      const retain = (agent: string, name: string) =>
        publisher.publish(
          topics.discovery(address(agent)),
          prepareAgentCard({
            card: makeCard(name),
            agent: address(agent),
            topics,
            broker: broker().url,
          }).payload,
          {
            qos: 1,
            retain: true,
            properties: {
              userProperties: { 'a2a-status': 'online', 'a2a-status-source': 'agent' },
            },
          },
        );
      await retain('a', 'a');
      await retain('b', 'b');
      // Reconnects only when the test says so (a long automatic delay, then reconnect()).
      const watcher = await connect(`${o}/support/watcher`, {
        reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
        ...(persistent ? { session: { persistent: true, expiryIntervalSeconds: 60 } } : {}),
      });
      const directory = createAgentDirectory({
        session: watcher,
        scope: { org: o, unit: 'support' },
        topics,
        qos,
      });
      await directory.start();
      expect(
        directory
          .list()
          .map((entry) => entry.address.agent)
          .sort(),
      ).toEqual(['a', 'b']);
      const events = directory.watch();

      const offline = new Promise<void>((resolve) => watcher.on('offline', () => resolve()));
      cutClientSocket(watcher);
      await offline;
      await retain('a', 'renamed');
      await publisher.publish(topics.discovery(address('b')), '', { qos: 1, retain: true });
      await retain('c', 'c');
      const reconnected = new Promise<boolean>((resolve) =>
        watcher.on('connect', ({ sessionPresent }) => resolve(sessionPresent)),
      );
      watcher.client.reconnect();
      expect(await reconnected).toBe(persistent);

      const seen = new Set<string>();
      while (seen.size < 3) {
        const event = (await nextEvent(events, (e) => e.type !== 'invalid')) as DirectoryEntryEvent;
        const agent = event.entry.address.agent;
        if (event.type === 'updated' && agent === 'a' && event.entry.card.name === 'renamed') {
          seen.add('a renamed');
        } else if (event.type === 'removed' && agent === 'b') seen.add('b removed');
        else if (event.type === 'added' && agent === 'c') seen.add('c added');
      }
      expect(
        directory
          .list()
          .map((entry) => entry.address.agent)
          .sort(),
      ).toEqual(['a', 'c']);
      expect(directory.get(address('a'))?.card.name).toBe('renamed');
      await directory.close();
    },
  );

  it('republishes the card after an automatic reconnect', async () => {
    const agent = { org: org(), unit: 'support', agent: 'flaky' };
    const watcherSession = await connect(`${agent.org}/support/watcher`);
    const directory = createAgentDirectory({ session: watcherSession, scope: agent, topics });
    await directory.start();
    const events = directory.watch();
    const session = await connect(clientIdFor(agent), {
      will: presenceWill({ agent, card: makeCard('flaky'), topics, broker: broker().url }),
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    await registerAgent({ session, agent, card: makeCard('flaky'), topics });
    await nextEvent(events, (event) => event.type === 'added');
    cutClientSocket(session);
    expect(await nextEvent(events, (event) => event.type === 'offline')).toMatchObject({
      entry: { statusSource: 'lwt' },
    });
    expect(await nextEvent(events, (event) => event.type === 'online')).toMatchObject({
      entry: { status: 'online', statusSource: 'agent' },
    });
    await directory.close();
  });

  it('replaces the card on update and removes it on unregister', async () => {
    const agent = { org: org(), unit: 'support', agent: 'triage' };
    const watcherSession = await connect(`${agent.org}/support/watcher`);
    const directory = createAgentDirectory({ session: watcherSession, scope: agent, topics });
    await directory.start();
    const events = directory.watch();
    const session = await connectAgent(agent);
    const registration = await registerAgent({ session, agent, card: makeCard('Triage'), topics });
    await nextEvent(events, (event) => event.type === 'added');

    await registration.update(
      makeCard('Triage v2', { skills: [{ id: 'route', tags: ['routing'] }] }),
    );
    const updated = await nextEvent(events, (event) => event.type === 'updated');
    expect(updated).toMatchObject({ entry: { card: { name: 'Triage v2' }, status: 'online' } });
    expect(registration.card.name).toBe('Triage v2');

    await registration.unregister();
    await nextEvent(events, (event) => event.type === 'removed');
    expect(directory.get(agent)).toBeUndefined();

    // A new subscriber sees no retained card either.
    const late = createAgentResolver({ session: watcherSession, scope: agent, topics });
    expect(await late.discoverAgents()).toEqual([]);
    await late.close();
    await directory.close();
  });

  it('answers every scoped query for three agents in two units, promptly with and without agents', async () => {
    const o = org();
    const agents = [
      { address: { org: o, unit: 'u1', agent: 'alpha' }, tags: ['translation'] },
      { address: { org: o, unit: 'u1', agent: 'beta' }, tags: ['billing'] },
      { address: { org: o, unit: 'u2', agent: 'gamma' }, tags: ['translation', 'billing'] },
    ];
    for (const { address, tags } of agents) {
      const session = await connectAgent(address);
      await registerAgent({
        session,
        agent: address,
        card: makeCard(`${address.agent} card`, {
          skills: [{ id: `${address.agent}-skill`, tags }],
        }),
        topics,
      });
    }
    const clientSession = await connect(`${o}/u1/client`);
    // A settle timeout far above the expected answer time: a prompt answer proves the probe
    // (not the timeout) ended the wait.
    const settle = { strategy: 'probe' as const, timeoutMs: 30_000 };
    const orgWide = createAgentResolver({
      session: clientSession,
      scope: { org: o },
      topics,
      settle,
    });
    const unit1 = createAgentResolver({
      session: clientSession,
      scope: { org: o, unit: 'u1' },
      topics,
      settle,
    });
    const empty = createAgentResolver({
      session: clientSession,
      scope: { org: `${o}-none` },
      topics,
      settle,
    });
    try {
      const names = (entries: { address: AgentAddress }[]) =>
        entries.map((entry) => entry.address.agent).sort();
      const started = performance.now();
      expect(names(await orgWide.discoverAgents())).toEqual(['alpha', 'beta', 'gamma']);
      expect(await empty.discoverAgents()).toEqual([]);
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(names(await unit1.discoverAgents())).toEqual(['alpha', 'beta']);
      expect(names(await orgWide.discoverAgents({ unit: 'u2' }))).toEqual(['gamma']);
      expect(names(await orgWide.discoverAgents({ tag: 'translation' }))).toEqual([
        'alpha',
        'gamma',
      ]);
      expect(names(await unit1.discoverAgents({ tag: 'translation' }))).toEqual(['alpha']);
      expect(names(await orgWide.discoverAgents({ skill: 'beta-skill' }))).toEqual(['beta']);
      expect(names(await orgWide.discoverAgents({ name: 'gamma card' }))).toEqual(['gamma']);
      expect(names(await orgWide.discoverAgents({ agent: 'alpha', status: 'online' }))).toEqual([
        'alpha',
      ]);
      expect(await orgWide.discoverAgents({ status: 'offline' })).toEqual([]);
      expect((await orgWide.discoverAgent('gamma')).address.unit).toBe('u2');
      expect((await orgWide.discoverAgent(`${o}/u1/beta`)).card.name).toBe('beta card');
      expect((await unit1.discoverAgent('alpha card')).address.agent).toBe('alpha');

      const missing = performance.now();
      const error = await unit1.discoverAgent('gamma', { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(isA2AMqttError(error, 'AGENT_NOT_FOUND')).toBe(true);
      expect(performance.now() - missing).toBeGreaterThanOrEqual(290);
    } finally {
      await Promise.all([orgWide.close(), unit1.close(), empty.close()]);
    }
  });

  it('finds an agent that registers while discoverAgent waits', async () => {
    const agent = { org: org(), unit: 'support', agent: 'late' };
    const clientSession = await connect(`${agent.org}/support/client`);
    const resolver = createAgentResolver({ session: clientSession, scope: agent, topics });
    try {
      const pending = resolver.discoverAgent('late', { timeoutMs: 10_000 });
      await resolver.directory.start();
      const session = await connectAgent(agent);
      await registerAgent({ session, agent, card: makeCard('late'), topics });
      expect((await pending).address).toEqual(agent);
    } finally {
      await resolver.close();
    }
  });

  it('skips a malformed card and keeps working', async () => {
    const o = org();
    const rogue = await connect(`${o}/support/rogue`);
    const bad = (agent: string) => topics.discovery({ org: o, unit: 'support', agent });
    // The two rogue cards are the only violations: not a valid card, no presence properties.
    wire.expectViolations(
      [bad('garbage'), bad('half')].flatMap((topic) => [
        { rule: WIRE_RULE.DISCOVERY_INVALID_CARD, topic },
        { rule: WIRE_RULE.DISCOVERY_PRESENCE_MISSING, topic },
      ]),
    );
    await rogue.publish(bad('garbage'), 'this is not json', { qos: 1, retain: true });
    await rogue.publish(bad('half'), '{"name":"half a card"}', { qos: 1, retain: true });
    const watcherSession = await connect(`${o}/support/watcher`);
    const directory = createAgentDirectory({
      session: watcherSession,
      scope: { org: o, unit: 'support' },
      topics,
    });
    const events = directory.watch();
    await directory.start();
    expect(directory.size).toBe(0);
    const reasons = [
      await nextEvent(events, (event) => event.type === 'invalid'),
      await nextEvent(events, (event) => event.type === 'invalid'),
    ].map((event) => (event.type === 'invalid' ? event.reason : event.type));
    expect(reasons.sort()).toEqual(['not-json', 'schema']);

    const agent = { org: o, unit: 'support', agent: 'good' };
    const session = await connectAgent(agent);
    await registerAgent({ session, agent, card: makeCard('good'), topics });
    await nextEvent(events, (event) => event.type === 'added');
    expect(directory.list().map((entry) => entry.id)).toEqual([`${o}/support/good`]);
    await directory.close();
  });

  it('loads 2 000 retained cards completely', async () => {
    const o = org();
    const publisher = await connect(`${o}/bulk/publisher`);
    const count = 2_000;
    const template = makeCard('bulk', {
      description: 'x'.repeat(1_500),
      skills: [{ id: 'work', tags: ['bulk'] }],
    });
    const { prepareAgentCard } = await import('./card-codec.js');
    await Promise.all(
      Array.from({ length: count }, (_, index) => {
        const agent = { org: o, unit: 'bulk', agent: `agent-${index}` };
        const { payload } = prepareAgentCard({
          card: template,
          agent,
          topics,
          broker: broker().url,
        });
        return publisher.publish(topics.discovery(agent), payload, {
          qos: 1,
          retain: true,
          properties: { userProperties: { 'a2a-status': 'online', 'a2a-status-source': 'agent' } },
        });
      }),
    );
    const reader = await connect(`${o}/bulk/reader`);
    const directory = createAgentDirectory({
      session: reader,
      scope: { org: o, unit: 'bulk' },
      topics,
    });
    await directory.start();
    expect(directory.size).toBe(count);
    expect(directory.get(`${o}/bulk/agent-1999`)?.status).toBe('online');
    expect(directory.list({ status: 'online' })).toHaveLength(count);
    await directory.close();
  });
});
