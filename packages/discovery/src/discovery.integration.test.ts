/**
 * Discovery against a real mosquitto (private broker from the harness), once with the
 * default prefix `$a2a/v1` and once with a custom one (`a2a/v1`).
 */
import { AgentCard } from '@a2a-js/sdk';
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import {
  type AgentAddress,
  clientIdFor,
  createTopics,
  isA2AMqttError,
  readUserProperty,
  USER_PROPERTY,
} from '@a2a-mqtt/protocol';
import { cutClientSocket, WIRE_RULE, waitFor } from '@a2a-mqtt/test-harness';
import { useBroker, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareAgentCard } from './card-codec.js';
import { createAgentDirectory } from './directory.js';
import type { DirectoryEntryEvent } from './directory-types.js';
import { presenceWill } from './presence.js';
import { registerAgent } from './registration.js';
import { createAgentResolver } from './resolver.js';
import { makeCard } from './test-support/cards.js';
import { createCapturingLogger, logLineText } from './test-support/logger.js';
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

  async function connectAgent(
    agent: AgentAddress,
    name = agent.agent,
    options: Record<string, unknown> = {},
  ): Promise<MqttSession> {
    return connect(clientIdFor(agent), {
      will: presenceWill({ agent, card: makeCard(name), topics, broker: broker().url }),
      ...options,
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
    // The card went out retained at QoS 1 (the sniffer subscribes at QoS 2 with Retain As
    // Published, so it records the publisher's QoS and retain flag).
    const online = await wire
      .sniffer()
      .waitForMessage(
        (message) =>
          message.topic === topics.discovery(agent) &&
          readUserProperty(message.properties.userProperties, USER_PROPERTY.STATUS) === 'online',
        5_000,
      );
    expect({ qos: online.qos, retain: online.retain }).toEqual({ qos: 1, retain: true });

    // Phase 2: graceful offline / agent, clean disconnect (no will).
    await registration.stop();
    await session.close();
    expect(await nextEvent(events, isB('offline'))).toMatchObject({
      entry: { status: 'offline', statusSource: 'agent' },
    });

    // Phase 3: reconnect with the same client id: online again. This session never reconnects
    // on its own: after the crash of phase 4 it cannot republish `online` before the watcher
    // saw the will.
    session = await connectAgent(agent, 'b', { reconnect: { enabled: false } });
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
    // The broker published the Last Will as set: retained, QoS 1.
    const will = await wire
      .sniffer()
      .waitForMessage(
        (message) =>
          message.topic === topics.discovery(agent) &&
          readUserProperty(message.properties.userProperties, USER_PROPERTY.STATUS_SOURCE) ===
            'lwt',
        5_000,
      );
    expect({ qos: will.qos, retain: will.retain }).toEqual({ qos: 1, retain: true });
    expect(readUserProperty(will.properties.userProperties, USER_PROPERTY.STATUS)).toBe('offline');
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
    // The probe, not the timeout, must end each wait: the directory logs a warning when the
    // timeout does (the bound keeps a failing run inside the test timeout, and fails it on the
    // log assertion below).
    const settle = { strategy: 'probe' as const, timeoutMs: 20_000 };
    const logger = createCapturingLogger();
    const orgWide = createAgentResolver({
      session: clientSession,
      scope: { org: o },
      topics,
      settle,
      logger,
    });
    const unit1 = createAgentResolver({
      session: clientSession,
      scope: { org: o, unit: 'u1' },
      topics,
      settle,
      logger,
    });
    const empty = createAgentResolver({
      session: clientSession,
      scope: { org: `${o}-none` },
      topics,
      settle,
      logger,
    });
    try {
      const names = (entries: { address: AgentAddress }[]) =>
        entries.map((entry) => entry.address.agent).sort();
      expect(names(await orgWide.discoverAgents())).toEqual(['alpha', 'beta', 'gamma']);
      expect(await empty.discoverAgents()).toEqual([]);
      // Both settles ended on their probe, which the sniffer saw on the client's reply space.
      const delivered = logger
        .find('debug', 'retained set delivered')
        .map((line) => (line.obj as { filter: string }).filter);
      expect(delivered.sort()).toEqual(
        [topics.discoveryFilter({ org: o }), topics.discoveryFilter({ org: `${o}-none` })].sort(),
      );
      expect(logger.find('warn', 'settle probe')).toEqual([]);
      expect(logger.find('info', 'settle probe')).toEqual([]);
      const probeHead = `${topics.reply({ org: o, unit: 'u1', requester: 'client', suffix: '_probe' })}.`;
      await waitFor(
        () => wire.sniffer().messages((message) => message.topic.startsWith(probeHead)).length >= 2,
        { description: 'the two settle probes' },
      );
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

      // An agent outside the resolver's scope is not found: the call keeps waiting through
      // unrelated cards (a new agent of u1 registering meanwhile), then rejects.
      const order: string[] = [];
      const watching = unit1.directory.watch();
      const missing = unit1.discoverAgent('gamma', { timeoutMs: 2_000 }).then(
        () => order.push('resolved'),
        (error: unknown) => {
          order.push('rejected');
          return error;
        },
      );
      const delta = { org: o, unit: 'u1', agent: 'delta' };
      const deltaSession = await connectAgent(delta);
      await registerAgent({ session: deltaSession, agent: delta, card: makeCard('delta'), topics });
      await nextEvent(watching, (event) => event.type === 'added');
      order.push('delta added');
      await watching.return?.();
      const error = await missing;
      expect(order).toEqual(['delta added', 'rejected']);
      expect(isA2AMqttError(error, 'AGENT_NOT_FOUND')).toBe(true);
      expect(error).toMatchObject({ details: { reference: 'gamma', timeoutMs: 2_000 } });
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

  it('skips malformed cards (not JSON, schema, another agent, oversize) and keeps working', async () => {
    const o = org();
    const rogue = await connect(`${o}/support/rogue`);
    const bad = (agent: string) => topics.discovery({ org: o, unit: 'support', agent });
    // The two rogue non-cards are the only violations: not a valid card, no presence properties.
    wire.expectViolations(
      [bad('garbage'), bad('half')].flatMap((topic) => [
        { rule: WIRE_RULE.DISCOVERY_INVALID_CARD, topic },
        { rule: WIRE_RULE.DISCOVERY_PRESENCE_MISSING, topic },
      ]),
    );
    const presence = {
      properties: { userProperties: { 'a2a-status': 'online', 'a2a-status-source': 'agent' } },
    };
    /** A valid card payload prepared for `agent`, whose description marks it in logs. */
    const cardFor = (agent: string, description: string) =>
      prepareAgentCard({
        card: makeCard(agent, { description }),
        agent: { org: o, unit: 'support', agent },
        topics,
        broker: broker().url,
      }).payload;
    // A valid card of agent `other`, retained on the topic of agent `mismatch`.
    const mismatch = cardFor('other', 'PAYLOAD-MARKER-mismatch');
    // A valid card above the directory's default limit (DEFAULT_MAX_CARD_BYTES, 256 KiB).
    const oversize = cardFor('big', `PAYLOAD-MARKER-oversize ${'x'.repeat(300_000)}`);
    const payloads = ['this is not json', '{"name":"half a card"}', mismatch, oversize];
    await rogue.publish(bad('garbage'), payloads[0] as string, { qos: 1, retain: true });
    await rogue.publish(bad('half'), payloads[1] as string, { qos: 1, retain: true });
    await rogue.publish(bad('mismatch'), mismatch, { qos: 1, retain: true, ...presence });
    await rogue.publish(bad('big'), oversize, { qos: 1, retain: true, ...presence });
    const watcherSession = await connect(`${o}/support/watcher`);
    const logger = createCapturingLogger();
    const directory = createAgentDirectory({
      session: watcherSession,
      scope: { org: o, unit: 'support' },
      topics,
      logger,
    });
    const events = directory.watch();
    await directory.start();
    expect(directory.size).toBe(0);
    const invalid: { topic: string; reason: string }[] = [];
    for (let index = 0; index < 4; index += 1) {
      const event = await nextEvent(events, (e) => e.type === 'invalid');
      if (event.type === 'invalid') invalid.push({ topic: event.topic, reason: event.reason });
    }
    const byTopic = (a: { topic: string }, b: { topic: string }) => a.topic.localeCompare(b.topic);
    const expected = [
      { topic: bad('garbage'), reason: 'not-json' },
      { topic: bad('half'), reason: 'schema' },
      { topic: bad('mismatch'), reason: 'topic-mismatch' },
      { topic: bad('big'), reason: 'oversize' },
    ].sort(byTopic);
    expect(invalid.sort(byTopic)).toEqual(expected);

    // One warn line per skipped card, naming topic and reason, never carrying the payload.
    const warnings = logger.find('warn', 'skipped a discovery message');
    expect(
      warnings
        .map((line) => {
          const { topic, reason } = line.obj as { topic: string; reason: string };
          return { topic, reason };
        })
        .sort(byTopic),
    ).toEqual(expected);
    for (const line of warnings) {
      const text = logLineText(line);
      for (const payload of payloads) expect(text).not.toContain(payload);
      expect(text).not.toContain('PAYLOAD-MARKER');
      expect(text).not.toContain('half a card');
    }

    const agent = { org: o, unit: 'support', agent: 'good' };
    const session = await connectAgent(agent);
    await registerAgent({ session, agent, card: makeCard('good'), topics });
    await nextEvent(events, (event) => event.type === 'added');
    expect(directory.list().map((entry) => entry.id)).toEqual([`${o}/support/good`]);
    await directory.close();
  });

  it('refuses an invalid card with INVALID_AGENT_CARD and publishes nothing', async () => {
    wire.expectNoTraffic();
    const agent = { org: org(), unit: 'support', agent: 'broken' };
    const session = await connect(clientIdFor(agent));
    const valid = AgentCard.toJSON(makeCard('broken')) as Record<string, unknown>;
    // Empty name and version: the A2A v1.0 Agent Card schema requires non-empty strings.
    const card = AgentCard.fromJSON({ ...valid, name: '', version: '' });
    const error = await registerAgent({ session, agent, card, topics }).catch((e: unknown) => e);
    expect(isA2AMqttError(error, 'INVALID_AGENT_CARD')).toBe(true);
    const issues = (error as { details?: { issues?: { path: string }[] } }).details?.issues ?? [];
    expect(issues.map((issue) => issue.path).sort()).toEqual(['name', 'version']);
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
