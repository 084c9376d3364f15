import { Role, type StreamResponse, TaskState } from '@a2a-js/sdk';
import { A2AMqttError, createTopics } from '@a2a-mqtt/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MqttTransport } from './mqtt-transport';
import { getRequester } from './requester';
import { FakeSession, flush } from './test-support/fake-session';

const AGENT = { org: 'acme', unit: 'eng', agent: 'coder' };
const TASK_ID = '3b0c5c5e-2b7c-4b53-9d55-9d6f4a1f0a11';
const CONTEXT_ID = 'a7c4f1de-8f55-4c44-b7a5-0c3a0d8c6a22';

const status = (state: string) => ({
  statusUpdate: { taskId: TASK_ID, contextId: CONTEXT_ID, status: { state } },
});
const artifact = (text: string, append = false) => ({
  artifactUpdate: {
    taskId: TASK_ID,
    contextId: CONTEXT_ID,
    artifact: { artifactId: 'a1', parts: [{ text }] },
    append,
  },
});
const task = (state: string) => ({
  task: { id: TASK_ID, contextId: CONTEXT_ID, status: { state } },
});

function setup(policy?: object) {
  const session = new FakeSession();
  const topics = createTopics({ prefix: 'a2a/v1' });
  const requester = getRequester(session, { topics, random: () => 0.5, policy });
  const transport = new MqttTransport({ requester, agent: AGENT, topics });
  return { session, requester, transport };
}

const request = {
  tenant: '',
  message: {
    messageId: 'm1',
    role: Role.ROLE_USER,
    parts: [],
    taskId: TASK_ID,
    contextId: CONTEXT_ID,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  },
  configuration: undefined,
  metadata: undefined,
};

/** Consumes a stream in the background, collecting items and the outcome. */
function collect(stream: AsyncGenerator<StreamResponse, void, undefined>) {
  const items: StreamResponse[] = [];
  const state: { done: boolean; error?: unknown } = { done: false };
  const finished = (async () => {
    try {
      for await (const item of stream) items.push(item);
    } catch (error) {
      state.error = error;
    } finally {
      state.done = true;
    }
  })();
  return { items, state, finished, cases: () => items.map((item) => item.payload?.$case) };
}

