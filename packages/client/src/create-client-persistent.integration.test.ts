/**
 * `createA2AMqttClient` on a persistent session of its own (mosquitto always; EMQX and MQTT_URL
 * when available, otherwise a skip that says why): `close()` leaves the reply subscription on
 * the broker, so a reply published after the client is gone is queued for its session
 * (PUBACK 0x00), where a non-persistent client's reply topic has no subscriber (PUBACK 0x10).
 */
import { randomUUID } from 'node:crypto';
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { type A2AMqttServer, createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';
import { describeBrokers } from '@a2a-mqtt/test-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createA2AMqttClient } from './create-client';
import { ScriptedExecutor, testCard } from './test-support/scripted-executor';

const AGENT = { org: 'acme', unit: 'persist-client', agent: 'echo-agent' };

describeBrokers('createA2AMqttClient with a persistent session', (broker, target) => {
  let server: A2AMqttServer;
  let probe: MqttSession;

  beforeAll(async () => {
    server = await createA2AMqttServer({
      session: { url: broker().url },
      agent: AGENT,
      requestHandler: createRequestHandler({
        agentCard: testCard(AGENT.agent),
        agentExecutor: new ScriptedExecutor('echo'),
      }),
    });
    probe = await connectMqttSession({ url: broker().url });
  });

  afterAll(async () => {
    await probe?.close();
    await server?.close();
  });

  /** Connects a client from the URL, makes one call, closes it; returns its reply topic. */
  async function closedClientReplyTopic(persistent: boolean): Promise<string> {
    const agent = await createA2AMqttClient({
      url: `${broker().url}/${AGENT.org}/${AGENT.unit}`,
      agent: AGENT.agent,
      sessionOptions: {
        clientId: `${AGENT.org}/${AGENT.unit}/pipeline-${randomUUID().slice(0, 8)}`,
        ...(persistent ? { session: { persistent: true, expiryIntervalSeconds: 300 } } : {}),
      },
      requesterOptions: { replySuffix: 'jobs' },
    });
    const replyTopic = agent.requester.replyTopic;
    const task = await agent.client.getTask({ tenant: '', id: randomUUID() }).catch(() => 'none');
    expect(task).toBe('none'); // a round trip over the reply topic (TaskNotFound)
    await agent.close();
    return replyTopic;
  }

  describe(`over ${target.name}`, () => {
    it('keeps the reply subscription of a persistent session after close()', async () => {
      const replyTopic = await closedClientReplyTopic(true);
      const result = await probe.publish(replyTopic, '{}', {
        qos: 1,
        properties: { correlationData: Buffer.from('after-close') },
      });
      // Queued for the offline session: there is a (persistent) subscriber.
      expect(result.noMatchingSubscribers).toBe(false);
    });

    it('removes the reply subscription of a clean session on close()', async () => {
      const replyTopic = await closedClientReplyTopic(false);
      const result = await probe.publish(replyTopic, '{}', {
        qos: 1,
        properties: { correlationData: Buffer.from('after-close') },
      });
      expect(result.noMatchingSubscribers).toBe(true);
    });
  });
});
