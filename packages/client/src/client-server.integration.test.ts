/**
 * The client against the real server (@a2a-mqtt/server around a DefaultRequestHandler) on every
 * available broker target (mosquitto always; EMQX and MQTT_URL when available, otherwise a skip
 * that says why): every Transport method, streams, cancel, multi-turn, listTasks, push
 * configs, the extended card, discovery by name, and one reply subscription for everything.
 */
import { SendMessageRequest, type StreamResponse, TaskState } from '@a2a-js/sdk';
import { type Client, ClientFactory, ClientFactoryOptions } from '@a2a-js/sdk/client';
import { TaskNotCancelableError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import { connectMqttSession } from '@a2a-mqtt/connection';
import { createTaskId, isUuidV4 } from '@a2a-mqtt/protocol';
import {
  type A2AMqttServer,
  createA2AMqttServer,
  createRequestHandler,
  FastInMemoryTaskStore,
} from '@a2a-mqtt/server';
import { waitFor } from '@a2a-mqtt/test-harness';
import { describeBrokers, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type A2AMqttClient, createA2AMqttClient } from './create-client';
import { MqttTransport } from './mqtt-transport';
import { MqttTransportFactory } from './mqtt-transport-factory';
import { getRequester } from './requester';
import { ScriptedExecutor, testCard } from './test-support/scripted-executor';

const AGENT = { org: 'acme', unit: 'eng', agent: 'code-generator-agent' };

function send(text: string, extra: Record<string, unknown> = {}, configuration?: object) {
  return SendMessageRequest.fromJSON({
    message: {
      messageId: `m-${Math.random().toString(16).slice(2)}`,
      role: 'ROLE_USER',
      parts: [{ text }],
      ...extra,
    },
    ...(configuration ? { configuration } : {}),
  });
}

async function drain(stream: AsyncGenerator<StreamResponse, void, undefined>) {
  const items: StreamResponse[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

function stateOf(item: StreamResponse): TaskState | undefined {
  const payload = item.payload;
  if (payload?.$case === 'statusUpdate') return payload.value.status?.state;
  if (payload?.$case === 'task') return payload.value.status?.state;
  return undefined;
}

describeBrokers('client <-> server', (broker, target) => {
  let server: A2AMqttServer;
  let executor: ScriptedExecutor;
  let agent: A2AMqttClient;
  let client: Client;

  beforeAll(async () => {
    executor = new ScriptedExecutor('coder');
    const card = testCard('code-generator-agent');
    server = await createA2AMqttServer({
      session: { url: broker().url },
      agent: AGENT,
      requestHandler: createRequestHandler({
        agentCard: card,
        agentExecutor: executor,
        taskStore: new FastInMemoryTaskStore(),
        // A function provider answers unauthenticated callers too. A full card (the wire check
        // validates it): with the interfaces of the registered card.
        extendedAgentCardProvider: async () => ({
          ...card,
          description: 'extended card',
          supportedInterfaces: server.registration?.card.supportedInterfaces ?? [],
        }),
      }),
    });
    // From an agent name to a client in one call (discovery of the retained card).
    agent = await createA2AMqttClient({
      url: broker().url,
      agent: 'code-generator-agent',
      scope: { org: 'acme', unit: 'eng' },
    });
    client = agent.client;
  });

  afterAll(async () => {
    await agent?.close();
    await server?.close();
  });

  // Every message under the prefix, in every test, is checked against the profile.
  const wire = useWireCheck({ broker, prefix: '$a2a/v1' });

  /** What the server published on the reply topic for the `nth` request carrying `messageId`. */
  async function publishedFor(messageId: string, nth: number): Promise<string[]> {
    const sniffer = wire.sniffer();
    await sniffer.fence();
    const requests = sniffer.messages(
      (message) =>
        message.parsed?.kind === 'request' &&
        (message.json as { params?: { message?: { messageId?: string } } } | undefined)?.params
          ?.message?.messageId === messageId,
    );
    const correlation = requests[nth]?.properties.correlationData;
    if (!correlation) throw new Error(`no request #${nth} with messageId ${messageId}`);
    return sniffer
      .messages(
        (message) =>
          message.topic === agent.requester.replyTopic &&
          message.properties.correlationData?.equals(correlation) === true,
      )
      .map((message) => Object.keys((message.json as { result: object }).result)[0] as string);
  }

  describe(`client <-> server over ${target.name}`, () => {
    it('resolves the agent by name and streams submitted, working, artifact, completed', async () => {
      expect(client.transport).toBeInstanceOf(MqttTransport);
      expect(agent.entry.address).toEqual(AGENT);
      const items = await drain(client.sendMessageStream(send('stream please')));
      expect(items.map((item) => item.payload?.$case)).toEqual([
        'task',
        'statusUpdate',
        'artifactUpdate',
        'statusUpdate',
      ]);
      expect(items.map(stateOf)).toEqual([
        TaskState.TASK_STATE_SUBMITTED,
        TaskState.TASK_STATE_WORKING,
        undefined,
        TaskState.TASK_STATE_COMPLETED,
      ]);
      const first = items[0]!.payload;
      if (first?.$case !== 'task') throw new Error('expected a task first');
      // Requester-generated ids.
      expect(isUuidV4(first.value.id)).toBe(true);
      expect(isUuidV4(first.value.contextId)).toBe(true);
      const artifact = items[2]!.payload;
      expect(
        artifact?.$case === 'artifactUpdate' && artifact.value.artifact?.parts[0]?.content,
      ).toEqual({
        $case: 'text',
        value: 'coder: stream please',
      });
    });

    it('sendMessage returns the completed task, getTask reads it back', async () => {
      const result = await client.sendMessage(send('hello'));
      if (!('status' in result)) throw new Error('expected a task');
      expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      const task = await client.getTask({ tenant: '', id: result.id, historyLength: undefined });
      expect(task).toMatchObject({ id: result.id, contextId: result.contextId });
      expect(task.artifacts[0]?.parts[0]?.content).toEqual({
        $case: 'text',
        value: 'coder: hello',
      });
    });

    it('cancels a task mid-stream; the stream ends with CANCELED', async () => {
      const stream = client.sendMessageStream(send('wait'));
      const seen: StreamResponse[] = [];
      let taskId = '';
      for await (const item of stream) {
        seen.push(item);
        if (item.payload?.$case === 'task') taskId = item.payload.value.id;
        if (stateOf(item) === TaskState.TASK_STATE_WORKING) {
          const canceled = await client.cancelTask({ tenant: '', id: taskId, metadata: undefined });
          expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
        }
      }
      expect(stateOf(seen[seen.length - 1]!)).toBe(TaskState.TASK_STATE_CANCELED);
      const done = await client.sendMessage(send('finished'));
      await expect(
        client.cancelTask({ tenant: '', id: 'id' in done ? done.id : '', metadata: undefined }),
      ).rejects.toBeInstanceOf(TaskNotCancelableError);
    });

    it('continues an input-required task on the same Task.id and contextId', async () => {
      const items = await drain(client.sendMessageStream(send('ask')));
      const last = items[items.length - 1]!;
      expect(stateOf(last)).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
      const first = items[0]!.payload;
      if (first?.$case !== 'task') throw new Error('expected a task first');
      const { id: taskId, contextId } = first.value;
      const result = await client.sendMessage(send('python', { taskId, contextId }));
      expect(result).toMatchObject({ id: taskId, contextId });
      if (!('status' in result)) throw new Error('expected a task');
      expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      const runs = executor.executions.filter((run) => run.taskId === taskId);
      expect(runs.map((run) => [run.text, run.contextId])).toEqual([
        ['ask', contextId],
        ['python', contextId],
      ]);
    });

    it('a stream retry of a finished task: the client sees exactly what the server publishes', async () => {
      // The same message again (same Task.id and messageId, new Correlation Data) is a retry:
      // the server answers the finished task's snapshot, then its final status, which is what
      // ends the stream (the profile ends a stream on a status update, not on a snapshot).
      const taskId = createTaskId();
      const request = send('stream please', {
        taskId,
        contextId: crypto.randomUUID(),
        messageId: `retry-${taskId}`,
      });
      const first = await drain(client.sendMessageStream(request));
      expect(stateOf(first.at(-1)!)).toBe(TaskState.TASK_STATE_COMPLETED);
      const before = agent.requester.stats;
      const retried = await drain(client.sendMessageStream(request));
      expect(retried.map((item) => item.payload?.$case)).toEqual(['task', 'statusUpdate']);
      expect(retried.map(stateOf)).toEqual([
        TaskState.TASK_STATE_COMPLETED,
        TaskState.TASK_STATE_COMPLETED,
      ]);
      expect(await publishedFor(`retry-${taskId}`, 1)).toEqual(['task', 'statusUpdate']);
      const after = agent.requester.stats;
      expect(after.unknownCorrelation).toBe(before.unknownCorrelation);
      expect(after.duplicates).toBe(before.duplicates);
      expect(after.inFlight).toBe(0);
      expect(executor.executions.filter((run) => run.taskId === taskId)).toHaveLength(1);
    });

    it('a streamed continuation starts with the interrupted snapshot and runs to COMPLETED', async () => {
      const asked = await drain(client.sendMessageStream(send('ask')));
      expect(stateOf(asked.at(-1)!)).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
      const first = asked[0]!.payload;
      if (first?.$case !== 'task') throw new Error('expected a task first');
      const { id: taskId, contextId } = first.value;
      const before = agent.requester.stats.unknownCorrelation;
      const messageId = `continue-${taskId}`;
      const continued = await drain(
        client.sendMessageStream(send('rust', { taskId, contextId, messageId })),
      );
      expect(continued.map((item) => item.payload?.$case)).toEqual([
        'task',
        'statusUpdate',
        'artifactUpdate',
        'statusUpdate',
      ]);
      expect(stateOf(continued[0]!)).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
      expect(stateOf(continued.at(-1)!)).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(await publishedFor(messageId, 0)).toEqual(
        continued.map((item) => item.payload?.$case),
      );
      expect(agent.requester.stats.unknownCorrelation).toBe(before);
    });

    it('resubscribing to an input-required task gets its snapshot and status, then ends', async () => {
      const asked = await drain(client.sendMessageStream(send('ask')));
      const first = asked[0]!.payload;
      if (first?.$case !== 'task') throw new Error('expected a task first');
      const before = agent.requester.stats;
      const items = await drain(client.resubscribeTask({ tenant: '', id: first.value.id }));
      expect(items.map((item) => item.payload?.$case)).toEqual(['task', 'statusUpdate']);
      expect(items.map(stateOf)).toEqual([
        TaskState.TASK_STATE_INPUT_REQUIRED,
        TaskState.TASK_STATE_INPUT_REQUIRED,
      ]);
      // Ended by the status update, not by a GetTask recovery after an idle stall.
      expect(agent.requester.stats).toMatchObject({
        stallRecoveries: before.stallRecoveries,
        unknownCorrelation: before.unknownCorrelation,
        inFlight: 0,
      });
    });

    it('resubscribes to a running task and follows it to COMPLETED', async () => {
      // The executor blocks until the test opens its gate: the task is certainly still running
      // when the resubscription attaches, without any sleep.
      const gate = `resubscribe-${crypto.randomUUID()}`;
      try {
        const started = await client.sendMessage(
          send(`gate:${gate}`, {}, { returnImmediately: true }),
        );
        if (!('status' in started)) throw new Error('expected a task');
        const items: StreamResponse[] = [];
        const resubscribed = (async () => {
          for await (const item of client.resubscribeTask({ tenant: '', id: started.id })) {
            items.push(item);
          }
        })();
        // The SDK subscribes to the task's events before it yields the snapshot: once the
        // snapshot arrived, every later event of the task reaches this stream.
        await waitFor(() => items.length > 0, { timeoutMs: 10_000, description: 'snapshot' });
        expect(items[0]!.payload?.$case).toBe('task');
        expect(stateOf(items[0]!)).not.toBe(TaskState.TASK_STATE_COMPLETED);
        executor.open(gate);
        await resubscribed;
        expect(stateOf(items[items.length - 1]!)).toBe(TaskState.TASK_STATE_COMPLETED);
        expect(executor.executions.filter((run) => run.taskId === started.id)).toHaveLength(1);
      } finally {
        executor.open(gate);
      }
    });

    it('lists tasks filtered by context and state', async () => {
      const contextId = crypto.randomUUID();
      await client.sendMessage(send('one', { contextId }));
      await client.sendMessage(send('two', { contextId }));
      await client.sendMessage(send('ask', { contextId }));
      await client.sendMessage(send('elsewhere'));
      const all = await client.listTasks({
        tenant: '',
        contextId,
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageToken: '',
        statusTimestampAfter: undefined,
      });
      expect(all.tasks).toHaveLength(3);
      expect(all.tasks.every((task) => task.contextId === contextId)).toBe(true);
      const waiting = await client.listTasks({
        tenant: '',
        contextId,
        status: TaskState.TASK_STATE_INPUT_REQUIRED,
        pageToken: '',
        statusTimestampAfter: undefined,
      });
      expect(waiting.tasks).toHaveLength(1);
    });

    it('creates, gets, lists and deletes push-notification configs', async () => {
      const task = await client.sendMessage(send('push target'));
      if (!('status' in task)) throw new Error('expected a task');
      const created = await client.createTaskPushNotificationConfig({
        tenant: '',
        id: 'hook-1',
        taskId: task.id,
        url: 'https://hooks.example.com/a2a',
        token: 'tok',
        authentication: undefined,
      });
      expect(created).toMatchObject({
        id: 'hook-1',
        taskId: task.id,
        url: 'https://hooks.example.com/a2a',
      });
      const fetched = await client.getTaskPushNotificationConfig({
        tenant: '',
        taskId: task.id,
        id: 'hook-1',
      });
      expect(fetched.url).toBe('https://hooks.example.com/a2a');
      const listed = await client.listTaskPushNotificationConfig({
        tenant: '',
        taskId: task.id,
        pageSize: 0,
        pageToken: '',
      });
      expect(listed.configs.map((config) => config.id)).toEqual(['hook-1']);
      await client.deleteTaskPushNotificationConfig({ tenant: '', taskId: task.id, id: 'hook-1' });
      const after = await client.listTaskPushNotificationConfig({
        tenant: '',
        taskId: task.id,
        pageSize: 0,
        pageToken: '',
      });
      expect(after.configs).toEqual([]);
    });

    it('fetches the extended agent card', async () => {
      expect(agent.card.capabilities).toMatchObject({ extendedAgentCard: true });
      const card = await client.getAgentCard();
      expect(card.description).toBe('extended card');
    });

    it('maps JSON-RPC errors to @a2a-js/sdk classes', async () => {
      await expect(
        client.getTask({ tenant: '', id: createTaskId(), historyLength: undefined }),
      ).rejects.toBeInstanceOf(TaskNotFoundError);
    });

    it('serves every request over one reply subscription, without (un)subscribing per request', async () => {
      const packets: string[] = [];
      const onPacket = (packet: { cmd: string }) => {
        if (packet.cmd === 'subscribe' || packet.cmd === 'unsubscribe') packets.push(packet.cmd);
      };
      agent.session.client.on('packetsend', onPacket);
      try {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => client.sendMessage(send(`parallel ${i}`))),
        );
        expect(results).toHaveLength(20);
        await drain(client.sendMessageStream(send('stream again')));
      } finally {
        agent.session.client.off('packetsend', onPacket);
      }
      expect(packets).toEqual([]);
      expect(agent.requester.stats).toMatchObject({ inFlight: 0, unknownCorrelation: 0 });
    });

    it('shares the session requester between clients made from one session; close() leaves it open', async () => {
      const session = await connectMqttSession({
        url: broker().url,
        clientId: 'acme/eng/shared-ui',
      });
      try {
        const scope = { org: 'acme', unit: 'eng' };
        const first = await createA2AMqttClient({ session, agent: 'code-generator-agent', scope });
        const second = await createA2AMqttClient({
          session,
          agent: 'Code-Generator-Agent'.toLowerCase(),
          scope,
        });
        expect(second.requester).toBe(first.requester);
        expect(first.requester.replyTopic.startsWith('$a2a/v1/reply/acme/eng/shared-ui/')).toBe(
          true,
        );
        await first.close();
        expect(session.connected).toBe(true);
        const result = await second.client.sendMessage(send('still served'));
        expect('id' in result && result.id).toBeTruthy();
        await second.close();
      } finally {
        await getRequester(session).close();
        await session.close();
      }
    });

    it('ClientFactory with transports: [new MqttTransportFactory(...)] and no other configuration reaches the agent', async () => {
      // No preferredTransports: the discovered card lists only its MQTT interface, so the
      // default factories (JSON-RPC, REST) find nothing to serve and MQTT is chosen.
      const factory = new ClientFactory(
        ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
          transports: [new MqttTransportFactory({ session: agent.session })],
        }),
      );
      const viaFactory = await factory.createFromAgentCard(agent.card);
      expect(viaFactory.transport).toBeInstanceOf(MqttTransport);
      expect((viaFactory.transport as MqttTransport).requestTopic).toBe(
        '$a2a/v1/request/acme/eng/code-generator-agent',
      );
      const result = await viaFactory.sendMessage(send('through the factory'));
      if (!('status' in result)) throw new Error('expected a task');
      expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      const items = await drain(viaFactory.sendMessageStream(send('stream through the factory')));
      expect(stateOf(items.at(-1)!)).toBe(TaskState.TASK_STATE_COMPLETED);
    });

    it('rejects an unknown agent with AGENT_NOT_FOUND', async () => {
      await expect(
        createA2AMqttClient({
          url: broker().url,
          agent: 'no-such-agent',
          scope: { org: 'acme', unit: 'eng' },
          discoveryTimeoutMs: 300,
        }),
      ).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    });
  });
});
