/**
 * Sticky discovery through a pool. On mosquitto 2.0, shared subscriptions never match
 * `$`-prefixed topics, so pools run with the prefix `a2a/v1` there; the last test shows what
 * a client sees with `$a2a/v1` (a fast NO_MATCHING_SUBSCRIBERS instead of a timeout).
 */
import { randomUUID } from 'node:crypto';
import { connectMqttSession, type InboundMessage, type MqttSession } from '@a2a-mqtt/connection';
import {
  type AgentAddress,
  clientIdFor,
  createCorrelationData,
  createReplySuffix,
  createTopics,
  isA2AMqttError,
  readMqttInterface,
} from '@a2a-mqtt/protocol';
import { recordOutgoing } from '@a2a-mqtt/test-harness';
import { useBroker, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  discoverFromPool,
  type PoolDiscoveryServer,
  servePoolDiscovery,
} from './pool-discovery.js';
import { registerAgent } from './registration.js';
import { makeCard } from './test-support/cards.js';
import { fenceThrough } from './test-support/wait.js';

describe('sticky discovery through a pool (mosquitto: prefix without $)', () => {
  const pool = { org: 'acme', unit: 'platform', pool: 'directory' };
  const broker = useBroker();
  const sessions: MqttSession[] = [];
  const members: PoolDiscoveryServer[] = [];
  // One sniffer per prefix; each test runs on one of them and publishes nothing on the other.
  const plainWire = useWireCheck({ broker, prefix: 'a2a/v1' });
  const dollarWire = useWireCheck({ broker, prefix: '$a2a/v1' });

  // Each test starts its own nodes: the pool never holds members of an earlier test.
  afterEach(async () => {
    await Promise.all(members.splice(0).map((member) => member.close()));
    await Promise.all(sessions.splice(0).map((session) => session.close()));
  });

  /** One pool member, with what it did. */
  interface PoolNode {
    agent: AgentAddress;
    session: MqttSession;
    /** The pool requests this node answered (the card source runs once per answer). */
    answers: number;
    /** The requests that reached the node's own request topic. */
    direct: InboundMessage[];
  }

  /** Every message the broker accepted from `from` before the call has reached `node`. */
  const fence = (node: PoolNode, from: MqttSession) =>
    fenceThrough(node.session, from, `fence/${node.agent.agent}`);

  async function startNodes(prefix: string, tag = prefix.startsWith('$') ? 'd' : 'p') {
    const topics = createTopics({ prefix });
    const nodes: PoolNode[] = [];
    for (const name of ['node-1', 'node-2']) {
      const agent = { org: 'acme', unit: 'platform', agent: `${name}-${tag}` };
      const session = await connectMqttSession({ url: broker().url, clientId: clientIdFor(agent) });
      sessions.push(session);
      const registration = await registerAgent({
        session,
        agent,
        card: makeCard('Platform agent'),
        topics,
      });
      const node: PoolNode = { agent, session, answers: 0, direct: [] };
      await session.subscribe(topics.request(agent), (message) => {
        node.direct.push(message);
      });
      members.push(
        await servePoolDiscovery({
          session,
          agent,
          pool,
          topics,
          // Called synchronously by the member's handler, once per answer it sends.
          card: () => {
            node.answers += 1;
            return registration.card;
          },
        }),
      );
      nodes.push(node);
    }
    return { topics, nodes };
  }

  it('gets exactly one answer per request, with the answering node own request topic', async () => {
    dollarWire.expectNoTraffic();
    const { topics, nodes } = await startNodes('a2a/v1');
    const client = await connectMqttSession({
      url: broker().url,
      clientId: 'acme/platform/client',
    });
    sessions.push(client);
    // Count every reply that reaches the client's reply space: one per request.
    let replies = 0;
    await client.subscribe(
      topics.replyFilter({ org: 'acme', unit: 'platform', requester: 'client' }),
      () => {
        replies += 1;
      },
    );
    const responders = new Set<string>();
    const attempts = 4;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const before = nodes.map((node) => node.answers);
      const { card, agent } = await discoverFromPool({ session: client, pool, topics });
      expect(readMqttInterface(card)?.requestTopic).toBe(topics.request(agent));
      expect(agent.agent).toMatch(/^node-[12]-p$/);
      responders.add(agent.agent);
      // A duplicate delivery of this request would have reached the other node before its
      // fence marker: after both fences, each node's answer count is final for this attempt.
      for (const node of nodes) await fence(node, client);
      // Exactly one node answered this request, and it is the one the client heard from.
      expect(nodes.map((node, index) => node.answers - (before[index] ?? 0))).toEqual(
        nodes.map((node) => (node.agent.agent === agent.agent ? 1 : 0)),
      );
    }
    // Each reply was published before its node's fence back to the client.
    for (const node of nodes) await fenceThrough(client, node.session, 'fence/client');
    expect(replies).toBe(attempts);
    // mosquitto dispatches shared subscriptions round-robin: both nodes answered.
    expect([...responders].sort()).toEqual(['node-1-p', 'node-2-p']);
  });

  it("sends the client's later requests to the node that answered, never to the other", async () => {
    dollarWire.expectNoTraffic();
    const { topics, nodes } = await startNodes('a2a/v1', 's');
    const client = await connectMqttSession({
      url: broker().url,
      clientId: 'acme/platform/sticky-client',
    });
    sessions.push(client);
    const { card, agent } = await discoverFromPool({ session: client, pool, topics });
    const answering = nodes.find((node) => node.agent.agent === agent.agent);
    const other = nodes.find((node) => node.agent.agent !== agent.agent);
    if (!answering || !other) throw new Error(`unexpected responder ${agent.agent}`);
    const requestTopic = readMqttInterface(card)?.requestTopic;
    expect(requestTopic).toBe(topics.request(answering.agent));
    if (requestTopic === undefined) throw new Error('the card has no MQTT interface');

    const count = 5;
    const sent: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const correlationData = createCorrelationData();
      sent.push(correlationData.toString('hex'));
      await client.publish(
        requestTopic,
        JSON.stringify({
          jsonrpc: '2.0',
          id: index,
          method: 'GetTask',
          params: { id: randomUUID() },
        }),
        {
          qos: 1,
          properties: {
            responseTopic: topics.reply({
              org: 'acme',
              unit: 'platform',
              requester: 'sticky-client',
              suffix: createReplySuffix(),
            }),
            correlationData,
            userProperties: { 'A2A-Version': '1.0' },
          },
        },
      );
    }
    // The markers follow the requests: once both are handled, no request is still on its way.
    await fence(answering, client);
    await fence(other, client);
    expect(
      answering.direct.map((message) => message.properties.correlationData?.toString('hex')),
    ).toEqual(sent);
    expect(answering.direct.every((message) => message.topic === requestTopic)).toBe(true);
    expect(other.direct).toEqual([]);
    // The discovery request itself was answered once, by the answering node only.
    expect([answering.answers, other.answers]).toEqual([1, 0]);
  });

  it('with a $ prefix on mosquitto, fails fast with NO_MATCHING_SUBSCRIBERS', async () => {
    plainWire.expectNoTraffic();
    const topics = createTopics();
    await startNodes('$a2a/v1');
    // Both nodes' cards were seen (and checked) under `$a2a/v1`.
    for (const node of ['node-1-d', 'node-2-d']) {
      await dollarWire
        .sniffer()
        .waitForMessage(
          (message) => message.topic === topics.discovery({ ...pool, agent: node }),
          5_000,
        );
    }
    const client = await connectMqttSession({
      url: broker().url,
      clientId: 'acme/platform/client2',
    });
    sessions.push(client);
    // A sniffer on `$a2a/v1/#` would be a matching subscriber: check the client's own request
    // from its outgoing packets instead.
    const outgoing = recordOutgoing(client.client, topics.prefix);
    const error = await dollarWire
      .withoutSniffer('nobody can subscribe to a $-topic pool on mosquitto', () =>
        discoverFromPool({ session: client, pool, topics, timeoutMs: 10_000 }),
      )
      .catch((e: unknown) => e)
      .finally(() => outgoing.stop());
    expect(isA2AMqttError(error, 'NO_MATCHING_SUBSCRIBERS')).toBe(true);
    expect(outgoing.messages.map((message) => message.topic)).toEqual([topics.poolRequest(pool)]);
    expect(outgoing.violations).toEqual([]);
  });
});
