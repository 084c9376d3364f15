/**
 * Discovery under the harness `acl` broker profile: every agent authenticates as
 * `{org}/{unit}/{agent}` and may write only its own discovery topic. Runs once with the default
 * prefix `$a2a/v1` and once with a custom one (`a2a/v1`), the ACL written for each.
 */
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { type AgentAddress, clientIdFor, createTopics, isA2AMqttError } from '@a2a-mqtt/protocol';
import { DEFAULT_ACL_POLICY } from '@a2a-mqtt/test-harness';
import { useBroker, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentDirectory } from './directory.js';
import { registerAgent } from './registration.js';
import { createAgentResolver } from './resolver.js';
import { makeCard } from './test-support/cards.js';
import { createCapturingLogger } from './test-support/logger.js';
import { nextEvent } from './test-support/wait.js';

const PROBE_REFUSED = 'the settle probe could not be used';
const PROBE_TIMEOUT = 'the settle probe did not come back in time';

describe.each(['$a2a/v1', 'a2a/v1'])(
  'discovery under the acl broker profile, prefix %s',
  (prefix) => {
    const broker = useBroker({ profile: 'acl', acl: { ...DEFAULT_ACL_POLICY, prefix } });
    const topics = createTopics({ prefix });
    const alice = { org: 'acme', unit: 'sales', agent: 'alice' };
    const bob = { org: 'acme', unit: 'sales', agent: 'bob' };
    const sessions: MqttSession[] = [];
    // The sniffer connects as the ACL profile's admin (full access to the prefix).
    useWireCheck({ broker, prefix });

    afterEach(async () => {
      await Promise.all(
        sessions.splice(0).map((session) => session.close().catch(() => undefined)),
      );
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

    /** Alice and bob registered; returns alice's session. */
    async function registerBoth(): Promise<MqttSession> {
      const aliceSession = await connectAs(alice);
      await registerAgent({ session: aliceSession, agent: alice, card: makeCard('Alice'), topics });
      const bobSession = await connectAs(bob);
      await registerAgent({ session: bobSession, agent: bob, card: makeCard('Bob'), topics });
      return aliceSession;
    }

    it("refuses an agent that registers over another agent's card with NOT_AUTHORIZED", async () => {
      const aliceSession = await connectAs(alice);
      await registerAgent({ session: aliceSession, agent: alice, card: makeCard('Alice'), topics });
      const bobSession = await connectAs(bob);

      const attempt = registerAgent({
        session: bobSession,
        agent: alice,
        card: makeCard('Mallory'),
        topics,
      });
      const error = await attempt.then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(isA2AMqttError(error, 'NOT_AUTHORIZED')).toBe(true);
      expect(error).toMatchObject({ code: 'NOT_AUTHORIZED', reasonCode: 0x87 });
      expect((error as Error).message).toContain(topics.discovery(alice));

      // Bob may still register himself, read the unit's cards (the settle probe fits the ACL), and
      // alice's retained card is untouched.
      await registerAgent({ session: bobSession, agent: bob, card: makeCard('Bob'), topics });
      const logger = createCapturingLogger();
      const directory = createAgentDirectory({ session: bobSession, scope: alice, topics, logger });
      try {
        await directory.start();
        expect(directory.get(alice)).toMatchObject({
          card: { name: 'Alice' },
          status: 'online',
          statusSource: 'agent',
        });
        expect(directory.get(bob)?.card.name).toBe('Bob');
        // The default probe came back: neither fallback was taken.
        expect(logger.find('info', PROBE_REFUSED)).toEqual([]);
        expect(logger.find('warn', PROBE_TIMEOUT)).toEqual([]);
      } finally {
        await directory.close();
      }
    });

    it('falls back to a quiet period when the broker refuses the settle probe', async () => {
      const aliceSession = await registerBoth();
      const logger = createCapturingLogger();
      // Alice may not publish in globex's reply space: the probe's QoS 1 PUBACK is 0x87.
      const probeTopic = `${prefix}/reply/globex/sales/dave/probe`;
      const resolver = createAgentResolver({
        session: aliceSession,
        scope: { org: 'acme', unit: 'sales' },
        topics,
        settle: { strategy: 'probe', probeTopic, timeoutMs: 30_000, fallbackQuietMs: 50 },
        logger,
      });
      try {
        const found = await resolver.discoverAgents();
        expect(found.map((entry) => entry.card.name).sort()).toEqual(['Alice', 'Bob']);
        const refused = logger.find('info', PROBE_REFUSED);
        expect(refused).toHaveLength(1);
        const fields = refused[0]?.obj as { topic: string; err: unknown };
        expect(fields.topic.startsWith(`${probeTopic}.`)).toBe(true);
        expect(isA2AMqttError(fields.err, 'NOT_AUTHORIZED')).toBe(true);
        expect(logger.find('warn', PROBE_TIMEOUT)).toEqual([]);
        // Later calls answer from the same directory, without a second settle.
        expect((await resolver.discoverAgent('bob')).card.name).toBe('Bob');
        expect(logger.find('info', PROBE_REFUSED)).toHaveLength(1);
      } finally {
        await resolver.close();
      }
    });

    it('falls back to a quiet period when the probe subscription fails', async () => {
      const aliceSession = await registerBoth();
      const logger = createCapturingLogger();
      // mosquitto's acl_file never refuses a SUBSCRIBE (broker-notes.md): a probe topic whose
      // filter is not valid (`#` inside a level) makes the probe's subscribe fail instead.
      const probeTopic = `${prefix}/reply/acme/sales/alice/#`;
      const resolver = createAgentResolver({
        session: aliceSession,
        scope: { org: 'acme', unit: 'sales' },
        topics,
        settle: { strategy: 'probe', probeTopic, timeoutMs: 30_000, fallbackQuietMs: 50 },
        logger,
      });
      try {
        const found = await resolver.discoverAgents();
        expect(found.map((entry) => entry.card.name).sort()).toEqual(['Alice', 'Bob']);
        const refused = logger.find('info', PROBE_REFUSED);
        expect(refused).toHaveLength(1);
        const { err } = (refused[0]?.obj ?? {}) as { err?: unknown };
        expect(isA2AMqttError(err, 'INVALID_TOPIC')).toBe(true);
        expect(logger.find('warn', PROBE_TIMEOUT)).toEqual([]);
        // The session is still usable: the directory follows a later card.
        const events = resolver.directory.watch();
        await registerAgent({
          session: aliceSession,
          agent: alice,
          card: makeCard('Alice v2'),
          topics,
        });
        expect(await nextEvent(events, (event) => event.type === 'updated')).toMatchObject({
          entry: { card: { name: 'Alice v2' } },
        });
        await events.return?.();
      } finally {
        await resolver.close();
      }
    });

    it('resolves with a warning when the settle probe never comes back', async () => {
      const aliceSession = await registerBoth();
      const logger = createCapturingLogger();
      // Alice may publish in bob's reply space but not read it: the probe is accepted (PUBACK 0)
      // and never delivered back to her.
      const probeTopic = topics.reply({ ...bob, requester: bob.agent, suffix: 'probe' });
      const resolver = createAgentResolver({
        session: aliceSession,
        scope: { org: 'acme', unit: 'sales' },
        topics,
        settle: { strategy: 'probe', probeTopic, timeoutMs: 200 },
        logger,
      });
      try {
        const found = await resolver.discoverAgents();
        // The retained set was queued before the probe: it is complete anyway.
        expect(found.map((entry) => entry.card.name).sort()).toEqual(['Alice', 'Bob']);
        const warnings = logger.find('warn', PROBE_TIMEOUT);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.obj).toMatchObject({
          filter: topics.discoveryFilter({ org: 'acme', unit: 'sales' }),
          entries: 2,
        });
        expect(logger.find('info', PROBE_REFUSED)).toEqual([]);
      } finally {
        await resolver.close();
      }
    });
  },
);