function resultTo(session: FakeSession, index: number, result: unknown) {
  session.result(index, result);
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('streams', () => {
  it('yields items in order and ends at a terminal status', async () => {
    const { session, requester, transport } = setup();
    const run = collect(transport.sendMessageStream(request));
    await flush();
    expect(session.published[0]!.json.method).toBe('SendStreamingMessage');
    resultTo(session, 0, task('TASK_STATE_SUBMITTED'));
    resultTo(session, 0, status('TASK_STATE_WORKING'));
    resultTo(session, 0, artifact('code'));
    resultTo(session, 0, status('TASK_STATE_COMPLETED'));
    await run.finished;
    expect(run.state.error).toBeUndefined();
    expect(run.cases()).toEqual(['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate']);
    expect(requester.stats.inFlight).toBe(0);
    // Stream items are acknowledged at once: held PUBACKs would stall the broker's window.
    expect(session.coalesced).toBe(0);
    // Late items of a finished stream are unknown correlations.
    resultTo(session, 0, status('TASK_STATE_WORKING'));
    expect(requester.stats.unknownCorrelation).toBe(1);
  });

  it('ends at input-required (stream-final for the correlation)', async () => {
    const { session, transport } = setup();
    const run = collect(transport.sendMessageStream(request));
    await flush();
    resultTo(session, 0, status('TASK_STATE_INPUT_REQUIRED'));
    await run.finished;
    expect(run.items[0]!.payload).toMatchObject({
      $case: 'statusUpdate',
      value: { status: { state: TaskState.TASK_STATE_INPUT_REQUIRED } },
    });
  });

  it('a task snapshot never ends the stream, whatever its state; its status update does', async () => {
    const { session, requester, transport } = setup();
    // A stream retry of a finished task: the snapshot, then its final status (profile:
    // Streaming Reply Mapping, items 5 to 7, end a stream on a status update only).
    const retried = collect(transport.sendMessageStream(request));
    await flush();
    resultTo(session, 0, task('TASK_STATE_COMPLETED'));
    await flush();
    expect(retried.state.done).toBe(false);
    resultTo(session, 0, status('TASK_STATE_COMPLETED'));
    await retried.finished;
    expect(retried.cases()).toEqual(['task', 'statusUpdate']);
    // A continuation of an input-required task starts with the snapshot it is leaving.
    const continued = collect(transport.sendMessageStream(request));
    await flush();
    for (const item of [
      task('TASK_STATE_INPUT_REQUIRED'),
      status('TASK_STATE_WORKING'),
      status('TASK_STATE_COMPLETED'),
    ]) {
      resultTo(session, 1, item);
    }
    await continued.finished;
    expect(continued.cases()).toEqual(['task', 'statusUpdate', 'statusUpdate']);
    expect(requester.stats).toMatchObject({ inFlight: 0, unknownCorrelation: 0, duplicates: 0 });
  });

  it('drops redelivered items but keeps repeated append chunks', async () => {
    const { session, requester, transport } = setup();
    const run = collect(transport.sendMessageStream(request));
    await flush();
    resultTo(session, 0, status('TASK_STATE_WORKING'));
    resultTo(session, 0, status('TASK_STATE_WORKING'));
    resultTo(session, 0, artifact('x', true));
    resultTo(session, 0, artifact('x', true));
    resultTo(session, 0, artifact('whole'));
    resultTo(session, 0, artifact('whole'));
    resultTo(session, 0, status('TASK_STATE_COMPLETED'));
    await run.finished;
    expect(run.cases()).toEqual([
      'statusUpdate',
      'artifactUpdate',
      'artifactUpdate',
      'artifactUpdate',
      'statusUpdate',
    ]);
    expect(requester.stats.duplicates).toBe(2);
  });

  it('dedupes binary-mode chunks by task, artifact and a2a-chunk-seqno', async () => {
    const { session, requester, transport } = setup();
    const run = collect(transport.sendMessageStream(request));
    await flush();
    const seq = (n: string) => ({
      'a2a-task-id': TASK_ID,
      'a2a-artifact-id': 'a1',
      'a2a-chunk-seqno': n,
    });
    session.result(0, artifact('x', true), seq('1'));
    session.result(0, artifact('x', true), seq('1'));
    session.result(0, artifact('x', true), seq('2'));
    resultTo(session, 0, status('TASK_STATE_COMPLETED'));
    await run.finished;
    expect(run.cases()).toEqual(['artifactUpdate', 'artifactUpdate', 'statusUpdate']);
    expect(requester.stats.duplicates).toBe(1);
  });

  it('retries before the first item, then never republishes; locks to the first correlation', async () => {
    const { session, requester, transport } = setup();
    const run = collect(transport.sendMessageStream(request));
    await vi.advanceTimersByTimeAsync(16_000);
    expect(session.published).toHaveLength(2);
    expect(session.published[1]!.payload).toBe(session.published[0]!.payload);
    resultTo(session, 1, status('TASK_STATE_WORKING'));
    // The first attempt's copy of the stream is dropped.
    resultTo(session, 0, artifact('copy'));
    expect(requester.stats.duplicates).toBe(1);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(session.published).toHaveLength(2);
    resultTo(session, 1, status('TASK_STATE_COMPLETED'));
    await run.finished;
    expect(run.cases()).toEqual(['statusUpdate', 'statusUpdate']);
  });

  it('recovers a stalled stream through GetTask, yields the task and ends when it is terminal', async () => {
    const { session, requester, transport } = setup();
    const run = collect(transport.sendMessageStream(request));
    await flush();
    resultTo(session, 0, status('TASK_STATE_WORKING'));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(session.published).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(session.published).toHaveLength(2);
    expect(session.published[1]!.json).toMatchObject({
      method: 'GetTask',
      params: { id: TASK_ID },
    });
    resultTo(session, 1, task('TASK_STATE_COMPLETED').task);
    await run.finished;
    expect(run.state.error).toBeUndefined();
    expect(run.cases()).toEqual(['statusUpdate', 'task']);
    expect(requester.stats.stallRecoveries).toBe(1);
  });

  it('keeps listening after a non-terminal recovery and fails after maxStallRecoveries', async () => {
    const { session, transport } = setup({ maxStallRecoveries: 1 });
    const run = collect(transport.sendMessageStream(request));
    await flush();
    resultTo(session, 0, status('TASK_STATE_WORKING'));
    await vi.advanceTimersByTimeAsync(30_000);
    resultTo(session, 1, task('TASK_STATE_WORKING').task);
    await flush();
    expect(run.cases()).toEqual(['statusUpdate', 'task']);
    await vi.advanceTimersByTimeAsync(30_000);
    await run.finished;
    expect(run.state.error).toBeInstanceOf(A2AMqttError);
    expect(run.state.error).toMatchObject({ code: 'STREAM_IDLE_TIMEOUT' });
    expect(session.published).toHaveLength(2);
  });

  it('resets the idle timer on each item (one timer per stream)', async () => {
    const { session, transport } = setup();
    const run = collect(transport.sendMessageStream(request));
    await flush();
    for (let i = 0; i < 5; i++) {
      resultTo(session, 0, artifact(`chunk ${i}`, true));
      await vi.advanceTimersByTimeAsync(20_000);
    }
    expect(session.published).toHaveLength(1);
    resultTo(session, 0, status('TASK_STATE_COMPLETED'));
    await run.finished;
    expect(run.items).toHaveLength(6);
  });

  it('ends cleanly on abort', async () => {
    const { session, requester, transport } = setup();
    const controller = new AbortController();
    const run = collect(transport.sendMessageStream(request, { signal: controller.signal }));
    await flush();
    resultTo(session, 0, status('TASK_STATE_WORKING'));
    await flush();
    controller.abort();
    await run.finished;
    expect(run.state.error).toBeUndefined();
    expect(run.items).toHaveLength(1);
    expect(requester.stats.inFlight).toBe(0);
  });

  it('releases the correlation when the consumer stops early', async () => {
    const { session, requester, transport } = setup();
    const stream = transport.sendMessageStream(request);
    const first = stream.next();
    await flush();
    resultTo(session, 0, status('TASK_STATE_WORKING'));
    await first;
    await stream.return(undefined);
    expect(requester.stats.inFlight).toBe(0);
    resultTo(session, 0, status('TASK_STATE_WORKING'));
    expect(requester.stats.unknownCorrelation).toBe(1);
  });

  it('throws mapped errors and malformed items from the stream', async () => {
    const { session, transport } = setup();
    const run = collect(transport.resubscribeTask({ tenant: '', id: TASK_ID }));
    await flush();
    expect(session.published[0]!.json).toMatchObject({
      method: 'SubscribeToTask',
      params: { id: TASK_ID },
    });
    resultTo(session, 0, status('TASK_STATE_WORKING'));
    session.reply(0, '{broken');
    await run.finished;
    expect(run.items).toHaveLength(1);
    expect(run.state.error).toMatchObject({ code: 'TRANSPORT_PROTOCOL_ERROR' });
  });
});

describe('pools and handover', () => {
  function poolSetup() {
    const session = new FakeSession();
    const topics = createTopics({ prefix: 'a2a/v1' });
    const requester = getRequester(session, { topics, random: () => 0.5 });
    const transport = new MqttTransport({ requester, agent: AGENT, topics, pool: 'coders' });
    return { session, requester, transport };
  }

  it('publishes to the pool topic and routes follow-ups to the recorded responder', async () => {
    const { session, transport } = poolSetup();
    expect(transport.requestTopic).toBe('a2a/v1/request/acme/eng/pool/coders');
    const sent = transport.sendMessage({ ...request, message: { ...request.message, taskId: '' } });
    await flush();
    expect(session.published[0]!.topic).toBe('a2a/v1/request/acme/eng/pool/coders');
    const taskId = session.published[0]!.json.params.message.taskId as string;
    session.result(
      0,
      {
        task: { id: taskId, contextId: CONTEXT_ID, status: { state: 'TASK_STATE_INPUT_REQUIRED' } },
      },
      {
        'a2a-responder-agent-id': 'coder-2',
      },
    );
    await sent;
    expect(transport.responderOf(taskId)).toBe('coder-2');
    const get = transport.getTask({ tenant: '', id: taskId });
    await flush();
    expect(session.published[1]!.topic).toBe('a2a/v1/request/acme/eng/coder-2');
    // Handover: a later reply names another responder; the latest value wins.
    session.result(
      1,
      { id: taskId, contextId: CONTEXT_ID, status: { state: 'TASK_STATE_WORKING' } },
      {
        'a2a-responder-agent-id': 'coder-3',
      },
    );
    await get;
    const cancel = transport.cancelTask({ tenant: '', id: taskId, metadata: undefined });
    await flush();
    expect(session.published[2]!.topic).toBe('a2a/v1/request/acme/eng/coder-3');
    session.result(2, {
      id: taskId,
      contextId: CONTEXT_ID,
      status: { state: 'TASK_STATE_CANCELED' },
    });
    await cancel;
    // Unrelated requests still go to the pool.
    const list = transport.listTasks({
      tenant: '',
      contextId: '',
      status: 0,
      pageToken: '',
      statusTimestampAfter: undefined,
    });
    await flush();
    expect(session.published[3]!.topic).toBe('a2a/v1/request/acme/eng/pool/coders');
    session.result(3, { tasks: [] }, { 'a2a-responder-agent-id': 'coder-1' });
    await list;
  });

  it('treats a pooled reply without a2a-responder-agent-id as a protocol error', async () => {
    const { session, requester, transport } = poolSetup();
    const outcome = transport.getTask({ tenant: '', id: TASK_ID }).catch((error: unknown) => error);
    await flush();
    session.result(0, {
      id: TASK_ID,
      contextId: CONTEXT_ID,
      status: { state: 'TASK_STATE_WORKING' },
    });
    expect(await outcome).toMatchObject({ code: 'TRANSPORT_PROTOCOL_ERROR' });
    expect(requester.stats.protocolErrors).toBe(1);
  });

  it('records handover on direct requests', async () => {
    const { session, transport } = setup();
    const pending = transport.getTask({ tenant: '', id: TASK_ID });
    await flush();
    session.result(
      0,
      { id: TASK_ID, contextId: CONTEXT_ID, status: { state: 'TASK_STATE_WORKING' } },
      {
        'a2a-responder-agent-id': 'coder-worker-7',
      },
    );
    await pending;
    const next = transport.getTask({ tenant: '', id: TASK_ID });
    await flush();
    expect(session.published[1]!.topic).toBe('a2a/v1/request/acme/eng/coder-worker-7');
    session.result(1, {
      id: TASK_ID,
      contextId: CONTEXT_ID,
      status: { state: 'TASK_STATE_WORKING' },
    });
    await next;
  });
});
