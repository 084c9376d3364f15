import { Role, type SendMessageRequest, TaskState } from '@a2a-js/sdk';
import {
  PushNotificationNotSupportedError,
  TaskNotCancelableError,
  TaskNotFoundError,
} from '@a2a-js/sdk/errors';
import { A2AMqttError, createTopics, isUuidV4 } from '@a2a-mqtt/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MqttTransport } from './mqtt-transport';
import { getRequester, type MqttRequester } from './requester';
import { FakeSession, flush } from './test-support/fake-session';

const AGENT = { org: 'acme', unit: 'eng', agent: 'coder' };
const TASK_ID = '3b0c5c5e-2b7c-4b53-9d55-9d6f4a1f0a11';
const CONTEXT_ID = 'a7c4f1de-8f55-4c44-b7a5-0c3a0d8c6a22';

function message(text: string, extra: Partial<NonNullable<SendMessageRequest['message']>> = {}) {
  return {
    tenant: '',
    message: {
      messageId: `m-${text}`,
      role: Role.ROLE_USER,
      parts: [
        {
          content: { $case: 'text' as const, value: text },
          metadata: undefined,
          filename: '',
          mediaType: '',
        },
      ],
      taskId: '',
      contextId: '',
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
      ...extra,
    },
    configuration: undefined,
    metadata: undefined,
  } satisfies SendMessageRequest;
}

function taskJson(state: string, id = TASK_ID) {
  return { id, contextId: CONTEXT_ID, status: { state } };
}

function setup(options: { random?: () => number; pool?: string; policy?: object } = {}) {
  const session = new FakeSession();
  const requester = getRequester(session, {
    topics: createTopics({ prefix: 'a2a/v1' }),
    random: options.random ?? (() => 0.5),
    policy: options.policy,
  });
  const transport = new MqttTransport({
    requester,
    agent: AGENT,
    topics: createTopics({ prefix: 'a2a/v1' }),
    pool: options.pool,
  });
  return { session, requester, transport };
}

let requesters: MqttRequester[] = [];
beforeEach(() => {
  vi.useFakeTimers();
  requesters = [];
});
afterEach(async () => {
  for (const requester of requesters) await requester.close();
  vi.useRealTimers();
});

