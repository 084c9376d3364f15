import { AgentCard } from '@a2a-js/sdk';
import { createTopics, isA2AMqttError, readMqttInterface } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { decodeAgentCard, prepareAgentCard } from './card-codec.js';
import { makeCard } from './test-support/cards.js';

const topics = createTopics();
const agent = { org: 'acme', unit: 'support', agent: 'triage' };
const broker = 'mqtt://broker.example:1883';

describe('prepareAgentCard', () => {
  it('adds the MQTT interface of the agent and keeps the other interfaces', () => {
    const card = makeCard('Triage');
    const prepared = prepareAgentCard({ card, agent, topics, broker });
    const iface = readMqttInterface(prepared.card);
    expect(iface?.requestTopic).toBe('$a2a/v1/request/acme/support/triage');
    expect(prepared.card.supportedInterfaces).toHaveLength(2);
    expect(JSON.parse(prepared.payload).name).toBe('Triage');
    expect(card.supportedInterfaces).toHaveLength(1); // caller's card untouched
  });

  it('refuses a card without MQTT interface when no broker is known', () => {
    expect(() => prepareAgentCard({ card: makeCard('Triage'), agent, topics })).toThrowError(
      /no MQTT interface entry/,
    );
  });

  it('refuses a card whose MQTT interface names another agent', () => {
    const other = prepareAgentCard({
      card: makeCard('Other'),
      agent: { ...agent, agent: 'other' },
      topics,
      broker,
    }).card;
    try {
      prepareAgentCard({ card: other, agent, topics });
      expect.unreachable();
    } catch (error) {
      expect(isA2AMqttError(error, 'INVALID_AGENT_CARD')).toBe(true);
      expect((error as Error).message).toContain('$a2a/v1/request/acme/support/other');
    }
  });

  it('says what is wrong with an invalid card', () => {
    const card = makeCard('');
    card.skills = [];
    card.version = '';
    try {
      prepareAgentCard({ card, agent, topics, broker });
      expect.unreachable();
    } catch (error) {
      expect(isA2AMqttError(error, 'INVALID_AGENT_CARD')).toBe(true);
      expect((error as Error).message).toMatch(/name/);
    }
  });
});

describe('decodeAgentCard', () => {
  const requestTopic = topics.request(agent);
  const good = Buffer.from(
    prepareAgentCard({ card: makeCard('Triage'), agent, topics, broker }).payload,
  );

  it('decodes a valid card into the SDK type', () => {
    const decoded = decodeAgentCard(good, agent, requestTopic, 10_000);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(decoded.card.skills[0]?.examples).toEqual([]);
  });

  it('rejects oversize, non-JSON, schema failures and a card naming another agent', () => {
    expect(decodeAgentCard(good, agent, requestTopic, 10)).toMatchObject({
      ok: false,
      reason: 'oversize',
    });
    expect(decodeAgentCard(Buffer.from('{nope'), agent, requestTopic, 10_000)).toMatchObject({
      ok: false,
      reason: 'not-json',
    });
    expect(decodeAgentCard(Buffer.from('{"name":1}'), agent, requestTopic, 10_000)).toMatchObject({
      ok: false,
      reason: 'schema',
    });
    const elsewhere = { ...agent, agent: 'billing' };
    expect(decodeAgentCard(good, elsewhere, topics.request(elsewhere), 10_000)).toMatchObject({
      ok: false,
      reason: 'topic-mismatch',
    });
  });

  it('compares a percent-encoded interface URL after decoding it', () => {
    const json = JSON.parse(good.toString('utf8')) as {
      supportedInterfaces: { url: string; protocolBinding: string }[];
    };
    const entry = json.supportedInterfaces.find((item) => item.url.startsWith('mqtt://'));
    if (!entry) throw new Error('fixture has no MQTT interface');
    entry.url = entry.url.replace('/triage', '/tri%61ge');
    expect(decodeAgentCard(Buffer.from(JSON.stringify(json)), agent, requestTopic, 10_000).ok).toBe(
      true,
    );
    entry.url = entry.url.replace('/tri%61ge', '/bill%69ng');
    expect(
      decodeAgentCard(Buffer.from(JSON.stringify(json)), agent, requestTopic, 10_000),
    ).toMatchObject({ ok: false, reason: 'topic-mismatch' });
  });

  it('accepts a card without MQTT interface (HTTP-only card)', () => {
    const json = JSON.stringify(AgentCard.toJSON(makeCard('Plain')));
    expect(decodeAgentCard(Buffer.from(json), agent, requestTopic, 10_000).ok).toBe(true);
  });
});
