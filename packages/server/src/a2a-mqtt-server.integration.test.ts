/**
 * The single-agent server against every available broker target (default `$a2a/v1` prefix;
 * mosquitto always, EMQX and MQTT_URL when available, otherwise a skip that says why), driven by
 * a raw mqtt.js requester so the server is tested against the wire.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { connectMqttSession } from '@a2a-mqtt/connection';
import { buildMqttInterface, createTopics, readUserProperty } from '@a2a-mqtt/protocol';
import { type BrokerHandle, WIRE_RULE, type WireRule, waitFor } from '@a2a-mqtt/test-harness';
import {
  describeBrokers,
  type ExpectedViolation,
  useWireCheck,
} from '@a2a-mqtt/test-harness/vitest';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type A2AMqttServer, createA2AMqttServer } from './a2a-mqtt-server.js';
import { createRequestHandler } from './request-handler.js';
import { type CapturingLogger, capturingLogger } from './test-support/capturing-logger.js';
import { isFinalReply, type RawReply, RawRequester } from './test-support/raw-requester.js';
import { ScriptedExecutor, sendRequest, testCard } from './test-support/scripted-agent.js';

const topics = createTopics();
const agent = { org: 'acme', unit: 'lab', agent: 'main' };
const requestTopic = topics.request(agent);
const WAIT = { timeoutMs: 10_000, intervalMs: 10 };
const NO_RESPONSE_TOPIC_LOG =
  'request without a usable Response Topic dropped: it cannot be answered';

const rpc = (method: string, params: unknown, id: string | number = randomUUID()) => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
});

function stateOf(reply: RawReply): string | undefined {
  const result = reply.body.result;
  return result.statusUpdate?.status?.state ?? result.task?.status?.state;
}

interface BadCase {
  name: string;
  body?: unknown;
  options?: Parameters<RawRequester['publish']>[2];
  /** Expected JSON-RPC error code, or 'drop' (no reply, counted). */
  expect: number | 'drop' | 'ok';
  id?: string | number | null;
  /** The wire rule the malformed request breaks (the sniffer must flag exactly that). */
  wire?: WireRule;
}

