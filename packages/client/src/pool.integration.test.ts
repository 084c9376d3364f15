/**
 * Pools and handover on every available broker target (mosquitto always; EMQX and MQTT_URL
 * when available, otherwise a skip that says why). mosquitto 2.0 never delivers shared
 * subscriptions on `$`-topics, so this suite uses the topic prefix `a2a/v1` everywhere.
 */
import { SendMessageRequest, TaskState } from '@a2a-js/sdk';
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { createTopics } from '@a2a-mqtt/protocol';
import {
  type A2AMqttServer,
  createA2AMqttServer,
  createRequestHandler,
  FastInMemoryTaskStore,
} from '@a2a-mqtt/server';
import { WIRE_RULE } from '@a2a-mqtt/test-harness';
import { describeBrokers, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttTransport } from './mqtt-transport';
import { getRequester, type MqttRequester } from './requester';
import { startRawResponder } from './test-support/raw-responder';
import { ScriptedExecutor, testCard } from './test-support/scripted-executor';

// mosquitto: no shared subscriptions on `$` topics, hence a prefix without `$`.
const topics = createTopics({ prefix: 'a2a/v1' });
const ORG = 'acme';
const UNIT = 'pool';
const MEMBERS = ['coder-1', 'coder-2', 'coder-3'];

function send(text: string, extra: Record<string, unknown> = {}) {
  return SendMessageRequest.fromJSON({
    message: {
      messageId: `m-${Math.random().toString(16).slice(2)}`,
      role: 'ROLE_USER',
      parts: [{ text }],
      ...extra,
    },
  });
}

