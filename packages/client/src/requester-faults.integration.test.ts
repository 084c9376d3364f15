/**
 * Retry, timeout and fault behaviour of the requester on every available broker target
 * (mosquitto always; EMQX and MQTT_URL when available, otherwise a skip that says why):
 * misbehaving plain mqtt.js responders, plus the real server for "a missed request is retried
 * and the executor runs once" and stream stall recovery. Nothing here sleeps: timers that
 * decide a retry are driven by the test (a manual scheduler), silent executors wait on gates.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageRequest, type StreamResponse, TaskState } from '@a2a-js/sdk';
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { createTopics } from '@a2a-mqtt/protocol';
import {
  type A2AMqttServer,
  createA2AMqttServer,
  createRequestHandler,
  FastInMemoryTaskStore,
} from '@a2a-mqtt/server';
import { recordOutgoing, WIRE_RULE, waitFor } from '@a2a-mqtt/test-harness';
import { describeBrokers, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MqttTransport } from './mqtt-transport';
import type { RequestPolicy, Scheduler } from './policy';
import { getRequester, MqttRequester } from './requester';
import { type RawResponder, startRawResponder } from './test-support/raw-responder';
import { ScriptedExecutor, testCard } from './test-support/scripted-executor';

const topics = createTopics({ prefix: 'a2a/v1' });
const ORG = 'acme';
const UNIT = 'faults';
const TASK_ID = '0f3c0c1e-6d0b-4b2e-9a43-7d4bb2a8f001';
const CONTEXT_ID = '0f3c0c1e-6d0b-4b2e-9a43-7d4bb2a8f002';

const WAIT = { timeoutMs: 10_000 };

/** A {@link Scheduler} whose timers run only when the test fires them, oldest first. */
class ManualScheduler implements Scheduler {
  private readonly timers = new Map<number, () => void>();
  private nextId = 1;

