import { createTopics } from '@a2a-mqtt/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWireSniffer, cutClientSocket, WIRE_RULE, type WireSniffer } from './index.js';
import { useBroker } from './vitest.js';

const prefix = 'a2a/v1';
const topics = createTopics({ prefix });
const alice = { org: 'acme', unit: 'sales', agent: 'alice' };
const replyTopic = topics.reply({ org: 'acme', unit: 'sales', requester: 'bob', suffix: 's1' });

describe('wire sniffer', () => {
  const broker = useBroker();
  let sniffer: WireSniffer;
  let client: MqttClient;

  beforeAll(async () => {
    sniffer = await createWireSniffer({ broker: broker(), prefix });
    client = await mqtt.connectAsync(broker().clientOptions({ clientId: 'sniffer-test' }));
  });
  afterAll(async () => {
    await client?.endAsync();
    await sniffer?.close();
  });

  it('records a well-formed request with its properties and reports nothing', async () => {
    const correlationData = Buffer.from('0102', 'hex');
    await client.publishAsync(
      topics.request(alice),
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'r1',
        method: 'SendMessage',
        params: {
          message: {
            messageId: 'm1',
            role: 'ROLE_USER',
            parts: [{ text: 'hello' }],
            taskId: '3f1c2a4e-8b7d-4c6e-9a1f-0d2b3c4e5f60',
          },
        },
      }),
      {
        qos: 1,
        properties: {
          responseTopic: replyTopic,
          correlationData,
          userProperties: { 'A2A-Version': '1.0' },
        },
      },
    );
    const seen = await sniffer.waitForMessage((m) => m.topic === topics.request(alice), 5_000);
    expect(seen.properties.responseTopic).toBe(replyTopic);
    expect(seen.properties.correlationData).toEqual(correlationData);
    expect(seen.properties.userProperties).toEqual({ 'A2A-Version': '1.0' });
    expect(seen.qos).toBe(1);
    expect(seen.parsed?.kind).toBe('request');
    expect(sniffer.violations()).toEqual([]);
  });

  it('flags a malformed request precisely', async () => {
    await client.publishAsync(topics.request(alice), '{"jsonrpc":"2.0","method":"SendMessage"}', {
      qos: 1,
      properties: { responseTopic: replyTopic },
    });
    const seen = await sniffer.waitForMessage(
      (m) => m.index > 0 && m.topic === topics.request(alice),
      5_000,
    );
    const violations = sniffer.violations().filter((v) => v.index === seen.index);
    expect(violations.map((v) => v.rule).sort()).toEqual(
      [
        WIRE_RULE.REQUEST_CORRELATION_MISSING,
        WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        WIRE_RULE.REQUEST_MESSAGE_ID_MISSING,
        WIRE_RULE.REQUEST_VERSION_MISSING,
      ].sort(),
    );
    expect(violations.find((v) => v.rule === WIRE_RULE.REQUEST_INVALID_JSON_RPC)?.message).toMatch(
      /id is undefined/,
    );
  });

  it('sees retain as published and flags a card published without retain', async () => {
    sniffer.clear();
    await client.publishAsync(topics.discovery(alice), '{"name":"x"}', { qos: 1, retain: false });
    const seen = await sniffer.waitForMessage((m) => m.topic === topics.discovery(alice), 5_000);
    expect(seen.retain).toBe(false);
    expect(sniffer.violations().map((v) => v.rule)).toContain(WIRE_RULE.DISCOVERY_NOT_RETAINED);
  });

  it('records the Last Will fired by cutClientSocket', async () => {
    sniffer.clear();
    const willTopic = topics.discovery({ org: 'acme', unit: 'sales', agent: 'crash' });
    const victim = await mqtt.connectAsync(
      broker().clientOptions({
        clientId: 'crash',
        will: {
          topic: willTopic,
          payload: Buffer.from(''),
          qos: 1,
          retain: true,
          properties: { userProperties: { 'a2a-status': 'offline', 'a2a-status-source': 'lwt' } },
        },
      }),
    );
    victim.on('error', () => {});
    cutClientSocket(victim);
    const will = await sniffer.waitForMessage((m) => m.topic === willTopic, 5_000);
    expect(will.properties.userProperties?.['a2a-status-source']).toBe('lwt');
    victim.end(true);
  });

  it('rejects waitForMessage after its timeout', async () => {
    await expect(sniffer.waitForMessage(() => false, { timeoutMs: 50 })).rejects.toThrow(
      /within 50 ms/,
    );
  });
});

describe('wire sniffer on an ACL broker', () => {
  const broker = useBroker({ profile: 'acl' });

  it('uses the harness admin and sees $a2a topics (subscribes prefix/#, not #)', async () => {
    const sniffer = await createWireSniffer({ broker: broker(), prefix: '$a2a/v1' });
    try {
      const credentials = broker().agentCredentials!(alice);
      const agent = await mqtt.connectAsync(
        broker().clientOptions({ ...credentials, clientId: credentials.username }),
      );
      await agent.publishAsync('$a2a/v1/discovery/acme/sales/alice', '', { qos: 1, retain: true });
      await agent.endAsync();
      const seen = await sniffer.waitForMessage(
        (m) => m.topic === '$a2a/v1/discovery/acme/sales/alice',
        5_000,
      );
      expect(seen.parsed?.kind).toBe('discovery');
    } finally {
      await sniffer.close();
    }
  });
});