describeBrokers('client pools and handover', (broker, target) => {
  let session: MqttSession;
  let requester: MqttRequester;
  const servers: A2AMqttServer[] = [];
  const executors = new Map<string, ScriptedExecutor>();

  beforeAll(async () => {
    for (const member of MEMBERS) {
      const executor = new ScriptedExecutor(member);
      executors.set(member, executor);
      servers.push(
        await createA2AMqttServer({
          session: { url: broker().url },
          agent: { org: ORG, unit: UNIT, agent: member },
          topics,
          pool: 'coders',
          register: false,
          requestHandler: createRequestHandler({
            agentCard: testCard(member),
            agentExecutor: executor,
            taskStore: new FastInMemoryTaskStore(),
          }),
        }),
      );
    }
    session = await connectMqttSession({ url: broker().url, clientId: `${ORG}/${UNIT}/pool-user` });
    requester = getRequester(session, { topics });
  });

  afterAll(async () => {
    await requester?.close();
    await session?.close();
    for (const server of servers.splice(0)) await server.close();
    executors.clear();
  });

  // Every message under the prefix, in every test, is checked against the profile.
  const wire = useWireCheck({ broker, prefix: topics.prefix });

  describe(`pool dispatch on ${target.name} (prefix a2a/v1)`, () => {
    it('serves 30 requests exactly once, spread over the members, and routes follow-ups to the recorded responder', async () => {
      const transport = new MqttTransport({
        requester,
        agent: { org: ORG, unit: UNIT, agent: 'coders' },
        topics,
        pool: 'coders',
      });
      expect(transport.requestTopic).toBe('a2a/v1/request/acme/pool/pool/coders');
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          transport.sendMessage(send(i === 0 ? 'ask' : `job ${i}`)),
        ),
      );
      const taskIds = results.map((result) => ('id' in result ? result.id : ''));
      expect(new Set(taskIds).size).toBe(30);

      // Each task ran exactly once, on exactly one member, and every member got work.
      const servedBy = new Map<string, string>();
      for (const [member, executor] of executors) {
        expect(executor.executions.length).toBeGreaterThan(0);
        for (const run of executor.executions) {
          expect(servedBy.has(run.taskId)).toBe(false);
          servedBy.set(run.taskId, member);
        }
      }
      expect([...servedBy.keys()].sort()).toEqual([...taskIds].sort());

      // The requester remembered each task's responder...
      for (const taskId of taskIds)
        expect(transport.responderOf(taskId)).toBe(servedBy.get(taskId));
      // ...and follow-ups reach it: each member's task store only knows its own tasks.
      const fetched = await Promise.all(taskIds.map((id) => transport.getTask({ tenant: '', id })));
      expect(fetched.map((task) => task.id)).toEqual(taskIds);

      // A continuation of the input-required task goes to the member that holds it.
      const askTask = taskIds[0]!;
      const asked = results[0]!;
      const continued = await transport.sendMessage(
        send('rust', { taskId: askTask, contextId: 'contextId' in asked ? asked.contextId : '' }),
      );
      expect('status' in continued && continued.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      const holder = executors.get(servedBy.get(askTask)!)!;
      expect(
        holder.executions.filter((run) => run.taskId === askTask).map((run) => run.text),
      ).toEqual(['ask', 'rust']);
    });

    it('rejects a pooled reply without a2a-responder-agent-id as a protocol error', async () => {
      // The raw responder's reply is the one violation, and the sniffer flags it too.
      wire.expectViolations([
        { rule: WIRE_RULE.REPLY_RESPONDER_MISSING, topic: requester.replyTopic, count: 1 },
      ]);
      const raw = await startRawResponder({
        url: broker().url,
        topic: topics.poolRequest({ org: ORG, unit: UNIT, pool: 'anonymous' }),
        handle: (request, api) => {
          void api.result({
            id: request.json.params.id,
            contextId: 'c',
            status: { state: 'TASK_STATE_WORKING' },
          });
        },
      });
      try {
        const transport = new MqttTransport({
          requester,
          agent: { org: ORG, unit: UNIT, agent: 'x' },
          topics,
          pool: 'anonymous',
        });
        await expect(transport.getTask({ tenant: '', id: 'some-task' })).rejects.toMatchObject({
          code: 'TRANSPORT_PROTOCOL_ERROR',
        });
      } finally {
        await raw.close();
      }
    });

    it('follows a handover announced on a direct reply (latest value wins)', async () => {
      const front = await startRawResponder({
        url: broker().url,
        topic: topics.request({ org: ORG, unit: UNIT, agent: 'front-desk' }),
        handle: (request, api) => {
          const message = request.json.params.message as { taskId: string; contextId: string };
          void api.result(
            {
              task: {
                id: message.taskId,
                contextId: message.contextId,
                status: { state: 'TASK_STATE_WORKING' },
              },
            },
            { 'a2a-responder-agent-id': 'back-office' },
          );
        },
      });
      const back = await startRawResponder({
        url: broker().url,
        topic: topics.request({ org: ORG, unit: UNIT, agent: 'back-office' }),
        handle: (request, api) => {
          void api.result({
            id: request.json.params.id,
            contextId: 'c',
            status: { state: 'TASK_STATE_COMPLETED' },
          });
        },
      });
      try {
        const transport = new MqttTransport({
          requester,
          agent: { org: ORG, unit: UNIT, agent: 'front-desk' },
          topics,
        });
        const started = await transport.sendMessage(send('hand me over'));
        const taskId = 'id' in started ? started.id : '';
        expect(transport.responderOf(taskId)).toBe('back-office');
        const task = await transport.getTask({ tenant: '', id: taskId });
        expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
        expect(front.requests).toHaveLength(1);
        expect(back.requests.map((request) => request.json.method)).toEqual(['GetTask']);
      } finally {
        await front.close();
        await back.close();
      }
    });

    it('follows a two-hop handover: the responder changes twice, the latest value wins', async () => {
      const agentTopic = (agent: string) => topics.request({ org: ORG, unit: UNIT, agent });
      const task = (id: string, state: string) => ({ id, contextId: 'c', status: { state } });
      // front-desk hands the task to back-office, whose first answer hands it on to archive.
      const front = await startRawResponder({
        url: broker().url,
        topic: agentTopic('front-desk-2'),
        handle: (request, api) => {
          const message = request.json.params.message as { taskId: string; contextId: string };
          void api.result(
            {
              task: {
                id: message.taskId,
                contextId: message.contextId,
                status: { state: 'TASK_STATE_WORKING' },
              },
            },
            { 'a2a-responder-agent-id': 'back-office-2' },
          );
        },
      });
      const back = await startRawResponder({
        url: broker().url,
        topic: agentTopic('back-office-2'),
        handle: (request, api) => {
          void api.result(task(String(request.json.params.id), 'TASK_STATE_WORKING'), {
            'a2a-responder-agent-id': 'archive-2',
          });
        },
      });
      const archive = await startRawResponder({
        url: broker().url,
        topic: agentTopic('archive-2'),
        handle: (request, api) => {
          const state =
            request.json.method === 'CancelTask' ? 'TASK_STATE_CANCELED' : 'TASK_STATE_WORKING';
          void api.result(task(String(request.json.params.id), state));
        },
      });
      try {
        const transport = new MqttTransport({
          requester,
          agent: { org: ORG, unit: UNIT, agent: 'front-desk-2' },
          topics,
        });
        const started = await transport.sendMessage(send('hand me over twice'));
        const taskId = 'id' in started ? started.id : '';
        expect(transport.responderOf(taskId)).toBe('back-office-2');
        await transport.getTask({ tenant: '', id: taskId });
        expect(transport.responderOf(taskId)).toBe('archive-2');
        const fetched = await transport.getTask({ tenant: '', id: taskId });
        expect(fetched.status?.state).toBe(TaskState.TASK_STATE_WORKING);
        const canceled = await transport.cancelTask({
          tenant: '',
          id: taskId,
          metadata: undefined,
        });
        expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
        // Each follow-up went to the latest responder only.
        expect(front.requests.map((request) => request.json.method)).toEqual(['SendMessage']);
        expect(back.requests.map((request) => request.json.method)).toEqual(['GetTask']);
        expect(archive.requests.map((request) => request.json.method)).toEqual([
          'GetTask',
          'CancelTask',
        ]);
        expect(transport.responderOf(taskId)).toBe('archive-2');
      } finally {
        await front.close();
        await back.close();
        await archive.close();
      }
    });
  });
});
