/**
 * `close()` releases what the server and the multi-agent host put on a shared session: the
 * 'connect' listeners of their card registrations, and an owned session they could not start.
 */
import { MqttSession } from '@a2a-mqtt/connection';
import { A2AMqttError, createTopics, readUserProperty } from '@a2a-mqtt/protocol';
import { type BrokerHandle, createDeferred, startBroker, waitFor } from '@a2a-mqtt/test-harness';
import { useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createA2AMqttServer } from './a2a-mqtt-server.js';
import { createMultiAgentHost } from './multi-agent-host.js';
import { createRequestHandler } from './request-handler.js';
import { ScriptedExecutor, testCard } from './test-support/scripted-agent.js';

const topics = createTopics();
const scope = { org: 'acme', unit: 'release-lab' };
const WAIT = { timeoutMs: 10_000, intervalMs: 10 };

let broker: BrokerHandle;
let watcher: mqtt.MqttClient;
const cards = new Map<string, string | undefined>();
const sessions: MqttSession[] = [];

function handlerFor(name: string) {
  return createRequestHandler({
    agentCard: testCard(name),
    agentExecutor: new ScriptedExecutor(name),
  });
}

async function sharedSession(name: string): Promise<MqttSession> {
  const session = new MqttSession({
    url: broker.url,
    clientId: `${scope.org}/${scope.unit}/${name}`,
  });
  sessions.push(session);
  await session.connect();
  return session;
}

beforeAll(async () => {
  broker = await startBroker({ profile: 'anonymous' });
  watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  watcher.on('message', (topic, _payload, packet) => {
    cards.set(
      topic.slice(topic.lastIndexOf('/') + 1),
      readUserProperty(packet.properties?.userProperties, 'a2a-status'),
    );
  });
  await watcher.subscribeAsync(topics.discoveryFilter(scope), { qos: 1 });
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await watcher?.endAsync(true);
  for (const session of sessions) await session.close().catch(() => undefined);
  await broker?.stop();
});

const wire = useWireCheck({ broker: () => broker, prefix: topics.prefix });

describe('close() releases the shared session', () => {
  it('a server on an injected session removes its registration listener on close()', async () => {
    const session = await sharedSession('server-host');
    const before = session.listenerCount('connect');
    const server = await createA2AMqttServer({
      session,
      agent: { ...scope, agent: 'single' },
      requestHandler: handlerFor('single'),
    });
    expect(session.listenerCount('connect')).toBe(before + 1);
    await server.close({ timeoutMs: 2_000 });
    expect(session.listenerCount('connect')).toBe(before);
    expect(session.listenerCount('close')).toBe(0);
    expect(session.connected).toBe(true);
  });

  it('a multi-agent host removes every registration listener on close()', async () => {
    const session = await sharedSession('host-a');
    const before = session.listenerCount('connect');
    const host = await createMultiAgentHost({ session, scope, topics });
    await host.addAgent({ agent: 'first', requestHandler: handlerFor('first') });
    await host.addAgent({ agent: 'second', requestHandler: handlerFor('second') });
    expect(session.listenerCount('connect')).toBe(before + 2);
    await host.close({ timeoutMs: 2_000 });
    expect(session.listenerCount('connect')).toBe(before);
  });

  it('an agent whose card is still being read when the host closes is not added', async () => {
    // Nothing reaches the wire: the host closes before the card could be published.
    wire.expectNoTraffic();
    const session = await sharedSession('host-b');
    const before = session.listenerCount('connect');
    const host = await createMultiAgentHost({ session, scope, topics });
    const requestHandler = handlerFor('late-card');
    const cardGate = createDeferred();
    const getAgentCard = requestHandler.getAgentCard.bind(requestHandler);
    vi.spyOn(requestHandler, 'getAgentCard').mockImplementation(async () => {
      await cardGate.promise;
      return getAgentCard();
    });
    const adding = host.addAgent({ agent: 'late-card', requestHandler });
    adding.catch(() => undefined);
    await host.close({ timeoutMs: 2_000 });
    cardGate.resolve();
    const error = await adding.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(A2AMqttError.isInstance(error) && error.code).toBe('CLOSED');
    expect(host.agents()).toEqual([]);
    expect(session.listenerCount('connect')).toBe(before);
  });

  it('an agent registering while the host closes is undone: no listener left, card offline', async () => {
    const session = await sharedSession('host-c');
    const before = session.listenerCount('connect');
    const host = await createMultiAgentHost({ session, scope, topics });
    // Hold the retained online card of the agent until the host has closed.
    const publishGate = createDeferred();
    const publishStarted = createDeferred();
    const publish = session.publish.bind(session);
    vi.spyOn(session, 'publish').mockImplementationOnce(async (...args) => {
      publishStarted.resolve();
      await publishGate.promise;
      return publish(...args);
    });
    const adding = host.addAgent({ agent: 'late-register', requestHandler: handlerFor('x') });
    adding.catch(() => undefined);
    await publishStarted.promise;
    await host.close({ timeoutMs: 2_000 });
    publishGate.resolve();
    const error = await adding.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(A2AMqttError.isInstance(error) && error.code).toBe('CLOSED');
    expect(session.listenerCount('connect')).toBe(before);
    await waitFor(() => cards.get('late-register') === 'offline', WAIT);
  });

  it('a host that cannot subscribe closes the session it owns', async () => {
    // It never gets to publish anything: the sniffer must see nothing at all.
    wire.expectNoTraffic();
    const created: MqttSession[] = [];
    const connect = MqttSession.prototype.connect;
    vi.spyOn(MqttSession.prototype, 'connect').mockImplementation(function (this: MqttSession) {
      created.push(this);
      sessions.push(this);
      return connect.call(this);
    });
    vi.spyOn(MqttSession.prototype, 'subscribe').mockRejectedValueOnce(
      new A2AMqttError({ code: 'SUBSCRIBE_REJECTED', message: 'refused', reasonCode: 0x87 }),
    );
    const error = await createMultiAgentHost({
      session: { url: broker.url },
      scope,
      topics,
      hostId: 'host-owned',
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(A2AMqttError.isInstance(error) && error.code).toBe('SUBSCRIBE_REJECTED');
    expect(created).toHaveLength(1);
    expect(created[0]!.connected).toBe(false);
    await expect(created[0]!.publish('a2a/check', 'x')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