describe('shared requester', () => {
  it('is one per session and subscribes its reply topic before the first publish', async () => {
    const { session, requester, transport } = setup();
    expect(getRequester(session, { topics: createTopics({ prefix: 'a2a/v1' }) })).toBe(requester);
    const second = new MqttTransport({
      session,
      requesterOptions: { topics: createTopics({ prefix: 'a2a/v1' }) },
      agent: AGENT,
      topics: createTopics({ prefix: 'a2a/v1' }),
    });
    expect(second.requester).toBe(requester);
    const first = transport.getTask({ tenant: '', id: TASK_ID });
    const other = second.getTask({ tenant: '', id: TASK_ID });
    await flush();
    expect(session.events).toEqual([
      `subscribe ${requester.replyTopic}`,
      'publish a2a/v1/request/acme/eng/coder',
      'publish a2a/v1/request/acme/eng/coder',
    ]);
    expect(requester.replyTopic).toMatch(/^a2a\/v1\/reply\/acme\/eng\/tester\/[A-Za-z0-9_.-]+$/);
    session.result(1, taskJson('TASK_STATE_WORKING'));
    session.result(0, taskJson('TASK_STATE_COMPLETED'));
    expect((await first).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect((await other).status?.state).toBe(TaskState.TASK_STATE_WORKING);
    expect(session.subscriptions).toHaveLength(1);
    expect(requester.stats.inFlight).toBe(0);
  });

  it('sends JSON-RPC with Response Topic, 16-byte Correlation Data and A2A-Version', async () => {
    const { session, requester, transport } = setup();
    const pending = transport.getTask(
      { tenant: '', id: TASK_ID },
      {
        serviceParameters: { 'A2A-Version': '1.0', 'A2A-Extensions': 'https://x.example/ext' },
      },
    );
    await flush();
    const sent = session.published[0]!;
    expect(sent.json).toMatchObject({ jsonrpc: '2.0', method: 'GetTask', params: { id: TASK_ID } });
    expect(sent.properties.responseTopic).toBe(requester.replyTopic);
    expect(sent.properties.correlationData).toHaveLength(16);
    expect(sent.properties.userProperties).toEqual({
      'A2A-Version': '1.0',
      'A2A-Extensions': 'https://x.example/ext',
    });
    expect(sent.failOnNoSubscribers).toBe(true);
    session.result(0, taskJson('TASK_STATE_WORKING'));
    await pending;
    const plain = transport.listTasks({
      tenant: '',
      contextId: '',
      status: 0,
      pageToken: '',
      statusTimestampAfter: undefined,
    });
    await flush();
    expect(session.published[1]!.properties.userProperties).toEqual({ 'A2A-Version': '1.0' });
    session.result(1, { tasks: [], nextPageToken: '', pageSize: 0, totalSize: 0 });
    expect((await plain).tasks).toEqual([]);
  });

  it('generates a UUIDv4 Task.id and contextId for a new task without mutating the input', async () => {
    const { session, transport } = setup();
    const input = message('hello');
    const pending = transport.sendMessage(input);
    await flush();
    const sent = session.published[0]!.json.params.message;
    expect(isUuidV4(sent.taskId)).toBe(true);
    expect(isUuidV4(sent.contextId)).toBe(true);
    expect(input.message.taskId).toBe('');
    session.result(0, { task: taskJson('TASK_STATE_COMPLETED', sent.taskId) });
    const result = await pending;
    expect(result).toMatchObject({ id: sent.taskId });

    const withContext = transport.sendMessage(message('again', { contextId: CONTEXT_ID }));
    await flush();
    expect(session.published[1]!.json.params.message.contextId).toBe(CONTEXT_ID);
    expect(isUuidV4(session.published[1]!.json.params.message.taskId)).toBe(true);
    session.result(1, { message: { messageId: 'r', role: 'ROLE_AGENT', parts: [{ text: 'ok' }] } });
    expect(await withContext).toMatchObject({ messageId: 'r' });

    const continuation = transport.sendMessage(message('more', { taskId: TASK_ID }));
    await flush();
    expect(session.published[2]!.json.params.message.taskId).toBe(TASK_ID);
    expect(session.published[2]!.json.params.message.contextId).toBeUndefined();
    session.result(2, { task: taskJson('TASK_STATE_COMPLETED') });
    await continuation;
  });
});

describe('retry and timeout profile', () => {
  it('republishes after the first-reply timeout with fresh Correlation Data and the same payload', async () => {
    const { session, requester, transport } = setup();
    const pending = transport.sendMessage(message('retry-me'));
    await flush();
    expect(session.published).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(14_999);
    expect(session.published).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    // Backoff 1000 ms (random 0.5 = no jitter) before the second attempt.
    await vi.advanceTimersByTimeAsync(999);
    expect(session.published).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(session.published).toHaveLength(2);
    const [first, second] = session.published;
    expect(second!.payload).toBe(first!.payload);
    expect(second!.json.params.message.messageId).toBe('m-retry-me');
    expect(
      Buffer.compare(first!.properties.correlationData, second!.properties.correlationData),
    ).not.toBe(0);
    session.result(1, {
      task: taskJson('TASK_STATE_COMPLETED', second!.json.params.message.taskId),
    });
    await expect(pending).resolves.toMatchObject({ id: second!.json.params.message.taskId });
    expect(requester.stats).toMatchObject({ retries: 1, inFlight: 0 });
    // No further attempt after the reply.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.published).toHaveLength(2);
  });

  it('accepts a late reply to an earlier attempt and stops retrying', async () => {
    const { session, transport } = setup();
    const pending = transport.getTask({ tenant: '', id: TASK_ID });
    await vi.advanceTimersByTimeAsync(16_000);
    expect(session.published).toHaveLength(2);
    session.result(0, taskJson('TASK_STATE_WORKING'));
    await expect(pending).resolves.toMatchObject({ id: TASK_ID });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.published).toHaveLength(2);
  });

  it('fails with REQUEST_TIMEOUT after maxAttempts with jittered backoff', async () => {
    const { session, requester, transport } = setup({ random: () => 1 });
    const pending = transport.getTask({ tenant: '', id: TASK_ID });
    const outcome = pending.catch((error: unknown) => error);
    await flush();
    const times: number[] = [];
    const start = Date.now();
    for (let step = 0; step < 350; step++) {
      const before = session.published.length;
      await vi.advanceTimersByTimeAsync(100);
      if (session.published.length > before) times.push(Date.now() - start);
    }
    // +20 % jitter: 15 000 + 1 200, then 15 000 + 2 400 later.
    expect(times).toEqual([16_200, 33_600]);
    await vi.advanceTimersByTimeAsync(15_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(A2AMqttError);
    expect(error).toMatchObject({ code: 'REQUEST_TIMEOUT', retryable: true });
    expect(session.published).toHaveLength(3);
    expect(requester.stats).toMatchObject({ timeouts: 1, retries: 2, inFlight: 0 });
  });

  it('honours a custom policy', async () => {
    const { session, transport } = setup({
      policy: {
        firstReplyTimeoutMs: 100,
        maxAttempts: 2,
        retryBackoffMs: [10],
        retryJitterRatio: 0,
      },
    });
    const outcome = transport.getTask({ tenant: '', id: TASK_ID }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100 + 10 + 100);
    expect(session.published).toHaveLength(2);
    expect(await outcome).toMatchObject({ code: 'REQUEST_TIMEOUT' });
  });

  it('retries a publish the client or broker did not accept', async () => {
    const { session, transport } = setup();
    session.publishOutcomes = [new A2AMqttError({ code: 'PUBLISH_FAILED', message: 'nope' })];
    const pending = transport.getTask({ tenant: '', id: TASK_ID });
    await flush();
    expect(session.published).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(session.published).toHaveLength(2);
    session.result(1, taskJson('TASK_STATE_WORKING'));
    await expect(pending).resolves.toMatchObject({ id: TASK_ID });
  });

  it('fails fast on NO_MATCHING_SUBSCRIBERS without retrying', async () => {
    const { session, transport } = setup();
    session.publishOutcomes = [
      new A2AMqttError({ code: 'NO_MATCHING_SUBSCRIBERS', message: 'nobody', reasonCode: 0x10 }),
    ];
    const outcome = transport.getTask({ tenant: '', id: TASK_ID }).catch((error: unknown) => error);
    await flush();
    expect(await outcome).toMatchObject({ code: 'NO_MATCHING_SUBSCRIBERS', reasonCode: 0x10 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.published).toHaveLength(1);
  });

  it('can disable fail-fast on no subscribers', async () => {
    const session = new FakeSession();
    const requester = getRequester(session, { failOnNoSubscribers: false });
    requesters.push(requester);
    const transport = new MqttTransport({ requester, agent: AGENT });
    void transport.getTask({ tenant: '', id: TASK_ID }).catch(() => undefined);
    await flush();
    expect(session.published[0]!.failOnNoSubscribers).toBe(false);
  });
});

describe('errors', () => {
  it('maps JSON-RPC errors to @a2a-js/sdk error classes and stops retrying', async () => {
    const { session, transport } = setup();
    const notFound = transport
      .getTask({ tenant: '', id: TASK_ID })
      .catch((error: unknown) => error);
    await flush();
    session.error(0, { code: -32001, message: 'Task not found' });
    expect(await notFound).toBeInstanceOf(TaskNotFoundError);
    const notCancelable = transport
      .cancelTask({ tenant: '', id: TASK_ID, metadata: undefined })
      .catch((error: unknown) => error);
    await flush();
    session.error(1, { code: -32002, message: 'Task not cancelable' });
    expect(await notCancelable).toBeInstanceOf(TaskNotCancelableError);
    const pushUnsupported = transport
      .getTaskPushNotificationConfig({ tenant: '', taskId: TASK_ID, id: 'c' })
      .catch((error: unknown) => error);
    await flush();
    session.error(2, { code: -32003, message: 'Push not supported' });
    expect(await pushUnsupported).toBeInstanceOf(PushNotificationNotSupportedError);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.published).toHaveLength(3);
  });

  it('maps binding errors to typed A2AMqttError with retryable', async () => {
    const { session, transport } = setup();
    const cases = [
      [-32003, 'request_expired', 'REQUEST_EXPIRED', true],
      [-32004, 'responder_unavailable', 'RESPONDER_UNAVAILABLE', true],
      [-32005, 'transport_protocol_error', 'TRANSPORT_PROTOCOL_ERROR', false],
    ] as const;
    for (const [index, [code, a2aError, expected, retryable]] of cases.entries()) {
      const outcome = transport
        .getTask({ tenant: '', id: TASK_ID })
        .catch((error: unknown) => error);
      await flush();
      session.error(index, { code, message: 'binding', data: { a2a_error: a2aError } });
      const error = await outcome;
      expect(error).toBeInstanceOf(A2AMqttError);
      expect(error).toMatchObject({ code: expected, retryable });
    }
  });

  it('ignores and counts replies with unknown or missing Correlation Data', async () => {
    const { session, requester, transport } = setup();
    const pending = transport.getTask({ tenant: '', id: TASK_ID });
    await flush();
    session.deliver({
      payload: Buffer.from('{}'),
      properties: { correlationData: Buffer.from('nope') },
    });
    session.deliver({ payload: Buffer.from('{}'), properties: {} });
    expect(requester.stats).toMatchObject({ unknownCorrelation: 1, missingCorrelation: 1 });
    session.result(0, taskJson('TASK_STATE_WORKING'));
    await pending;
    // A reply after completion is unknown too.
    session.result(0, taskJson('TASK_STATE_WORKING'));
    expect(requester.stats.unknownCorrelation).toBe(2);
  });

  it('holds its writes to the end of the turn for a unary reply only', async () => {
    const { session, transport } = setup();
    const pending = transport.getTask({ tenant: '', id: TASK_ID });
    await flush();
    // Unknown correlations do not end a call: nothing to coalesce with.
    session.deliver({
      payload: Buffer.from('{}'),
      properties: { correlationData: Buffer.from('nope') },
    });
    expect(session.coalesced).toBe(0);
    session.result(0, taskJson('TASK_STATE_WORKING'));
    await pending;
    expect(session.coalesced).toBe(1);
  });

  it('fails only the request a malformed reply belongs to', async () => {
    const { session, requester, transport } = setup();
    const bad = transport.getTask({ tenant: '', id: TASK_ID }).catch((error: unknown) => error);
    const good = transport.getTask({ tenant: '', id: TASK_ID });
    await flush();
    session.reply(0, 'not json {');
    expect(await bad).toMatchObject({ code: 'TRANSPORT_PROTOCOL_ERROR' });
    session.result(1, taskJson('TASK_STATE_WORKING'));
    await expect(good).resolves.toMatchObject({ id: TASK_ID });
    expect(requester.stats.malformedReplies).toBe(1);
    const noRpc = transport.getTask({ tenant: '', id: TASK_ID }).catch((error: unknown) => error);
    await flush();
    session.reply(2, { hello: 'world' });
    expect(await noRpc).toMatchObject({ code: 'TRANSPORT_PROTOCOL_ERROR' });
  });

  it('rejects with ABORTED on abort and releases the correlation', async () => {
    const { session, requester, transport } = setup();
    const controller = new AbortController();
    const outcome = transport
      .getTask({ tenant: '', id: TASK_ID }, { signal: controller.signal })
      .catch((error: unknown) => error);
    await flush();
    controller.abort();
    expect(await outcome).toMatchObject({ code: 'ABORTED' });
    expect(requester.stats.inFlight).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.published).toHaveLength(1);
    const already = await transport
      .getTask({ tenant: '', id: TASK_ID }, { signal: AbortSignal.abort() })
      .catch((error: unknown) => error);
    expect(already).toMatchObject({ code: 'ABORTED' });
    expect(session.published).toHaveLength(1);
  });

  it('rejects in-flight requests with CLOSED when the requester closes', async () => {
    const { session, requester, transport } = setup();
    const outcome = transport.getTask({ tenant: '', id: TASK_ID }).catch((error: unknown) => error);
    await flush();
    await requester.close();
    expect(await outcome).toMatchObject({ code: 'CLOSED' });
    expect(session.subscriptions).toHaveLength(0);
    expect(getRequester(session, { topics: createTopics({ prefix: 'a2a/v1' }) })).not.toBe(
      requester,
    );
  });

  it('keeps the reply subscription on close({ keepSubscription: true }) (persistent sessions)', async () => {
    const { session, requester, transport } = setup();
    const outcome = transport.getTask({ tenant: '', id: TASK_ID }).catch((error: unknown) => error);
    await flush();
    await requester.close({ keepSubscription: true });
    expect(await outcome).toMatchObject({ code: 'CLOSED' });
    expect(session.events.filter((event) => event.startsWith('unsubscribe'))).toEqual([]);
    expect(session.subscriptions).toHaveLength(1);
  });
});
