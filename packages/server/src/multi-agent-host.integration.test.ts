/**
 * The multi-agent host on every available broker target (mosquitto always; EMQX and MQTT_URL
 * when available, otherwise a skip that says why): one wildcard subscription serving at least
 * 50 agents.
 */
import { randomUUID } from 'node:crypto';
import { MqttSession } from '@a2a-mqtt/connection';
import { createTopics, readUserProperty } from '@a2a-mqtt/protocol';
import { type BrokerHandle, waitFor } from '@a2a-mqtt/test-harness';
import { describeBrokers, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMultiAgentHost, type MultiAgentHost } from './multi-agent-host.js';
import { createRequestHandler } from './request-handler.js';
import { RawRequester } from './test-support/raw-requester.js';
import { ScriptedExecutor, sendRequest, testCard } from './test-support/scripted-agent.js';

const topics = createTopics();
const scope = { org: 'acme', unit: 'host-lab' };
const AGENTS = 60;
const WAIT = { timeoutMs: 15_000, intervalMs: 10 };
const names = Array.from(
  { length: AGENTS },
  (_, index) => `agent-${String(index).padStart(2, '0')}`,
);

describeBrokers(
  'multi-agent host',
  (getBroker, target) => {
    let broker: BrokerHandle;
    let session: MqttSession;
    let host: MultiAgentHost;
    let requester: RawRequester;
    let watcher: mqtt.MqttClient;
    const executors = new Map<string, ScriptedExecutor>();
    const cards = new Map<string, { status: string | undefined; empty: boolean }>();
    let subscribeSpy: ReturnType<typeof vi.spyOn>;

    beforeAll(async () => {
      broker = getBroker();
      watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
      watcher.on('message', (topic, payload, packet) => {
        cards.set(topic.slice(topic.lastIndexOf('/') + 1), {
          status: readUserProperty(packet.properties?.userProperties, 'a2a-status'),
          empty: payload.length === 0,
        });
      });
      await watcher.subscribeAsync(topics.discoveryFilter(scope), { qos: 1 });

      session = new MqttSession({
        url: broker.url,
        clientId: `${scope.org}/${scope.unit}/the-host`,
      });
      subscribeSpy = vi.spyOn(session, 'subscribe');
      host = await createMultiAgentHost({ session, scope, topics });
      for (const name of names) {
        const executor = new ScriptedExecutor(name);
        executors.set(name, executor);
        await host.addAgent({
          agent: name,
          requestHandler: createRequestHandler({
            agentCard: testCard(name),
            agentExecutor: executor,
          }),
        });
      }
      requester = await RawRequester.connect({ url: broker.url, prefix: topics.prefix, ...scope });
    });

    afterAll(async () => {
      await requester?.close();
      await watcher?.endAsync(true);
      await host?.close({ timeoutMs: 2_000 });
      await session?.close();
      executors.clear();
      cards.clear();
    });

    useWireCheck({ broker: () => broker, prefix: topics.prefix });

    describe(`multi-agent host on ${target.name}`, () => {
      it(`serves ${AGENTS} agents through one wildcard subscription, each request reaching its own executor`, async () => {
        expect(subscribeSpy).toHaveBeenCalledTimes(1);
        expect(subscribeSpy.mock.calls[0]![0]).toBe('$a2a/v1/request/acme/host-lab/+');
        expect(host.agents()).toHaveLength(AGENTS);
        await waitFor(() => names.every((name) => cards.get(name)?.status === 'online'), WAIT);

        const sent = await Promise.all(
          names.map(async (name) => {
            const taskId = randomUUID();
            const correlation = await requester.publish(
              topics.request({ ...scope, agent: name }),
              sendRequest({ text: `hello ${name}`, taskId }),
            );
            return { name, taskId, correlation };
          }),
        );
        await waitFor(() => host.metrics().replied >= AGENTS, WAIT);
        // Replies are counted when the broker acknowledged them; wait until they were delivered too.
        await requester.until(() =>
          sent.every(({ correlation }) => requester.repliesFor(correlation).length > 0),
        );
        for (const { name, taskId, correlation } of sent) {
          const replies = requester.repliesFor(correlation);
          expect(replies).toHaveLength(1);
          expect(replies[0]!.body.result.task.id).toBe(taskId);
          const executor = executors.get(name)!;
          expect(executor.calls).toEqual([{ taskId, text: `hello ${name}`, agent: name }]);
        }
      });

      it('adds and removes agents at runtime, registering and unregistering their cards', async () => {
        const lateExecutor = new ScriptedExecutor('late-comer');
        await host.addAgent({
          agent: 'late-comer',
          requestHandler: createRequestHandler({
            agentCard: testCard('late-comer'),
            agentExecutor: lateExecutor,
          }),
        });
        await waitFor(() => cards.get('late-comer')?.status === 'online', WAIT);
        const taskId = randomUUID();
        const reply = await requester.call(
          topics.request({ ...scope, agent: 'late-comer' }),
          sendRequest({ text: 'work', taskId }),
        );
        expect(reply.body.result.task.id).toBe(taskId);
        expect(lateExecutor.executions.get(taskId)).toBe(1);

        expect(await host.removeAgent('agent-07')).toBe(true);
        expect(await host.removeAgent('agent-07')).toBe(false);
        await waitFor(() => cards.get('agent-07')?.empty === true, WAIT);
        const refused = await requester.call(
          topics.request({ ...scope, agent: 'agent-07' }),
          sendRequest({ text: 'work', taskId: randomUUID() }),
        );
        expect(refused.body.error).toMatchObject({
          code: -32004,
          data: { a2a_error: 'responder_unavailable' },
        });
        expect(executors.get('agent-07')!.calls).toHaveLength(1);
        await expect(
          host.addAgent({
            agent: 'agent-08',
            requestHandler: createRequestHandler({
              agentCard: testCard('x'),
              agentExecutor: new ScriptedExecutor(),
            }),
          }),
        ).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
        expect(subscribeSpy).toHaveBeenCalledTimes(1);
      });
    });
  },
  { brokerOptions: { profile: 'anonymous' } },
);
