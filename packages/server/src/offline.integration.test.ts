/**
 * Offline delivery on every available broker target (mosquitto always; EMQX and MQTT_URL when
 * available, otherwise a skip that says why): with a persistent session the broker queues
 * requests while the agent is down, and the agent serves them when it returns. A request whose
 * Message Expiry Interval runs out while queued is discarded by the broker and never reaches
 * the agent.
 */
import { randomUUID } from 'node:crypto';
import { createTopics } from '@a2a-mqtt/protocol';
import { type BrokerHandle, waitFor } from '@a2a-mqtt/test-harness';
import { describeBrokers, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type A2AMqttServer,
  type A2AMqttServerOptions,
  createA2AMqttServer,
} from './a2a-mqtt-server.js';
import { createRequestHandler } from './request-handler.js';
import { RawRequester } from './test-support/raw-requester.js';
import { ScriptedExecutor, sendRequest, testCard } from './test-support/scripted-agent.js';

const topics = createTopics();
const agent = { org: 'acme', unit: 'offline-lab', agent: 'sleeper' };
describeBrokers(
  'offline delivery',
  (getBroker, target) => {
    let broker: BrokerHandle;
    let requester: RawRequester;
    const servers: A2AMqttServer[] = [];

    /**
     * Whether the broker still holds a retained message on `topic`: a fresh subscriber gets it
     * before the marker it publishes itself after subscribing.
     */
    async function retainedPresent(topic: string): Promise<boolean> {
      const client = await mqtt.connectAsync(broker.url, {
        protocolVersion: 5,
        reconnectPeriod: 0,
        clientId: `expiry-probe-${randomUUID()}`,
      });
      try {
        const marker = randomUUID();
        const answer = new Promise<boolean>((resolve) => {
          client.on('message', (_topic, payload, packet) => {
            if (packet.retain) resolve(true);
            else if (payload.toString() === marker) resolve(false);
          });
        });
        await client.subscribeAsync(topic, { qos: 1 });
        await client.publishAsync(topic, marker, { qos: 1 });
        return await answer;
      } finally {
        await client.endAsync(true);
      }
    }

    function start(executor: ScriptedExecutor): Promise<A2AMqttServer> {
      const options: A2AMqttServerOptions = {
        session: { url: broker.url, session: { persistent: true, expiryIntervalSeconds: 600 } },
        agent,
        topics,
        requestHandler: createRequestHandler({
          agentCard: testCard('sleeper'),
          agentExecutor: executor,
        }),
      };
      return createA2AMqttServer(options).then((server) => {
        servers.push(server);
        return server;
      });
    }

    beforeAll(async () => {
      broker = getBroker();
      requester = await RawRequester.connect({
        url: broker.url,
        prefix: topics.prefix,
        org: agent.org,
        unit: agent.unit,
      });
    });

    afterAll(async () => {
      await requester?.close();
      for (const server of servers.splice(0)) await server.close({ timeoutMs: 1_000 });
    });

    useWireCheck({ broker: () => broker, prefix: topics.prefix });

    describe(`offline delivery with a persistent session on ${target.name}`, () => {
      it('serves the 20 requests published while the agent was down, each exactly once', async () => {
        const first = await start(new ScriptedExecutor('first-life'));
        await first.close();

        const topic = topics.request(agent);
        const sent: { taskId: string; correlation: Buffer }[] = [];
        for (let index = 0; index < 20; index += 1) {
          const taskId = randomUUID();
          const correlation = await requester.publish(
            topic,
            sendRequest({ text: `queued ${index}`, taskId }),
          );
          sent.push({ taskId, correlation: correlation! });
        }
        // Expires in the broker's queue before the agent returns: never delivered.
        const stale = await requester.publish(
          topic,
          sendRequest({ text: 'stale', taskId: randomUUID() }),
          {
            messageExpiryInterval: 1,
          },
        );
        // Wait for the broker's own clock instead of sleeping: a retained probe (outside the
        // prefix) published after the stale request, with a longer expiry (2 s, so whether the
        // broker compares with > or >= does not matter), is gone only once the stale request's
        // expiry has certainly passed too.
        const expiryProbe = `expiry-probe/${randomUUID()}`;
        await requester.client.publishAsync(expiryProbe, 'probe', {
          qos: 1,
          retain: true,
          properties: { messageExpiryInterval: 2 },
        });
        expect(await retainedPresent(expiryProbe)).toBe(true);
        await waitFor(async () => !(await retainedPresent(expiryProbe)), {
          timeoutMs: 15_000,
          intervalMs: 100,
          description: 'the broker to expire the retained probe',
        });

        const executor = new ScriptedExecutor('second-life');
        const second = await start(executor);
        await waitFor(() => second.metrics().replied >= 20, {
          timeoutMs: 15_000,
          intervalMs: 10,
          description: 'replies to the 20 queued requests',
        });
        // Counted on the broker's PUBACK; wait for delivery (same reply topic: in publish order).
        await requester.until(() =>
          sent.every(({ correlation }) => requester.repliesFor(correlation).length > 0),
        );
        for (const { taskId, correlation } of sent) {
          const replies = requester.repliesFor(correlation);
          expect(replies).toHaveLength(1);
          expect(replies[0]!.body.result.task.id).toBe(taskId);
          expect(executor.executions.get(taskId)).toBe(1);
        }
        expect(executor.calls).toHaveLength(20);
        // A probe published now is delivered after everything still queued for the agent.
        const probe = await requester.call(topic, {
          jsonrpc: '2.0',
          id: 'probe',
          method: 'GetTask',
          params: { id: sent[0]!.taskId },
        });
        expect(probe.body.result.id).toBe(sent[0]!.taskId);
        expect(second.metrics().received).toBe(21);
        expect(requester.repliesFor(stale)).toHaveLength(0);
      });
    });
  },
  { brokerOptions: { profile: 'anonymous' } },
);
