import { createTopics, isA2AMqttError } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { prepareAgentCard } from './card-codec.js';
import { createAgentResolver } from './resolver.js';
import { makeCard } from './test-support/cards.js';
import { FakeSession } from './test-support/fake-session.js';

const topics = createTopics();
const broker = 'mqtt://broker.example:1883';
const online = { 'a2a-status': 'online', 'a2a-status-source': 'agent' };

function retain(session: FakeSession, agent: string): void {
  const address = { org: 'acme', unit: 'support', agent };
  session.deliver(
    topics.discovery(address),
    prepareAgentCard({ card: makeCard(agent), agent: address, topics, broker }).payload,
    online,
  );
}

describe('createAgentResolver (fake session)', () => {
  it('rejects discoverAgent with ABORTED when the signal aborts during the wait', async () => {
    const session = new FakeSession();
    const resolver = createAgentResolver({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
    });
    const controller = new AbortController();
    // A long timeout: only the abort can end this call within the test.
    const pending = resolver
      .discoverAgent('missing', { timeoutMs: 60_000, signal: controller.signal })
      .catch((error: unknown) => error);
    await resolver.directory.start();
    const reason = new Error('user went away');
    controller.abort(reason);
    const error = await pending;
    expect(isA2AMqttError(error, 'ABORTED')).toBe(true);
    expect(error).toMatchObject({ retryable: false, cause: reason });
    expect((error as Error).message).toContain('missing');

    // The resolver stays usable, and a later card still resolves a later call.
    const later = resolver.discoverAgent('late', { timeoutMs: 60_000 });
    retain(session, 'late');
    expect((await later).id).toBe('acme/support/late');
    await resolver.close();
  });

  it('rejects at once, before subscribing, when the signal is already aborted', async () => {
    const session = new FakeSession();
    retain(session, 'known');
    const resolver = createAgentResolver({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
    });
    const error = await resolver
      .discoverAgent('known', { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(isA2AMqttError(error, 'ABORTED')).toBe(true);
    expect(session.subscriptions.size).toBe(0);
    // Without the signal, the same call answers from the retained set.
    expect((await resolver.discoverAgent('known')).status).toBe('online');
    await resolver.close();
  });

  it('aborts a call still waiting for the retained set', async () => {
    const session = new FakeSession();
    const resolver = createAgentResolver({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
      // The quiet period never ends on its own within the test: only the abort can.
      settle: { strategy: 'quiet', quietMs: 60_000, maxMs: 60_000 },
    });
    const controller = new AbortController();
    const pending = resolver
      .discoverAgent('anyone', { signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort();
    expect(isA2AMqttError(await pending, 'ABORTED')).toBe(true);
    await resolver.close();
  });

  it('rejects with AGENT_NOT_FOUND after the timeout and CLOSED once closed', async () => {
    const session = new FakeSession();
    const resolver = createAgentResolver({
      session: session.asSession(),
      scope: { org: 'acme', unit: 'support' },
      timeoutMs: 50,
    });
    const missing = await resolver.discoverAgent('nobody').catch((e: unknown) => e);
    expect(isA2AMqttError(missing, 'AGENT_NOT_FOUND')).toBe(true);
    expect(missing).toMatchObject({ details: { reference: 'nobody', timeoutMs: 50 } });
    await resolver.close();
    const closed = await resolver.discoverAgent('nobody').catch((e: unknown) => e);
    expect(isA2AMqttError(closed, 'CLOSED')).toBe(true);
  });
});