describeBrokers(
  'A2A MQTT server',
  (getBroker) => {
    let broker: BrokerHandle;
    let server: A2AMqttServer;
    let executor: ScriptedExecutor;
    let requester: RawRequester;
    let logs: CapturingLogger;

    beforeAll(async () => {
      broker = getBroker();
      logs = capturingLogger();
      executor = new ScriptedExecutor('main');
      const card = testCard('main', { pushNotifications: true, extendedAgentCard: true });
      server = await createA2AMqttServer({
        session: { url: broker.url },
        agent,
        topics,
        maxRequestBytes: 64 * 1024,
        logger: logs,
        requestHandler: createRequestHandler({
          agentCard: card,
          agentExecutor: executor,
          // A full card (the wire check validates it): with the agent's MQTT interface.
          extendedAgentCardProvider: async () => ({
            ...card,
            name: 'main (extended)',
            supportedInterfaces: [buildMqttInterface({ broker: broker.url, topics, agent })],
          }),
        }),
      });
      requester = await RawRequester.connect({
        url: broker.url,
        prefix: topics.prefix,
        org: agent.org,
        unit: agent.unit,
      });
    });

    afterAll(async () => {
      await requester?.close();
      await server?.close({ timeoutMs: 2_000 });
      // describeBrokers stops the broker after this hook.
    });

    // Every message under the prefix, in every test, is checked against the profile.
    const wire = useWireCheck({ broker: getBroker, prefix: topics.prefix });

    describe('A2A methods over MQTT', () => {
      it('every A2A method reaches the handler and its reply echoes the Correlation Data', async () => {
        const taskId = randomUUID();
        const contextId = randomUUID();
        const correlation = randomBytes(16);
        await requester.publish(
          requestTopic,
          sendRequest({ id: 'send-1', text: 'work', taskId, contextId }),
          {
            correlationData: correlation,
          },
        );
        await requester.until(() => requester.repliesFor(correlation).length === 1);
        const send = requester.repliesFor(correlation)[0]!;
        expect(send.correlationData!.equals(correlation)).toBe(true);
        expect(send.body).toMatchObject({
          jsonrpc: '2.0',
          id: 'send-1',
          result: { task: { id: taskId, contextId } },
        });
        expect(send.body.result.task.status.state).toBe('TASK_STATE_COMPLETED');

        const get = await requester.call(requestTopic, rpc('GetTask', { id: taskId }, 11));
        expect(get.body).toMatchObject({ id: 11, result: { id: taskId, contextId } });

        const list = await requester.call(requestTopic, rpc('ListTasks', { contextId }, 12));
        expect(list.body.result.tasks.map((task: { id: string }) => task.id)).toEqual([taskId]);

        const cancelDone = await requester.call(
          requestTopic,
          rpc('CancelTask', { id: taskId }, 13),
        );
        expect(cancelDone.body.error.code).toBe(-32002); // TaskNotCancelable: the handler was reached

        const config = { taskId, id: 'cfg-1', url: 'http://127.0.0.1:9/hook', token: 'push-token' };
        const created = await requester.call(
          requestTopic,
          rpc('CreateTaskPushNotificationConfig', config, 14),
        );
        expect(created.body.result).toMatchObject({ taskId, id: 'cfg-1', url: config.url });
        const fetched = await requester.call(
          requestTopic,
          rpc('GetTaskPushNotificationConfig', { taskId, id: 'cfg-1' }, 15),
        );
        expect(fetched.body.result).toMatchObject({ id: 'cfg-1' });
        const listed = await requester.call(
          requestTopic,
          rpc('ListTaskPushNotificationConfigs', { taskId }, 16),
        );
        expect(listed.body.result.configs).toHaveLength(1);
        const deleted = await requester.call(
          requestTopic,
          rpc('DeleteTaskPushNotificationConfig', { taskId, id: 'cfg-1' }, 17),
        );
        expect(deleted.body).toEqual({ jsonrpc: '2.0', id: 17, result: null });

        const extended = await requester.call(requestTopic, rpc('GetExtendedAgentCard', {}, 18));
        expect(extended.body.result.name).toBe('main (extended)');

        const slowTask = randomUUID();
        const slowCorrelation = await requester.publish(
          requestTopic,
          sendRequest({ method: 'SendStreamingMessage', text: 'slow', taskId: slowTask }),
        );
        await requester.until(() => requester.repliesFor(slowCorrelation).length >= 2);
        const subscribeCorrelation = await requester.publish(
          requestTopic,
          rpc('SubscribeToTask', { id: slowTask }, 19),
        );
        await requester.until(() => requester.repliesFor(subscribeCorrelation).length >= 1);
        expect(requester.repliesFor(subscribeCorrelation)[0]!.body.result.task.id).toBe(slowTask);
        await requester.call(requestTopic, rpc('CancelTask', { id: slowTask }, 20));
        const subscribed = await requester.waitStream(subscribeCorrelation);
        expect(stateOf(subscribed.at(-1)!)).toBe('TASK_STATE_CANCELED');
        await requester.waitStream(slowCorrelation);
      });

      it('a stream yields submitted, working, artifact, completed in order, then ends', async () => {
        const taskId = randomUUID();
        const before = server.metrics().replied;
        const correlation = await requester.publish(
          requestTopic,
          sendRequest({ method: 'SendStreamingMessage', text: 'work', taskId, id: 'stream-1' }),
        );
        const items = await requester.waitStream(correlation);
        await waitFor(() => server.metrics().replied > before, WAIT);
        // A later reply on the same reply topic arrives after anything published before it.
        await requester.call(requestTopic, rpc('GetTask', { id: taskId }));
        const after = requester.repliesFor(correlation);
        expect(after).toHaveLength(4);
        expect(items.map((item) => Object.keys(item.body.result)[0])).toEqual([
          'task',
          'statusUpdate',
          'artifactUpdate',
          'statusUpdate',
        ]);
        expect(items.map(stateOf)).toEqual([
          'TASK_STATE_SUBMITTED',
          'TASK_STATE_WORKING',
          undefined,
          'TASK_STATE_COMPLETED',
        ]);
        expect(
          items.every(
            (item) => item.body.id === 'stream-1' && item.correlationData!.equals(correlation!),
          ),
        ).toBe(true);
        expect(items[2]!.body.result.artifactUpdate.artifact.parts[0].text).toBe('main: work');
      });

      it('cancels a task mid-stream: the stream ends CANCELED', async () => {
        const taskId = randomUUID();
        const correlation = await requester.publish(
          requestTopic,
          sendRequest({ method: 'SendStreamingMessage', text: 'slow', taskId }),
        );
        await requester.until(() =>
          requester.repliesFor(correlation).some((item) => stateOf(item) === 'TASK_STATE_WORKING'),
        );
        const cancel = await requester.call(requestTopic, rpc('CancelTask', { id: taskId }));
        expect(cancel.body.result.status.state).toBe('TASK_STATE_CANCELED');
        const items = await requester.waitStream(correlation);
        expect(stateOf(items.at(-1)!)).toBe('TASK_STATE_CANCELED');
        const get = await requester.call(requestTopic, rpc('GetTask', { id: taskId }));
        expect(get.body.result.status.state).toBe('TASK_STATE_CANCELED');
      });

      it('input-required ends the stream; a continuation on the same Task.id/contextId completes it', async () => {
        const taskId = randomUUID();
        const contextId = randomUUID();
        const first = await requester.stream(
          requestTopic,
          sendRequest({ method: 'SendStreamingMessage', text: 'ask', taskId, contextId }),
        );
        expect(stateOf(first.at(-1)!)).toBe('TASK_STATE_INPUT_REQUIRED');
        const second = await requester.stream(
          requestTopic,
          sendRequest({ method: 'SendStreamingMessage', text: 'ask blue', taskId, contextId }),
        );
        expect(stateOf(second.at(-1)!)).toBe('TASK_STATE_COMPLETED');
        expect(second.at(-1)!.body.result.statusUpdate).toMatchObject({ taskId, contextId });
        expect(executor.executions.get(taskId)).toBe(2);
      });

      it('a retry (same messageId, new Correlation Data) runs the executor once and answers both', async () => {
        const taskId = randomUUID();
        const request = sendRequest({ text: 'work', taskId, messageId: `retry-${taskId}` });
        const first = await requester.call(requestTopic, request);
        const second = await requester.call(requestTopic, request);
        expect(first.correlationData!.equals(second.correlationData!)).toBe(false);
        expect(first.body.result.task.id).toBe(taskId);
        expect(second.body.result.task.id).toBe(taskId);
        expect(second.body.result.task.status.state).toBe('TASK_STATE_COMPLETED');
        expect(executor.executions.get(taskId)).toBe(1);
      });
      it('a stream retry (same messageId, new Correlation Data) re-attaches to the running stream; the executor runs once', async () => {
        const taskId = randomUUID();
        const request = sendRequest({
          method: 'SendStreamingMessage',
          text: 'hold',
          taskId,
          messageId: `stream-retry-${taskId}`,
          id: 'stream-retry',
        });
        const retriesBefore = server.metrics().retries;
        const first = await requester.publish(requestTopic, request);
        // The executor is running and blocked: the task cannot finish before the retry joins.
        await waitFor(() => executor.heldCount === 1, WAIT);
        const retry = await requester.publish(requestTopic, request);
        // The SDK subscribes the re-attached stream to the task's events before it yields the
        // snapshot, so once the snapshot arrived every later event reaches the retry too.
        await requester.until(() => requester.repliesFor(retry).length >= 1);
        const snapshot = requester.repliesFor(retry)[0]!.body.result.task;
        expect(snapshot.id).toBe(taskId);
        expect(snapshot.status.state).not.toBe('TASK_STATE_COMPLETED');
        executor.releaseHeld();
        const original = await requester.waitStream(first);
        const rejoined = await requester.waitStream(retry);
        expect(stateOf(original.at(-1)!)).toBe('TASK_STATE_COMPLETED');
        expect(stateOf(rejoined.at(-1)!)).toBe('TASK_STATE_COMPLETED');
        // The retry's stream carries the events published after it joined, on its own
        // Correlation Data and with its own JSON-RPC id.
        const artifact = rejoined.find((item) => item.body.result.artifactUpdate);
        expect(artifact?.body.result.artifactUpdate.artifact.parts[0].text).toBe('main: hold');
        expect(
          rejoined.every(
            (item) => item.body.id === 'stream-retry' && item.correlationData!.equals(retry!),
          ),
        ).toBe(true);
        expect(first!.equals(retry!)).toBe(false);
        expect(executor.executions.get(taskId)).toBe(1);
        expect(server.metrics().retries - retriesBefore).toBe(1);
      });
    });

    describe('contextId', () => {
      it('a SendMessage whose contextId differs from the stored task gets -32602; the task is untouched', async () => {
        const taskId = randomUUID();
        const contextId = randomUUID();
        const mismatchesBefore = server.metrics().rejected['context-mismatch'];
        const created = await requester.call(
          requestTopic,
          sendRequest({ text: 'ask', taskId, contextId, messageId: `first-${taskId}` }),
        );
        expect(created.body.result.task).toMatchObject({
          id: taskId,
          contextId,
          status: { state: 'TASK_STATE_INPUT_REQUIRED' },
        });
        const otherContext = randomUUID();
        // A continuation (new messageId), a retry (same messageId) and a streamed continuation,
        // each on another contextId: one -32602 reply each, echoing Correlation Data and id.
        for (const [method, messageId] of [
          ['SendMessage', `second-${taskId}`],
          ['SendMessage', `first-${taskId}`],
          ['SendStreamingMessage', `third-${taskId}`],
        ] as const) {
          const correlation = randomBytes(16);
          const items = await requester.stream(
            requestTopic,
            sendRequest({
              id: `mismatch-${method}`,
              method,
              text: 'ask blue',
              taskId,
              contextId: otherContext,
              messageId,
            }),
            { correlationData: correlation },
          );
          expect(items, `${method} ${messageId}`).toHaveLength(1);
          expect(items[0]!.correlationData!.equals(correlation)).toBe(true);
          expect(items[0]!.body).toMatchObject({
            jsonrpc: '2.0',
            id: `mismatch-${method}`,
            error: { code: -32602 },
          });
          expect(items[0]!.body.error.message).toContain('contextId');
        }
        const stored = await requester.call(requestTopic, rpc('GetTask', { id: taskId }));
        expect(stored.body.result).toMatchObject({
          id: taskId,
          contextId,
          status: { state: 'TASK_STATE_INPUT_REQUIRED' },
        });
        expect(executor.executions.get(taskId)).toBe(1);
        expect(server.metrics().rejected['context-mismatch'] - mismatchesBefore).toBe(3);
      });
    });

    describe('bad input', () => {
      const taskId = randomUUID();
      const valid = (id: string | number | null = 'v') =>
        rpc('GetTask', { id: randomUUID() }, id as string);
      const cases: BadCase[] = [
        {
          name: 'invalid JSON',
          body: '{"jsonrpc":"2.0",',
          expect: -32700,
          id: null,
          wire: WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        },
        {
          name: 'empty payload',
          body: Buffer.alloc(0),
          expect: -32700,
          id: null,
          wire: WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        },
        {
          name: 'binary payload',
          body: randomBytes(64),
          expect: -32700,
          id: null,
          wire: WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        },
        {
          name: 'batch array',
          body: [valid(1)],
          expect: -32600,
          id: null,
          wire: WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        },
        {
          name: 'bare number',
          body: '42',
          expect: -32600,
          id: null,
          wire: WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        },
        {
          name: 'jsonrpc 1.0',
          body: { ...valid(5), jsonrpc: '1.0' },
          expect: -32600,
          id: 5,
          wire: WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        },
        {
          name: 'missing method',
          body: { jsonrpc: '2.0', id: 6 },
          expect: -32600,
          id: 6,
          wire: WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        },
        {
          name: 'numeric method',
          body: { jsonrpc: '2.0', id: 7, method: 9 },
          expect: -32600,
          id: 7,
          wire: WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        },
        { name: 'fractional id', body: { ...valid(), id: 1.5 }, expect: -32600, id: null },
        {
          name: 'object id',
          body: { ...valid(), id: { a: 1 } },
          expect: -32600,
          id: null,
          wire: WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        },
        {
          name: 'unknown method',
          body: rpc('tasks/get', { id: taskId }, 'u'),
          expect: -32601,
          id: 'u',
        },
        {
          name: 'params is an array',
          body: rpc('GetTask', [taskId], 'p'),
          expect: -32602,
          id: 'p',
          wire: WIRE_RULE.REQUEST_INVALID_PARAMS,
        },
        {
          name: 'SendMessage without message',
          body: rpc('SendMessage', {}, 'm'),
          expect: -32602,
          id: 'm',
          wire: WIRE_RULE.REQUEST_MESSAGE_ID_MISSING,
        },
        {
          name: 'SendMessage without Task.id',
          body: sendRequest({ text: 'work', id: 't1' }),
          expect: -32005,
          id: 't1',
          wire: WIRE_RULE.REQUEST_TASK_ID_MISSING,
        },
        {
          name: 'SendMessage with a malformed Task.id',
          body: sendRequest({ text: 'work', id: 't2', taskId: 'task-1' }),
          expect: -32005,
          id: 't2',
          wire: WIRE_RULE.REQUEST_TASK_ID_INVALID,
        },
        {
          name: 'missing Correlation Data',
          body: valid('c'),
          options: { correlationData: null },
          expect: -32005,
          id: 'c',
          wire: WIRE_RULE.REQUEST_CORRELATION_MISSING,
        },
        {
          name: 'missing Response Topic',
          body: valid(),
          options: { responseTopic: null },
          expect: 'drop',
          wire: WIRE_RULE.REQUEST_RESPONSE_TOPIC_MISSING,
        },
        {
          name: 'no A2A-Version (0.3 assumed)',
          body: valid('n'),
          options: { version: null },
          expect: -32009,
          id: 'n',
          wire: WIRE_RULE.REQUEST_VERSION_MISSING,
        },
        {
          name: 'A2A-Version 9.9',
          body: valid('n9'),
          options: { version: '9.9' },
          expect: -32009,
          id: 'n9',
        },
        {
          name: 'ubsp-v1 security profile',
          body: valid('s'),
          options: { userProperties: { 'a2a-security-profile': 'ubsp-v1' } },
          expect: -32005,
          id: 's',
        },
        {
          name: 'recipient is another agent',
          body: valid('r'),
          options: { userProperties: { 'a2a-recipient-agent-id': 'other' } },
          expect: -32005,
          id: 'r',
        },
        {
          name: 'malformed a2a-authorization',
          body: valid('a'),
          options: { userProperties: { 'a2a-authorization': 'Token x' } },
          expect: -32005,
          id: 'a',
        },
        {
          name: 'a2a-context-id differs from Message.contextId',
          body: sendRequest({
            text: 'work',
            id: 'x',
            taskId: randomUUID(),
            contextId: randomUUID(),
          }),
          options: { userProperties: { 'a2a-context-id': randomUUID() } },
          expect: -32005,
          id: 'x',
        },
        {
          name: 'payload above maxRequestBytes',
          body: { ...valid('big'), pad: 'x'.repeat(100_000) },
          expect: -32600,
          id: null,
        },
        {
          // mqtt.js sends a zero-length binary property and mosquitto forwards it: the server
          // treats it as missing. The reply echoes the empty value (the sniffer flags it too).
          name: 'zero-length Correlation Data',
          body: valid('z0'),
          options: { correlationData: Buffer.alloc(0) },
          expect: -32005,
          id: 'z0',
          wire: WIRE_RULE.REQUEST_CORRELATION_MISSING,
        },
        {
          name: 'Correlation Data with zero bytes inside ([0, 0, 255, 0]) is echoed intact',
          body: valid('z'),
          options: { correlationData: Buffer.from([0, 0, 255, 0]) },
          expect: -32001,
          id: 'z',
        },
        {
          name: 'one-byte Correlation Data',
          body: valid('o'),
          options: { correlationData: Buffer.from([0]) },
          expect: -32001,
          id: 'o',
        },
        {
          name: '8 KiB Correlation Data',
          body: valid('l'),
          options: { correlationData: randomBytes(8_192) },
          expect: -32001,
          id: 'l',
        },
        {
          name: 'null id is echoed',
          body: valid(null),
          expect: -32001,
          id: null,
          wire: WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        },
      ];

      it(`answers or drops each of ${cases.length} malformed requests as specified, and keeps serving`, async () => {
        expect(cases.length).toBeGreaterThanOrEqual(20);
        // The sniffer flags exactly the malformed requests (by rule, on the request topic) and the
        // two replies that cannot echo usable Correlation Data (to the requests that had none or
        // an empty one); every other reply the server publishes is valid.
        const provoked = new Map<WireRule, number>();
        for (const badCase of cases) {
          if (badCase.wire) provoked.set(badCase.wire, (provoked.get(badCase.wire) ?? 0) + 1);
        }
        wire.expectViolations([
          ...[...provoked].map(
            ([rule, count]): ExpectedViolation => ({ rule, topic: requestTopic, count }),
          ),
          { rule: WIRE_RULE.REPLY_CORRELATION_MISSING, topic: requester.replyTopic, count: 2 },
        ]);
        const before = server.metrics();
        const logsBefore = logs.lines.length;
        const repliesBefore = requester.replies.length;
        const sent: { badCase: BadCase; correlation: Buffer | undefined }[] = [];
        for (const badCase of cases) {
          const correlation = await requester.publish(requestTopic, badCase.body, badCase.options);
          sent.push({ badCase, correlation });
        }
        const expectedReplies = cases.filter((badCase) => badCase.expect !== 'drop').length;
        await waitFor(() => {
          const now = server.metrics();
          return (
            now.dropped['no-response-topic'] === before.dropped['no-response-topic'] + 1 &&
            now.published >= before.published + expectedReplies &&
            // The broker's PUBACK to the server can precede the delivery to the requester.
            requester.replies.length >= repliesBefore + expectedReplies
          );
        }, WAIT);
        for (const { badCase, correlation } of sent) {
          const noCorrelation =
            badCase.options?.correlationData === null ||
            badCase.options?.correlationData?.length === 0;
          const replies = noCorrelation
            ? requester.replies.filter(
                (reply) =>
                  (reply.correlationData === undefined || reply.correlationData.length === 0) &&
                  reply.body?.id === badCase.id,
              )
            : requester.repliesFor(correlation);
          if (badCase.expect === 'drop') {
            expect(replies, badCase.name).toHaveLength(0);
            continue;
          }
          expect(replies, badCase.name).toHaveLength(1);
          const reply = replies[0]!;
          if (correlation && !noCorrelation)
            expect(reply.correlationData!.equals(correlation), badCase.name).toBe(true);
          expect(reply.body.jsonrpc, badCase.name).toBe('2.0');
          expect(reply.body.id, badCase.name).toBe(badCase.id);
          expect(reply.body.error?.code, badCase.name).toBe(badCase.expect);
          if (badCase.expect === -32005) {
            expect(reply.body.error.data?.a2a_error, badCase.name).toBe('transport_protocol_error');
          }
        }
        const after = server.metrics();
        expect(after.dropped['no-response-topic'] - before.dropped['no-response-topic']).toBe(1);
        // The dropped request is logged: where it came from and its size, nothing of its body.
        const dropped = cases.find((badCase) => badCase.expect === 'drop')!;
        const logged = logs.lines
          .slice(logsBefore)
          .filter((line) => line.message === NO_RESPONSE_TOPIC_LOG);
        expect(logged).toEqual([
          {
            level: 'warn',
            fields: { topic: requestTopic, bytes: Buffer.byteLength(JSON.stringify(dropped.body)) },
            message: NO_RESPONSE_TOPIC_LOG,
          },
        ]);
        expect(after.rejected['parse-error'] - before.rejected['parse-error']).toBe(3);

        // The sniffer (a subscriber of its own, so it may lag the requester) records every one of
        // those replies.
        await waitFor(
          () =>
            wire.sniffer().messages((message) => message.topic === requester.replyTopic).length >=
            expectedReplies,
          WAIT,
        );

        const taskAfter = randomUUID();
        const ok = await requester.call(
          requestTopic,
          sendRequest({ text: 'work', taskId: taskAfter }),
        );
        expect(ok.body.result.task.status.state).toBe('TASK_STATE_COMPLETED');
      });
    });

    describe('call context', () => {
      it('passes the bearer token to authenticate only; tasks are scoped to the returned user', async () => {
        const secured = { ...agent, agent: 'secured' };
        const seenTokens: (string | undefined)[] = [];
        const securedServer = await createA2AMqttServer({
          session: { url: broker.url },
          agent: secured,
          topics,
          register: false,
          authenticate: ({ bearerToken, userProperties }) => {
            seenTokens.push(bearerToken);
            if (bearerToken === undefined || JSON.stringify(userProperties).includes(bearerToken)) {
              throw new Error('unauthenticated');
            }
            const userName = bearerToken.split('.')[0]!;
            return { isAuthenticated: true, userName };
          },
          requestHandler: createRequestHandler({
            agentCard: testCard('secured'),
            agentExecutor: new ScriptedExecutor('secured'),
          }),
        });
        try {
          const topic = topics.request(secured);
          const taskId = randomUUID();
          const alice = { userProperties: { 'a2a-authorization': 'Bearer alice.token-123' } };
          const bob = { userProperties: { 'a2a-authorization': 'Bearer bob.token-456' } };
          const created = await requester.call(topic, sendRequest({ text: 'work', taskId }), alice);
          expect(created.body.result.task.id).toBe(taskId);
          const own = await requester.call(topic, rpc('GetTask', { id: taskId }), alice);
          expect(own.body.result.id).toBe(taskId);
          const foreign = await requester.call(topic, rpc('GetTask', { id: taskId }), bob);
          expect(foreign.body.error.code).toBe(-32001);
          const anonymous = await requester.call(topic, rpc('GetTask', { id: taskId }));
          expect(anonymous.body.error).toEqual({ code: -32600, message: 'Unauthenticated.' });
          expect(seenTokens).toEqual([
            'alice.token-123',
            'alice.token-123',
            'bob.token-456',
            undefined,
          ]);
          for (const reply of [created, own, foreign, anonymous]) {
            expect(reply.raw.toString()).not.toContain('token-');
            expect(JSON.stringify(reply.userProperties)).not.toContain('token-');
          }
        } finally {
          await securedServer.close();
        }
      });

      it('answers a2a-artifact-mode=binary with JSON replies marked a2a-artifact-mode=json', async () => {
        const reply = await requester.call(
          requestTopic,
          sendRequest({ text: 'work', taskId: randomUUID() }),
          {
            userProperties: { 'a2a-artifact-mode': 'binary' },
          },
        );
        expect(reply.userProperties['a2a-artifact-mode']).toBe('json');
        expect(reply.body.result.task.status.state).toBe('TASK_STATE_COMPLETED');
      });
    });

    describe('capacity, expiry and shutdown', () => {
      it('answers -32004 when the queue is full and -32003 when a request expired while queued', async () => {
        const tinyExecutor = new ScriptedExecutor('tiny');
        const tiny = { ...agent, agent: 'tiny' };
        const tinyServer = await createA2AMqttServer({
          session: { url: broker.url },
          agent: tiny,
          topics,
          register: false,
          maxConcurrentRequests: 1,
          maxQueuedRequests: 1,
          requestHandler: createRequestHandler({
            agentCard: testCard('tiny'),
            agentExecutor: tinyExecutor,
          }),
        });
        try {
          const topic = topics.request(tiny);
          const held = await requester.publish(
            topic,
            sendRequest({ text: 'hold', taskId: randomUUID() }),
          );
          await waitFor(() => tinyExecutor.heldCount === 1, WAIT);
          const queued = await requester.publish(topic, rpc('GetTask', { id: randomUUID() }, 'q'), {
            messageExpiryInterval: 1,
          });
          await waitFor(() => tinyServer.metrics().queued === 1, WAIT);
          const overflow = await requester.call(topic, rpc('GetTask', { id: randomUUID() }, 'o'));
          expect(overflow.body.error).toMatchObject({
            code: -32004,
            data: { a2a_error: 'responder_unavailable' },
          });
          // The queued request's 1 s Message Expiry passes while it waits for the slot: rather
          // than waiting it out, the server's clock (Date.now, read when a job leaves the queue)
          // is moved past it, then the slot is freed.
          const realNow = Date.now.bind(Date);
          const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 2_000);
          try {
            tinyExecutor.releaseHeld();
            await requester.until(
              () =>
                requester.repliesFor(queued).length === 1 &&
                requester.repliesFor(held).length === 1,
            );
          } finally {
            clock.mockRestore();
          }
          expect(requester.repliesFor(queued)[0]!.body).toMatchObject({
            id: 'q',
            error: { code: -32003, data: { a2a_error: 'request_expired' } },
          });
          expect(tinyServer.metrics().rejected).toMatchObject({ overloaded: 1, expired: 1 });
        } finally {
          await tinyServer.close({ timeoutMs: 1_000 });
        }
      });

      it('answers -32003 at once to a request that arrives already expired (Message Expiry Interval 0)', async () => {
        // mosquitto never delivers such a request: it reads an expiry of 0 as "no expiry" (and
        // strips it) and drops a message that expired while queued. A broker that forwards the
        // remaining interval 0 would deliver it; that delivery is injected into the server's own
        // session here, and the reply travels over the broker.
        const expiring = { ...agent, agent: 'expiring' };
        const session = await connectMqttSession({
          url: broker.url,
          clientId: 'acme/lab/expiring',
        });
        const expiringExecutor = new ScriptedExecutor('expiring');
        let expiringServer: A2AMqttServer | undefined;
        // A requester of its own: no request the sniffer saw names its reply topic, so the reply
        // to the injected request is not taken for an uncorrelated one.
        const witness = await RawRequester.connect({
          url: broker.url,
          prefix: topics.prefix,
          org: agent.org,
          unit: agent.unit,
        });
        try {
          expiringServer = await createA2AMqttServer({
            session,
            agent: expiring,
            topics,
            register: false,
            requestHandler: createRequestHandler({
              agentCard: testCard('expiring'),
              agentExecutor: expiringExecutor,
            }),
          });
          const topic = topics.request(expiring);
          const taskId = randomUUID();
          const correlationData = randomBytes(16);
          const payload = Buffer.from(
            JSON.stringify(sendRequest({ id: 'expired', text: 'work', taskId })),
          );
          session.client.emit('message', topic, payload, {
            cmd: 'publish',
            topic,
            payload,
            qos: 1,
            dup: false,
            retain: false,
            properties: {
              responseTopic: witness.replyTopic,
              correlationData,
              userProperties: { 'A2A-Version': '1.0' },
              messageExpiryInterval: 0,
            },
          });
          await witness.until(() => witness.repliesFor(correlationData).length === 1);
          expect(witness.repliesFor(correlationData)[0]!.body).toEqual({
            jsonrpc: '2.0',
            id: 'expired',
            error: expect.objectContaining({
              code: -32003,
              data: expect.objectContaining({ a2a_error: 'request_expired' }),
            }),
          });
          expect(expiringServer.metrics().rejected.expired).toBe(1);
          expect(expiringExecutor.executions.get(taskId)).toBeUndefined();
        } finally {
          await witness.close();
          await expiringServer?.close();
          await session.close();
        }
      });

      it('graceful shutdown lets in-flight work finish, refuses new work, publishes the offline card', async () => {
        const closingExecutor = new ScriptedExecutor('closing');
        const closing = { ...agent, agent: 'closing' };
        const closingServer = await createA2AMqttServer({
          session: { url: broker.url },
          agent: closing,
          topics,
          // Keep the subscription while draining, so a late request is answered -32004 (not lost).
          keepSubscriptions: true,
          requestHandler: createRequestHandler({
            agentCard: testCard('closing'),
            agentExecutor: closingExecutor,
          }),
        });
        const watcher = await mqtt.connectAsync(broker.url, {
          protocolVersion: 5,
          reconnectPeriod: 0,
        });
        try {
          const cards: { status: string | undefined; empty: boolean }[] = [];
          watcher.on('message', (_topic, payload, packet) => {
            cards.push({
              status: readUserProperty(packet.properties?.userProperties, 'a2a-status'),
              empty: payload.length === 0,
            });
          });
          await watcher.subscribeAsync(topics.discovery(closing), { qos: 1 });
          await waitFor(() => cards.some((card) => card.status === 'online'), WAIT);

          const topic = topics.request(closing);
          const inFlight = await requester.publish(
            topic,
            sendRequest({ method: 'SendStreamingMessage', text: 'hold', taskId: randomUUID() }),
          );
          await waitFor(() => closingExecutor.heldCount === 1, WAIT);
          const closed = closingServer.close({ timeoutMs: 5_000 });
          const late = await requester.call(topic, rpc('GetTask', { id: randomUUID() }, 'late'));
          expect(late.body.error.code).toBe(-32004);
          closingExecutor.releaseHeld();
          await closed;
          const items = await requester.waitStream(inFlight);
          expect(stateOf(items.at(-1)!)).toBe('TASK_STATE_COMPLETED');
          await waitFor(() => cards.at(-1)?.status === 'offline', WAIT);
          expect(closingServer.metrics().inFlight).toBe(0);
        } finally {
          await watcher.endAsync(true);
          await closingServer.close();
        }
      });

      it('close() past the shutdownTimeoutMs deadline abandons in-flight work, logs it, and still goes offline', async () => {
        const stuckExecutor = new ScriptedExecutor('stuck');
        const stuck = { ...agent, agent: 'stuck' };
        const stuckLogs = capturingLogger();
        const stuckServer = await createA2AMqttServer({
          session: { url: broker.url },
          agent: stuck,
          topics,
          // The deadline path: the held request outlives it for certain (it waits for the test).
          shutdownTimeoutMs: 200,
          logger: stuckLogs,
          requestHandler: createRequestHandler({
            agentCard: testCard('stuck'),
            agentExecutor: stuckExecutor,
          }),
        });
        const watcher = await mqtt.connectAsync(broker.url, {
          protocolVersion: 5,
          reconnectPeriod: 0,
        });
        try {
          const cards: (string | undefined)[] = [];
          watcher.on('message', (_topic, _payload, packet) => {
            cards.push(readUserProperty(packet.properties?.userProperties, 'a2a-status'));
          });
          await watcher.subscribeAsync(topics.discovery(stuck), { qos: 1 });
          await waitFor(() => cards.includes('online'), WAIT);

          const inFlight = await requester.publish(
            topics.request(stuck),
            sendRequest({ method: 'SendStreamingMessage', text: 'hold', taskId: randomUUID() }),
          );
          await waitFor(() => stuckExecutor.heldCount === 1, WAIT);
          await stuckServer.close();

          // close() returned although the request is still running: it was abandoned.
          expect(stuckExecutor.heldCount).toBe(1);
          expect(stuckServer.metrics()).toMatchObject({ inFlight: 1, dropped: { shutdown: 1 } });
          expect(
            stuckLogs.find('shutdown deadline reached with requests still running', 'warn'),
          ).toEqual([
            {
              level: 'warn',
              fields: { abandoned: 1 },
              message: 'shutdown deadline reached with requests still running',
            },
          ]);
          expect(stuckLogs.find('A2A MQTT server closed', 'info')).toHaveLength(1);
          await waitFor(() => cards.at(-1) === 'offline', WAIT);
          expect(stuckServer.session.connected).toBe(false);
          expect(requester.repliesFor(inFlight).some((reply) => isFinalReply(reply.body))).toBe(
            false,
          );

          // The abandoned run may still finish: its replies fail on the closed session, counted
          // and logged, and nothing throws.
          stuckExecutor.releaseHeld();
          await waitFor(() => stuckServer.metrics().inFlight === 0, WAIT);
          expect(stuckServer.metrics().dropped['publish-failed']).toBeGreaterThan(0);
        } finally {
          stuckExecutor.releaseHeld();
          await watcher.endAsync(true);
          await stuckServer.close();
        }
      });
    });
  },
  { brokerOptions: { profile: 'anonymous' } },
);
