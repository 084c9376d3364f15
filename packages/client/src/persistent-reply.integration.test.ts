/**
 * Persistent reply topics on every available broker target (mosquitto always; EMQX and MQTT_URL
 * when available, otherwise a skip that says why): a requester on a persistent session with a
 * fixed reply suffix starts a stream and goes away without unsubscribing; the task streams on
 * while it is away (the broker queues the items in its session); a new requester on a new session
 * with the same client id and suffix gets every queued item through `onUnmatchedReply`, once.
 * Nothing here sleeps: the executor waits on a gate, the test waits on the wire sniffer.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageRequest, StreamResponse, TaskState } from '@a2a-js/sdk';
import { connectMqttSession, MqttSession, type MqttSessionOptions } from '@a2a-mqtt/connection';
import { createTopics } from '@a2a-mqtt/protocol';
import {
  type A2AMqttServer,
  createA2AMqttServer,
  createRequestHandler,
  FastInMemoryTaskStore,
} from '@a2a-mqtt/server';
import { type SniffedMessage, waitFor } from '@a2a-mqtt/test-harness';
import { describeBrokers, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttTransport } from './mqtt-transport';
import { getRequester } from './requester';
import { ScriptedExecutor, testCard } from './test-support/scripted-executor';
import type { UnmatchedReply } from './unmatched-reply';

const topics = createTopics();
const AGENT = { org: 'acme', unit: 'persist', agent: 'diagnosis-agent' };
const REPLY_SUFFIX = 'jobs';
const WAIT = { timeoutMs: 10_000 };

function send(text: string) {
  return SendMessageRequest.fromJSON({
    message: { messageId: `m-${randomUUID()}`, role: 'ROLE_USER', parts: [{ text }] },
  });
}

/** The stream item a sniffed reply carries (its JSON-RPC result), if any. */
function sniffedItem(message: SniffedMessage): StreamResponse | undefined {
  const result = (message.json as { result?: unknown } | undefined)?.result;
  if (typeof result !== 'object' || result === null) return undefined;
  const item = StreamResponse.fromJSON(result);
  return item.payload === undefined ? undefined : item;
}