  setTimeout(callback: () => void): unknown {
    const id = this.nextId++;
    this.timers.set(id, callback);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  now(): number {
    return Date.now();
  }

  /** Timers scheduled and neither fired nor cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Runs the oldest pending timer. */
  fireNext(): void {
    const first = this.timers.entries().next();
    if (first.done) throw new Error('no timer is pending');
    const [id, callback] = first.value;
    this.timers.delete(id);
    callback();
  }
}

function send(text: string, extra: Record<string, unknown> = {}) {
  return SendMessageRequest.fromJSON({
    message: {
      messageId: `m-${text}-${Math.random().toString(16).slice(2)}`,
      role: 'ROLE_USER',
      parts: [{ text }],
      ...extra,
    },
  });
}

const taskJson = (state: string, id = TASK_ID) => ({
  id,
  contextId: CONTEXT_ID,
  status: { state },
});

describeBrokers('requester faults', (broker, target) => {
  let session: MqttSession;
  let requester: MqttRequester;
  const responders: RawResponder[] = [];

  function transportTo(agent: string, policy?: RequestPolicy) {
    return new MqttTransport({ requester, agent: { org: ORG, unit: UNIT, agent }, topics, policy });
  }

  async function responder(
    agent: string,
    handle: Parameters<typeof startRawResponder>[0]['handle'],
  ) {
    const started = await startRawResponder({
      url: broker().url,
      topic: topics.request({ org: ORG, unit: UNIT, agent }),
      handle,
    });
    responders.push(started);
    return started;
  }

  beforeAll(async () => {
    session = await connectMqttSession({ url: broker().url, clientId: `${ORG}/${UNIT}/requester` });
    requester = getRequester(session, { topics });
    await requester.start();
  });

  afterEach(async () => {
    while (responders.length > 0) await responders.pop()?.close();
  });

  afterAll(async () => {
    await requester?.close();
    await session?.close();
  });

  // Every message under the prefix, in every test, is checked against the profile; the tests
  // whose responders misbehave on purpose declare exactly the violations they provoke.
  const wire = useWireCheck({ broker, prefix: topics.prefix });

  describe(`retry and timeout on ${target.name}`, () => {
    it('republishes to a responder that ignored the first request: new Correlation Data, same Task.id and messageId', async () => {
      const raw = await responder('ignores-first', (request, api, index) => {
        if (index === 0) return;
        const message = request.json.params.message as { taskId: string; contextId: string };
        void api.result({
          task: {
            id: message.taskId,
            contextId: message.contextId,
            status: { state: 'TASK_STATE_COMPLETED' },
          },
        });
      });
      const transport = transportTo('ignores-first', {
        firstReplyTimeoutMs: 300,
        retryBackoffMs: [50],
      });
      const before = requester.stats.retries;
      const result = await transport.sendMessage(send('retry me'));
      expect(raw.requests).toHaveLength(2);
      const [first, second] = raw.requests;
      expect(Buffer.compare(first!.correlationData!, second!.correlationData!)).not.toBe(0);
      const firstMessage = first!.json.params.message as {
        taskId: string;
        messageId: string;
        contextId: string;
      };
      const secondMessage = second!.json.params.message as {
        taskId: string;
        messageId: string;
        contextId: string;
      };
      expect(secondMessage.taskId).toBe(firstMessage.taskId);
      expect(secondMessage.messageId).toBe(firstMessage.messageId);
      expect(secondMessage.contextId).toBe(firstMessage.contextId);
      expect(result).toMatchObject({ id: firstMessage.taskId });
      expect(first!.userProperties['A2A-Version']).toBe('1.0');
      expect(requester.stats.retries).toBe(before + 1);
    });

    it('fails with REQUEST_TIMEOUT after maxAttempts when nobody answers', async () => {
      const raw = await responder('silent', () => undefined);
      const transport = transportTo('silent', {
        firstReplyTimeoutMs: 150,
        retryBackoffMs: [20],
        maxAttempts: 3,
      });
      await expect(transport.getTask({ tenant: '', id: TASK_ID })).rejects.toMatchObject({
        code: 'REQUEST_TIMEOUT',
        retryable: true,
      });
      expect(raw.requests).toHaveLength(3);
    });

    it('recovers a stalled stream through GetTask and ends on the recovered terminal state', async () => {
      const raw = await responder('staller', (request, api) => {
        if (request.json.method === 'SendStreamingMessage') {
          void api.result({ task: taskJson('TASK_STATE_WORKING') });
          return; // then silence
        }
        if (request.json.method === 'GetTask') void api.result(taskJson('TASK_STATE_COMPLETED'));
      });
      const transport = transportTo('staller', { streamIdleTimeoutMs: 300 });
      const items: StreamResponse[] = [];
      for await (const item of transport.sendMessageStream(
        send('go', { taskId: TASK_ID, contextId: CONTEXT_ID }),
      )) {
        items.push(item);
      }
      expect(raw.requests.map((request) => request.json.method)).toEqual([
        'SendStreamingMessage',
        'GetTask',
      ]);
      expect(raw.requests[1]!.json.params).toEqual({ id: TASK_ID });
      expect(items).toHaveLength(2);
      const recovered = items[1]!.payload;
      expect(recovered?.$case === 'task' && recovered.value.status?.state).toBe(
        TaskState.TASK_STATE_COMPLETED,
      );
    });
  });

  describe('faults', () => {
    it('fails fast with NO_MATCHING_SUBSCRIBERS when nobody subscribes to the request topic', async () => {
      // One attempt whose first-reply timeout outlasts the test's own timeout: the only way to
      // reject in time, and with this code, is the broker's PUBACK 0x10.
      const transport = transportTo('nobody-home', {
        firstReplyTimeoutMs: 600_000,
        maxAttempts: 1,
      });
      // A sniffer on `a2a/v1/#` would be a matching subscriber: check what the requester
      // publishes from its own outgoing packets instead.
      const outgoing = recordOutgoing(session.client, topics.prefix);
      try {
        await wire.withoutSniffer('nobody subscribes to the request topic', async () => {
          await expect(transport.getTask({ tenant: '', id: TASK_ID })).rejects.toMatchObject({
            code: 'NO_MATCHING_SUBSCRIBERS',
          });
        });
      } finally {
        outgoing.stop();
      }
      expect(outgoing.messages.map((message) => message.topic)).toEqual([
        topics.request({ org: ORG, unit: UNIT, agent: 'nobody-home' }),
      ]);
      expect(outgoing.violations).toEqual([]);
    });

    it('cancels waiting on abort; an aborted stream ends cleanly', async () => {
      const raw = await responder('never-answers', (request, api) => {
        if (request.json.method === 'SendStreamingMessage')
          void api.result({ task: taskJson('TASK_STATE_WORKING') });
      });
      const transport = transportTo('never-answers');
      const controller = new AbortController();
      const pending = transport.getTask({ tenant: '', id: TASK_ID }, { signal: controller.signal });
      // Abort while the request is certainly outstanding: the responder has it, never answers.
      await waitFor(() => raw.requests.length === 1, WAIT);
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });

      const streamController = new AbortController();
      const items: StreamResponse[] = [];
      for await (const item of transport.sendMessageStream(
        send('s', { taskId: TASK_ID, contextId: CONTEXT_ID }),
        {
          signal: streamController.signal,
        },
      )) {
        items.push(item);
        streamController.abort();
      }
      expect(items).toHaveLength(1);
      expect(requester.stats.inFlight).toBe(0);
    });

    it('drops a stream item published twice with the same Correlation Data (QoS 1 redelivery)', async () => {
      const working = {
        statusUpdate: {
          taskId: TASK_ID,
          contextId: CONTEXT_ID,
          status: { state: 'TASK_STATE_WORKING', timestamp: '2026-01-01T00:00:00Z' },
        },
      };
      const raw = await responder('stutters', async (request, api) => {
        if (request.json.method !== 'SendStreamingMessage') return;
        // Each publish awaits its PUBACK: the items reach the requester in this order.
        await api.result({ task: taskJson('TASK_STATE_SUBMITTED') });
        await api.result(working);
        await api.result(working); // the same item again, byte for byte, same Correlation Data
        await api.result({
          statusUpdate: {
            taskId: TASK_ID,
            contextId: CONTEXT_ID,
            status: { state: 'TASK_STATE_COMPLETED' },
          },
        });
      });
      const transport = transportTo('stutters');
      const before = requester.stats;
      const items: StreamResponse[] = [];
      for await (const item of transport.sendMessageStream(
        send('twice', { taskId: TASK_ID, contextId: CONTEXT_ID }),
      )) {
        items.push(item);
      }
      expect(raw.requests).toHaveLength(1);
      expect(items.map((item) => item.payload?.$case)).toEqual([
        'task',
        'statusUpdate',
        'statusUpdate',
      ]);
      const states = items.map((item) =>
        item.payload?.$case === 'statusUpdate' ? item.payload.value.status?.state : undefined,
      );
      expect(states).toEqual([
        undefined,
        TaskState.TASK_STATE_WORKING,
        TaskState.TASK_STATE_COMPLETED,
      ]);
      // Both copies went over the wire, byte for byte, with the request's Correlation Data.
      const sniffer = wire.sniffer();
      await sniffer.fence();
      const correlation = raw.requests[0]!.correlationData!;
      const published = sniffer.messages(
        (message) =>
          message.topic === requester.replyTopic &&
          message.properties.correlationData?.equals(correlation) === true,
      );
      expect(published).toHaveLength(4);
      expect(published[1]!.payload.equals(published[2]!.payload)).toBe(true);
      expect(requester.stats.duplicates).toBe(before.duplicates + 1);
      expect(requester.stats.unknownCorrelation).toBe(before.unknownCorrelation);
    });

    it('a malformed reply fails only the request it belongs to', async () => {
      await responder('sloppy', (request, api) => {
        if (request.json.params.id === 'bad') void api.reply('{"jsonrpc": "2.0", broken');
        else void api.result(taskJson('TASK_STATE_WORKING', String(request.json.params.id)));
      });
      const transport = transportTo('sloppy');
      wire.expectViolations([
        { rule: WIRE_RULE.REPLY_INVALID_JSON_RPC, topic: requester.replyTopic, count: 1 },
      ]);
      const [bad, good] = await Promise.allSettled([
        transport.getTask({ tenant: '', id: 'bad' }),
        transport.getTask({ tenant: '', id: 'good' }),
      ]);
      expect(bad).toMatchObject({
        status: 'rejected',
        reason: { code: 'TRANSPORT_PROTOCOL_ERROR' },
      });
      expect(good).toMatchObject({ status: 'fulfilled', value: { id: 'good' } });
    });

    it('ignores and counts replies with unknown or missing Correlation Data', async () => {
      await responder('confused', async (request, api) => {
        await api.result(taskJson('TASK_STATE_FAILED'), undefined);
        await api.reply(
          { jsonrpc: '2.0', id: request.json.id, result: taskJson('TASK_STATE_FAILED') },
          {
            correlationData: Buffer.from('0123456789abcdef'),
          },
        );
      });
      const transport = transportTo('confused');
      // The foreign Correlation Data, and the bare '{}' without any (not JSON-RPC either).
      wire.expectViolations([
        { rule: WIRE_RULE.REPLY_UNCORRELATED, topic: requester.replyTopic, count: 1 },
        { rule: WIRE_RULE.REPLY_CORRELATION_MISSING, topic: requester.replyTopic, count: 1 },
        { rule: WIRE_RULE.REPLY_INVALID_JSON_RPC, topic: requester.replyTopic, count: 1 },
      ]);
      const before = requester.stats.unknownCorrelation;
      await transport.getTask({ tenant: '', id: TASK_ID });
      await waitFor(() => requester.stats.unknownCorrelation >= before + 1, { timeoutMs: 5_000 });
      // Missing Correlation Data.
      const missing = requester.stats.missingCorrelation;
      await responders[0]!.client.publishAsync(requester.replyTopic, '{}', { qos: 1 });
      await waitFor(() => requester.stats.missingCorrelation === missing + 1, { timeoutMs: 5_000 });
    });
  });

