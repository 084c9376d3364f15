/**
 * Shared-subscription pools on every available broker target (mosquitto always; EMQX and
 * MQTT_URL when available, otherwise a skip that says why). mosquitto 2.0 never delivers shared
 * subscriptions on `$`-prefixed topics, so this suite uses the prefix `a2a/v1` on every broker
 * (see broker-notes.md).
 */
import { randomUUID } from 'node:crypto';
import { createTopics } from '@a2a-mqtt/protocol';
import { type BrokerHandle, waitFor } from '@a2a-mqtt/test-harness';
import { describeBrokers, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type A2AMqttServer, createA2AMqttServer } from './a2a-mqtt-server.js';
import { createRequestHandler } from './request-handler.js';
import { RawRequester } from './test-support/raw-requester.js';
import { ScriptedExecutor, sendRequest, testCard } from './test-support/scripted-agent.js';

const topics = createTopics({ prefix: 'a2a/v1' });
const scope = { org: 'acme', unit: 'pool-lab' };
const members = ['p1', 'p2', 'p3'];

describeBrokers(
  'server pools',
  (getBroker, target) => {
    let broker: BrokerHandle;
    const servers: A2AMqttServer[] = [];
    const executors = new Map<string, ScriptedExecutor>();
    let requester: RawRequester;

    beforeAll(async () => {
      broker = getBroker();
      for (const member of members) {
        const executor = new ScriptedExecutor(member);
        executors.set(member, executor);
        servers.push(
          await createA2AMqttServer({
            session: { url: broker.url },
            agent: { ...scope, agent: member },
            topics,
            pool: 'workers',
            requestHandler: createRequestHandler({
              agentCard: testCard(member),
              agentExecutor: executor,
            }),
          }),
        );
      }
      requester = await RawRequester.connect({ url: broker.url, prefix: topics.prefix, ...scope });
    });

    afterAll(async () => {
      await requester?.close();
      await Promise.all(servers.splice(0).map((server) => server.close({ timeoutMs: 2_000 })));
      executors.clear();
    });

    useWireCheck({ broker: () => broker, prefix: topics.prefix });

    describe(`pool on ${target.name} (prefix a2a/v1)`, () => {
      it('serves 30 pooled requests exactly once each, spread over 3 members, with a2a-responder-agent-id', async () => {
        const poolTopic = topics.poolRequest({ ...scope, pool: 'workers' });
        expect(servers[0]!.poolFilter).toBe(
          '$share/a2a.acme.pool_lab.workers/a2a/v1/request/acme/pool-lab/pool/workers',
        );
        const sent: { taskId: string; correlation: Buffer }[] = [];
        for (let index = 0; index < 30; index += 1) {
          const taskId = randomUUID();
          const correlation = await requester.publish(
            poolTopic,
            sendRequest({ text: `job ${index}`, taskId, id: index }),
          );
          sent.push({ taskId, correlation: correlation! });
        }
        await waitFor(
          () => servers.reduce((sum, server) => sum + server.metrics().replied, 0) === 30,
          {
            timeoutMs: 15_000,
            intervalMs: 10,
          },
        );
        // Counted on the broker's PUBACK; wait for delivery (same reply topic: in publish order).
        await requester.until(() =>
          sent.every(({ correlation }) => requester.repliesFor(correlation).length > 0),
        );
        const servedBy = new Map<string, number>();
        for (const { taskId, correlation } of sent) {
          const replies = requester.repliesFor(correlation);
          expect(replies).toHaveLength(1);
          const reply = replies[0]!;
          const responder = reply.userProperties['a2a-responder-agent-id'];
          expect(typeof responder).toBe('string');
          expect(members).toContain(responder);
          expect(reply.body.result.task.id).toBe(taskId);
          // The responder named in the reply is the one whose executor ran the task, once.
          expect(executors.get(responder as string)!.executions.get(taskId)).toBe(1);
          const runs = [...executors.values()].reduce(
            (sum, executor) => sum + (executor.executions.get(taskId) ?? 0),
            0,
          );
          expect(runs).toBe(1);
          servedBy.set(responder as string, (servedBy.get(responder as string) ?? 0) + 1);
        }
        expect([...servedBy.keys()].sort()).toEqual(members);
        for (const count of servedBy.values()) expect(count).toBeGreaterThanOrEqual(5);
      });

      it("direct replies carry no responder id; the pooled task is reachable on the member's direct topic", async () => {
        const taskId = randomUUID();
        const pooled = await requester.call(
          topics.poolRequest({ ...scope, pool: 'workers' }),
          sendRequest({ text: 'work', taskId }),
        );
        const responder = pooled.userProperties['a2a-responder-agent-id'] as string;
        const direct = await requester.call(topics.request({ ...scope, agent: responder }), {
          jsonrpc: '2.0',
          id: 'get',
          method: 'GetTask',
          params: { id: taskId },
        });
        expect(direct.body.result.id).toBe(taskId);
        expect(direct.userProperties['a2a-responder-agent-id']).toBeUndefined();
      });
    });
  },
  { brokerOptions: { profile: 'anonymous' } },
);