describeBrokers('persistent reply topic', (broker, target) => {
  let server: A2AMqttServer;
  let executor: ScriptedExecutor;

  beforeAll(async () => {
    executor = new ScriptedExecutor('diagnosis');
    server = await createA2AMqttServer({
      session: { url: broker().url },
      agent: AGENT,
      requestHandler: createRequestHandler({
        agentCard: testCard('diagnosis-agent'),
        agentExecutor: executor,
        taskStore: new FastInMemoryTaskStore(),
      }),
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  const wire = useWireCheck({ broker, prefix: topics.prefix });

  describe(`onUnmatchedReply over ${target.name}`, () => {
    it('a new requester on the same persistent session gets the items streamed while it was away, once each', async () => {
      const clientId = `${AGENT.org}/${AGENT.unit}/pipeline-${randomUUID().slice(0, 8)}`;
      const sessionOptions: MqttSessionOptions = {
        url: broker().url,
        clientId,
        session: { persistent: true, expiryIntervalSeconds: 300 },
        reconnect: { enabled: false },
      };
      const sessions: MqttSession[] = [];
      try {
        // Requester A: persistent session, fixed reply suffix.
        const first = new MqttSession(sessionOptions);
        sessions.push(first);
        const requesterA = getRequester(first, { topics, replySuffix: REPLY_SUFFIX });
        await requesterA.start();
        await first.connect();
        const replyTopic = requesterA.replyTopic;
        const onReplyTopic = () =>
          wire.sniffer().messages((message) => message.topic === replyTopic);

        // A starts a stream and reads it up to the WORKING status; the executor then waits on
        // its gate, so nothing else is published for the task until the test opens it.
        const gate = `away-${randomUUID()}`;
        const transportA = new MqttTransport({ requester: requesterA, agent: AGENT, topics });
        let taskId: string | undefined;
        for await (const item of transportA.sendMessageStream(send(`gate:${gate}`))) {
          if (item.payload?.$case === 'task') taskId = item.payload.value.id;
          if (item.payload?.$case === 'statusUpdate') break; // WORKING: enough to come back later
        }
        expect(taskId).toBeDefined();
        expect(executor.isWaitingOn(gate)).toBe(true);
        const seenByA = await waitFor(() => {
          const replies = onReplyTopic();
          return replies.length >= 2 ? replies : undefined;
        }, WAIT);
        expect(seenByA.map((message) => sniffedItem(message)?.payload?.$case)).toEqual([
          'task',
          'statusUpdate',
        ]);

        // A goes away: `MqttSession.close()` sends DISCONNECT and no UNSUBSCRIBE (only
        // `requester.close()` unsubscribes), so the broker keeps the session and its reply
        // subscription and queues what comes next.
        await first.close();

        // While A is away, the task finishes: its artifact and final status are queued.
        executor.open(gate);
        const queued = (
          await waitFor(() => {
            const replies = onReplyTopic();
            const last = replies.at(-1);
            const item = last === undefined ? undefined : sniffedItem(last);
            return item?.payload?.$case === 'statusUpdate' &&
              item.payload.value.status?.state === TaskState.TASK_STATE_COMPLETED
              ? replies
              : undefined;
          }, WAIT)
        ).slice(seenByA.length);
        expect(queued.map((message) => sniffedItem(message)?.payload?.$case)).toEqual([
          'artifactUpdate',
          'statusUpdate',
        ]);
        const correlation = queued[0]?.properties.correlationData;
        expect(correlation).toBeDefined();

        // Requester B: a new session with the same client id and a requester with the same
        // suffix, whose reply subscription is registered before connect() (so before the
        // CONNACK, after which the broker sends the queue).
        const second = new MqttSession(sessionOptions);
        sessions.push(second);
        const received: UnmatchedReply[] = [];
        const requesterB = getRequester(second, {
          topics,
          replySuffix: REPLY_SUFFIX,
          onUnmatchedReply: (reply) => received.push(reply),
        });
        expect(requesterB).not.toBe(requesterA);
        expect(requesterB.replyTopic).toBe(replyTopic);
        await requesterB.start();
        let sessionPresent: boolean | undefined;
        second.once('connect', (event) => {
          sessionPresent = event.sessionPresent;
        });
        await second.connect();
        expect(sessionPresent).toBe(true);
        if (target.name === 'mosquitto') {
          // connect() resolves on the SUBACK of the pre-registered reply subscription, and
          // mosquitto writes the queue right after the CONNACK, before it reads the SUBSCRIBE:
          // the queue was handed to the hook while connecting (a subscription made after
          // connect() would have found it gone).
          expect(received).toHaveLength(queued.length);
        }

        // GetTask's reply comes on the same subscription after everything queued before it:
        // once it is here, the queue has been delivered.
        const transportB = new MqttTransport({ requester: requesterB, agent: AGENT, topics });
        const task = await transportB.getTask({ tenant: '', id: taskId as string });
        expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);

        // Every queued item exactly once, in order, decoded. No dedupe is applied here: a clean
        // reconnect gets the queue once (a QoS 1 redelivery would come only after a connection
        // lost mid-delivery; an application dedupes it by JSON.stringify(reply.result), which is
        // equal for a byte-identical redelivery).
        expect(received.map((reply) => reply.result)).toEqual(
          queued.map((message) => (message.json as { result: unknown }).result),
        );
        expect(received.map((reply) => reply.item?.payload?.$case)).toEqual([
          'artifactUpdate',
          'statusUpdate',
        ]);
        for (const reply of received) {
          expect(reply.topic).toBe(replyTopic);
          expect(reply.correlationData.equals(correlation as Buffer)).toBe(true);
          // A direct request: the server names its responder on pooled replies only.
          expect(reply.responderAgentId).toBeUndefined();
          expect(reply.error).toBeUndefined();
          expect(reply.malformed).toBeUndefined();
        }
        const final = received.at(-1)?.item?.payload;
        expect(final?.$case === 'statusUpdate' && final.value.taskId).toBe(taskId);
        expect(requesterB.stats).toMatchObject({
          unknownCorrelation: queued.length,
          missingCorrelation: 0,
          malformedReplies: 0,
          inFlight: 0,
        });
        expect(executor.executions.filter((run) => run.text === `gate:${gate}`)).toHaveLength(1);
      } finally {
        for (const session of sessions) await session.close();
        // Remove the persistent session from the broker (a clean start discards it).
        const discard = await connectMqttSession({
          url: broker().url,
          clientId,
          reconnect: { enabled: false },
        });
        await discard.close();
      }
    });
  });
});