  describe('failOnNoSubscribers: false', () => {
    it('waits out the first-reply timeout instead of failing fast, then fails with REQUEST_TIMEOUT', async () => {
      const own = await connectMqttSession({
        url: broker().url,
        clientId: `${ORG}/${UNIT}/patient-requester`,
      });
      const patient = new MqttRequester(own, { topics, failOnNoSubscribers: false });
      const requestTopic = topics.request({ org: ORG, unit: UNIT, agent: 'nobody-home-patient' });
      // The broker's PUBACK reason codes, to show that it did report "no matching subscribers".
      const pubackCodes: number[] = [];
      const onPacket = (packet: { cmd: string; reasonCode?: number }) => {
        if (packet.cmd === 'puback') pubackCodes.push(packet.reasonCode ?? 0);
      };
      own.client.on('packetreceive', onPacket);
      const outgoing = recordOutgoing(own.client, topics.prefix);
      try {
        await patient.start();
        const transport = new MqttTransport({
          requester: patient,
          agent: { org: ORG, unit: UNIT, agent: 'nobody-home-patient' },
          topics,
          policy: { firstReplyTimeoutMs: 200, maxAttempts: 1 },
        });
        // A sniffer on `a2a/v1/#` would be a matching subscriber.
        await wire.withoutSniffer('nobody subscribes to the request topic', async () => {
          await expect(transport.getTask({ tenant: '', id: TASK_ID })).rejects.toMatchObject({
            name: 'A2AMqttError',
            code: 'REQUEST_TIMEOUT',
            retryable: true,
            details: { method: 'GetTask', attempts: 1 },
          });
        });
      } finally {
        outgoing.stop();
        own.client.off('packetreceive', onPacket);
        await patient.close();
        await own.close();
      }
      expect(patient.stats).toMatchObject({ requests: 1, timeouts: 1, inFlight: 0 });
      expect(outgoing.messages.map((message) => message.topic)).toEqual([requestTopic]);
      expect(outgoing.violations).toEqual([]);
      // mosquitto and EMQX answer 0x10; an unknown external broker may not.
      if (target.name !== 'external') expect(pubackCodes).toContain(0x10);
    });
  });

