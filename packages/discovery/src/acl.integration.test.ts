/**
 * Discovery under the harness `acl` broker profile: every agent authenticates as
 * `{org}/{unit}/{agent}` and may write only its own discovery topic.
 */
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { type AgentAddress, clientIdFor, createTopics, isA2AMqttError } from '@a2a-mqtt/protocol';
import { useBroker, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentDirectory } from './directory.js';
import { registerAgent } from './registration.js';
import { makeCard } from './test-support/cards.js';

describe('discovery under the acl broker profile', () => {
  const broker = useBroker({ profile: 'acl' });
  const topics = createTopics();
  const alice = { org: 'acme', unit: 'sales', agent: 'alice' };
  const bob = { org: 'acme', unit: 'sales', agent: 'bob' };
  const sessions: MqttSession[] = [];
  // The sniffer connects as the ACL profile's admin (full access to the prefix).
  useWireCheck({ broker, prefix: topics.prefix });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.close().catch(() => undefined)));
  });

  async function connectAs(agent: AgentAddress): Promise<MqttSession> {
    const handle = broker();
    if (!handle.agentCredentials) throw new Error('the acl profile has no agent credentials');
    const { username, password } = handle.agentCredentials(agent);
    const session = await connectMqttSession({
      url: handle.url,
      clientId: clientIdFor(agent),
      username,
      password,
    });
    sessions.push(session);
    return session;
  }

  it("refuses an agent that registers over another agent's card with NOT_AUTHORIZED", async () => {
    const aliceSession = await connectAs(alice);
    await registerAgent({ session: aliceSession, agent: alice, card: makeCard('Alice') });
    const bobSession = await connectAs(bob);

    const attempt = registerAgent({ session: bobSession, agent: alice, card: makeCard('Mallory') });
    const error = await attempt.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(isA2AMqttError(error, 'NOT_AUTHORIZED')).toBe(true);
    expect(error).toMatchObject({ code: 'NOT_AUTHORIZED', reasonCode: 0x87 });
    expect((error as Error).message).toContain(topics.discovery(alice));

    // Bob may still register himself, read the unit's cards (the settle probe fits the ACL), and
    // alice's retained card is untouched.
    await registerAgent({ session: bobSession, agent: bob, card: makeCard('Bob') });
    const directory = createAgentDirectory({ session: bobSession, scope: alice });
    try {
      await directory.start();
      expect(directory.get(alice)).toMatchObject({
        card: { name: 'Alice' },
        status: 'online',
        statusSource: 'agent',
      });
      expect(directory.get(bob)?.card.name).toBe('Bob');
    } finally {
      await directory.close();
    }
  });
});
