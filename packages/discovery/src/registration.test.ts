import { createTopics, isA2AMqttError } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { presenceWill } from './presence.js';
import { registerAgent } from './registration.js';
import { makeCard } from './test-support/cards.js';
import { FakeSession } from './test-support/fake-session.js';

const topics = createTopics();
const broker = 'mqtt://broker.example:1883';
const agent = { org: 'acme', unit: 'support', agent: 'triage' };

interface PublishedOptions {
  qos?: number;
  retain?: boolean;
  properties?: { contentType?: string; userProperties?: Record<string, string> };
}

describe('registerAgent (fake session)', () => {
  it('publishes every card with the content type of its Last Will (application/json)', async () => {
    const session = new FakeSession();
    const registration = await registerAgent({
      session: session.asSession(),
      agent,
      card: makeCard('Triage'),
      broker,
    });
    await registration.update(makeCard('Triage v2'));
    session.emit('connect', { sessionPresent: false });
    await registration.stop();
    await registration.unregister();
    const will = presenceWill({ agent, card: makeCard('Triage'), broker });
    const published = session.published.map((entry) => {
      const options = entry.options as PublishedOptions;
      return {
        topic: entry.topic,
        empty: entry.payload.length === 0,
        qos: options.qos,
        retain: options.retain,
        contentType: options.properties?.contentType,
        status: options.properties?.userProperties?.['a2a-status'],
        source: options.properties?.userProperties?.['a2a-status-source'],
      };
    });
    const card = { topic: topics.discovery(agent), empty: false, qos: 1, retain: true };
    const json = { contentType: will.contentType };
    expect(will.contentType).toBe('application/json');
    expect(published).toEqual([
      { ...card, ...json, status: 'online', source: 'agent' }, // registerAgent
      { ...card, ...json, status: 'online', source: 'agent' }, // update
      { ...card, ...json, status: 'online', source: 'agent' }, // republish after reconnect
      { ...card, ...json, status: 'offline', source: 'agent' }, // stop
      // unregister: the empty retained message, with no content type and no presence.
      {
        ...card,
        empty: true,
        contentType: undefined,
        status: undefined,
        source: undefined,
      },
    ]);
  });

  it('rejects update() with CLOSED after stop() or unregister(), publishing nothing', async () => {
    for (const end of ['stop', 'unregister'] as const) {
      const session = new FakeSession();
      const registration = await registerAgent({
        session: session.asSession(),
        agent,
        card: makeCard('Triage'),
        broker,
      });
      await registration[end]();
      expect(registration.active).toBe(false);
      const count = session.published.length;
      const error = await registration.update(makeCard('Triage v2')).catch((e: unknown) => e);
      expect(isA2AMqttError(error, 'CLOSED')).toBe(true);
      expect(error).toMatchObject({ retryable: false });
      expect((error as Error).message).toContain(end === 'stop' ? 'stopped' : 'unregistered');
      expect(session.published).toHaveLength(count);
      // The published card stays the last one that went out.
      expect(registration.card.name).toBe('Triage');
      // No republish after a reconnect either.
      session.emit('connect', { sessionPresent: false });
      expect(session.published).toHaveLength(count);
      expect(session.listenerCount('connect')).toBe(0);
    }
  });

  it('makes stop() idempotent and allows unregister() after it, once', async () => {
    const session = new FakeSession();
    const registration = await registerAgent({
      session: session.asSession(),
      agent,
      card: makeCard('Triage'),
      broker,
    });
    await registration.stop();
    await registration.stop();
    await registration.unregister();
    await registration.unregister();
    await registration.stop();
    const statuses = session.published.map((entry) =>
      entry.payload.length === 0
        ? 'cleared'
        : (entry.options as PublishedOptions).properties?.userProperties?.['a2a-status'],
    );
    expect(statuses).toEqual(['online', 'offline', 'cleared']);
  });

  it('rejects an invalid card on update() with INVALID_AGENT_CARD and keeps the previous one', async () => {
    const session = new FakeSession();
    const registration = await registerAgent({
      session: session.asSession(),
      agent,
      card: makeCard('Triage'),
      broker,
    });
    const error = await registration.update(makeCard('')).catch((e: unknown) => e);
    expect(isA2AMqttError(error, 'INVALID_AGENT_CARD')).toBe(true);
    expect(registration.card.name).toBe('Triage');
    expect(session.published).toHaveLength(1);
  });
});