  describe('against the real server', () => {
    let server: A2AMqttServer;
    let executor: ScriptedExecutor;

    beforeAll(async () => {
      executor = new ScriptedExecutor('server');
      server = await createA2AMqttServer({
        session: { url: broker().url },
        agent: { org: ORG, unit: UNIT, agent: 'real' },
        topics,
        requestHandler: createRequestHandler({
          agentCard: testCard('real'),
          agentExecutor: executor,
          taskStore: new FastInMemoryTaskStore(),
        }),
      });
    });

    afterAll(async () => {
      await server?.close();
    });

    it('retries a request the server missed: fresh Correlation Data, same Task.id, one execution', async () => {
      const agent = { org: ORG, unit: UNIT, agent: 'late-joiner' };
      // A witness keeps the request topic subscribed (the broker accepts the publish) and
      // records every attempt; the real server subscribes only after the first attempt.
      const witness = await responder(agent.agent, () => undefined);
      // The requester's first-reply and backoff timers fire only when the test says so.
      const timers = new ManualScheduler();
      const own = await connectMqttSession({
        url: broker().url,
        clientId: `${ORG}/${UNIT}/retrier`,
      });
      const retrier = new MqttRequester(own, { topics, scheduler: timers });
      const lateExecutor = new ScriptedExecutor('late-joiner');
      let late: A2AMqttServer | undefined;
      try {
        await retrier.start();
        const transport = new MqttTransport({
          requester: retrier,
          agent,
          topics,
          policy: { maxAttempts: 3 },
        });
        const pending = transport.sendMessage(send('retry me'));
        await waitFor(() => witness.requests.length === 1, WAIT);
        late = await createA2AMqttServer({
          session: { url: broker().url },
          agent,
          topics,
          register: false,
          requestHandler: createRequestHandler({
            agentCard: testCard(agent.agent),
            agentExecutor: lateExecutor,
            taskStore: new FastInMemoryTaskStore(),
          }),
        });
        expect(late.metrics().received).toBe(0);
        // The first attempt's first-reply timeout, then its backoff: the retry goes out now that
        // the server is subscribed.
        expect(timers.pending).toBe(1);
        timers.fireNext();
        expect(timers.pending).toBe(1);
        timers.fireNext();
        const result = await pending;

        await waitFor(() => witness.requests.length === 2, WAIT);
        const [first, second] = witness.requests;
        expect(Buffer.compare(first!.correlationData!, second!.correlationData!)).not.toBe(0);
        const firstMessage = first!.json.params.message as Record<string, string>;
        const secondMessage = second!.json.params.message as Record<string, string>;
        expect(secondMessage.taskId).toBe(firstMessage.taskId);
        expect(secondMessage.messageId).toBe(firstMessage.messageId);
        expect(secondMessage.contextId).toBe(firstMessage.contextId);

        const taskId = firstMessage.taskId!;
        expect(result).toMatchObject({ id: taskId, contextId: firstMessage.contextId });
        expect('status' in result && result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
        const stored = await transport.getTask({ tenant: '', id: taskId });
        expect(stored.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
        // The server only ever saw the retry (and the GetTask), and ran the task once.
        expect(late.metrics().received).toBe(2);
        expect(lateExecutor.executions.filter((run) => run.taskId === taskId)).toHaveLength(1);
        expect(lateExecutor.executions).toHaveLength(1);
        expect(retrier.stats).toMatchObject({ retries: 1, timeouts: 0, inFlight: 0 });
      } finally {
        await late?.close();
        await retrier.close();
        await own.close();
      }
    });

    it('recovers a stalled stream through GetTask and still sees the completion', async () => {
      // The executor stays silent behind its gate until the test saw a recovery: the stall is
      // certain, whatever the machine's speed.
      const gate = `stall-${randomUUID()}`;
      const transport = transportTo('real', { streamIdleTimeoutMs: 300, maxStallRecoveries: 50 });
      const before = requester.stats.stallRecoveries;
      const items: StreamResponse[] = [];
      const consumed = (async () => {
        for await (const item of transport.sendMessageStream(send(`gate:${gate}`))) {
          items.push(item);
        }
      })();
      try {
        await waitFor(
          () =>
            requester.stats.stallRecoveries > before &&
            items.filter((item) => item.payload?.$case === 'task').length >= 2,
          { ...WAIT, description: 'a GetTask recovery of the silent stream' },
        );
        expect(executor.isWaitingOn(gate)).toBe(true);
      } finally {
        executor.open(gate);
      }
      await consumed;
      const cases = items.map((item) => item.payload?.$case);
      // submitted task, working, at least one recovered task snapshot, then the rest.
      expect(cases[0]).toBe('task');
      const recovered = items.find(
        (item, index) => index > 0 && item.payload?.$case === 'task',
      )?.payload;
      expect(recovered?.$case === 'task' && recovered.value.status?.state).toBe(
        TaskState.TASK_STATE_WORKING,
      );
      const last = items[items.length - 1]!.payload;
      expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(
        TaskState.TASK_STATE_COMPLETED,
      );
      expect(executor.executions.filter((run) => run.text === `gate:${gate}`)).toHaveLength(1);
    });
  });
});
