/**
 * Sticky discovery through a pool. On mosquitto 2.0, shared subscriptions never match
 * `$`-prefixed topics, so pools run with the prefix `a2a/v1` there; the last test shows what
 * a client sees with `$a2a/v1` (a fast NO_MATCHING_SUBSCRIBERS instead of a timeout).
 */
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { clientIdFor, createTopics, isA2AMqttError, readMqttInterface } from '@a2a-mqtt/protocol';
import { recordOutgoing } from '@a2a-mqtt/test-harness';
import { useBroker, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import {
  discoverFromPool,
  type PoolDiscoveryServer,
  servePoolDiscovery,
} from './pool-discovery.js';
import { registerAgent } from './registration.js';
import { makeCard } from './test-support/cards.js';

describe('sticky discovery through a pool (mosquitto: prefix without $)', () => {
  const pool = { org: 'acme', unit: 'platform', pool: 'directory' };
  const broker = useBroker();
  const sessions: MqttSession[] = [];
  const members: PoolDiscoveryServer[] = [];
  // One sniffer per prefix; each test runs on one of them and publishes nothing on the other.
  const plainWire = useWireCheck({ broker, prefix: 'a2a/v1' });
  const dollarWire = useWireCheck({ broker, prefix: '$a2a/v1' });

  afterAll(async () => {
    await Promise.all(members.map((member) => member.close()));
    await Promise.all(sessions.map((session) => session.close()));
  });

  async function startNodes(prefix: string): Promise<void> {
    const topics = createTopics({ prefix });
    for (const name of ['node-1', 'node-2']) {
      const agent = {
        org: 'acme',
        unit: 'platform',
        agent: `${name}-${prefix.startsWith('$') ? 'd' : 'p'}`,
      };
      const session = await connectMqttSession({ url: broker().url, clientId: clientIdFor(agent) });
      sessions.push(session);
      const registration = await registerAgent({
        session,
        agent,
        card: makeCard('Platform agent'),
        topics,
      });
      members.push(await servePoolDiscovery({ session, agent, pool, card: registration, topics }));
    }
  }

  it('gets exactly one answer per request, with the answering node own request topic', async () => {
    dollarWire.expectNoTraffic();
    const topics = createTopics({ prefix: 'a2a/v1' });
    await startNodes('a2a/v1');
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
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const { card, agent } = await discoverFromPool({ session: client, pool, topics });
      expect(readMqttInterface(card)?.requestTopic).toBe(topics.request(agent));
      expect(agent.agent).toMatch(/^node-[12]-p$/);
      responders.add(agent.agent);
    }
    expect(replies).toBe(4);
    // mosquitto dispatches shared subscriptions round-robin: both nodes answered.
    expect([...responders].sort()).toEqual(['node-1-p', 'node-2-p']);
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
