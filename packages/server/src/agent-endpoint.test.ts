import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
  UnauthenticatedUser,
} from '@a2a-js/sdk/server';
import type { Logger } from '@a2a-mqtt/connection';
import { describe, expect, it, vi } from 'vitest';
import {
  AgentEndpoint,
  isStreamFinal,
  type ReplyChannel,
  type SerializedReply,
  STREAM_PUBLISH_WINDOW,
} from './agent-endpoint.js';
import type { AuthenticateHook } from './call-context.js';
import { MetricsRecorder } from './metrics.js';
import { parseJsonRpcRequest } from './request-envelope.js';
import { createRequestHandler } from './request-handler.js';
import { ScriptedExecutor, sendRequest, testCard } from './test-support/scripted-agent.js';

const address = { org: 'acme', unit: 'lab', agent: 'unit-agent' };
const V1 = { 'A2A-Version': '1.0' };

class CollectingChannel implements ReplyChannel {
  readonly bodies: any[] = [];
  extensions: readonly string[] | undefined;
  async send(body: unknown): Promise<boolean> {
    this.bodies.push(body);
    return true;
  }
  serialize(body: unknown): SerializedReply {
    return { body, payload: JSON.stringify(body), isError: false, fits: true };
  }
  sendSerialized(reply: SerializedReply): Promise<boolean> {
    return this.send(reply.body);
  }
  setActivatedExtensions(extensions: readonly string[]): void {
    this.extensions = extensions;
  }
}

/** A channel whose publishes are acknowledged (or refused) only when the test says so. */
class ManualAckChannel extends CollectingChannel {
  readonly acks: ((sent: boolean) => void)[] = [];
  maxOutstanding = 0;
  private outstanding = 0;
  constructor(private readonly fits: boolean) {
    super();
  }
  override serialize(body: unknown): SerializedReply {
    return { ...super.serialize(body), fits: this.fits };
  }
  override sendSerialized(reply: SerializedReply): Promise<boolean> {
    this.bodies.push(reply.body);
    this.outstanding += 1;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    return new Promise((resolve) => {
      this.acks.push((sent) => {
        this.outstanding -= 1;
        resolve(sent);
      });
    });
  }
}

/** Emits a working task, `count` artifact updates (one per macrotask), then COMPLETED. */
function burstExecutor(count: number): AgentExecutor {
  return {
    async execute(context, bus) {
      const { taskId, contextId } = context;
      const status = (state: TaskState) => ({
        state,
        message: undefined,
        timestamp: new Date().toISOString(),
      });
      bus.publish(
        AgentEvent.task({
          id: taskId,
          contextId,
          status: status(TaskState.TASK_STATE_WORKING),
          artifacts: [],
          history: [],
          metadata: {},
        }),
      );
      for (let i = 0; i < count; i++) {
        bus.publish(
          AgentEvent.artifactUpdate({
            taskId,
            contextId,
            artifact: {
              artifactId: 'a',
              name: 'a',
              description: '',
              parts: [
                {
                  content: { $case: 'text', value: `chunk ${i}` },
                  mediaType: 'text/plain',
                  filename: '',
                  metadata: undefined,
                },
              ],
              metadata: undefined,
              extensions: [],
            },
            append: false,
            lastChunk: false,
            metadata: undefined,
          }),
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: status(TaskState.TASK_STATE_COMPLETED),
          metadata: undefined,
        }),
      );
      bus.finished();
    },
    async cancelTask() {},
  };
}

async function serveManual(count: number, channel: ManualAckChannel) {
  const card = testCard('burst');
  const endpoint = new AgentEndpoint({
    address,
    requestHandler: createRequestHandler({ agentCard: card, agentExecutor: burstExecutor(count) }),
    card,
    authenticate: undefined,
    contextBuilder: undefined,
    requireRequesterTaskId: true,
    metrics: new MetricsRecorder(),
    logger: silentLogger(),
  });
  const body = sendRequest({ method: 'SendStreamingMessage', text: 'x', taskId: randomUUID() });
  const parsed = parseJsonRpcRequest(Buffer.from(JSON.stringify(body)), 1_000_000);
  if (!parsed.ok) throw new Error('test request did not parse');
  let finished = false;
  const done = endpoint
    .serve({ request: parsed.request, id: parsed.id, topic: 't', userProperties: V1 }, channel)
    .then(() => {
      finished = true;
    });
  return { done, isFinished: () => finished };
}

/** Acknowledges every publish as it comes (with `sent`, or `refuseAt` refused) until `stop()`. */
async function ackUntil(channel: ManualAckChannel, stop: () => boolean, refuseAt = -1) {
  let acked = 0;
  while (!stop()) {
    await new Promise((resolve) => setImmediate(resolve));
    for (const ack of channel.acks.splice(0)) {
      ack(acked !== refuseAt);
      acked += 1;
    }
  }
}

function silentLogger(): Logger & { warn: ReturnType<typeof vi.fn> } {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() } as never;
}

function setup(options: { authenticate?: AuthenticateHook; plainStore?: boolean } = {}) {
  const executor = new ScriptedExecutor('unit');
  const card = testCard('unit');
  const requestHandler = options.plainStore
    ? new DefaultRequestHandler(card, new InMemoryTaskStore(), executor)
    : createRequestHandler({ agentCard: card, agentExecutor: executor });
  const logger = silentLogger();
  const metrics = new MetricsRecorder();
  const endpoint = new AgentEndpoint({
    address,
    requestHandler,
    card,
    authenticate: options.authenticate,
    contextBuilder: undefined,
    requireRequesterTaskId: true,
    metrics,
    logger,
  });
  const serve = async (
    body: unknown,
    userProperties: Record<string, string> = V1,
    channel = new CollectingChannel(),
  ) => {
    const parsed = parseJsonRpcRequest(Buffer.from(JSON.stringify(body)), 1_000_000);
    if (!parsed.ok) throw new Error('test request did not parse');
    await endpoint.serve(
      { request: parsed.request, id: parsed.id, topic: 't', userProperties },
      channel,
    );
    return channel;
  };
  return { executor, endpoint, serve, metrics, logger, requestHandler };
}

describe('AgentEndpoint: streams', () => {
  it('ends a stream whose executor published only a finished Task with its status update', async () => {
    const card = testCard('snapshot-only');
    const executor: AgentExecutor = {
      async execute(context, bus) {
        bus.publish(
          AgentEvent.task({
            id: context.taskId,
            contextId: context.contextId,
            status: {
              state: TaskState.TASK_STATE_COMPLETED,
              message: undefined,
              timestamp: new Date().toISOString(),
            },
            artifacts: [],
            history: [context.userMessage],
            metadata: {},
          }),
        );
        bus.finished();
      },
      async cancelTask() {},
    };
    const endpoint = new AgentEndpoint({
      address,
      requestHandler: createRequestHandler({ agentCard: card, agentExecutor: executor }),
      card,
      authenticate: undefined,
      contextBuilder: undefined,
      requireRequesterTaskId: true,
      metrics: new MetricsRecorder(),
      logger: silentLogger(),
    });
    const taskId = randomUUID();
    const body = sendRequest({ method: 'SendStreamingMessage', text: 'x', taskId, id: 'c1' });
    const parsed = parseJsonRpcRequest(Buffer.from(JSON.stringify(body)), 1_000_000);
    if (!parsed.ok) throw new Error('test request did not parse');
    const channel = new CollectingChannel();
    await endpoint.serve(
      { request: parsed.request, id: parsed.id, topic: 't', userProperties: V1 },
      channel,
    );
    expect(channel.bodies).toHaveLength(2);
    expect(channel.bodies[0].result.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(isStreamFinal(channel.bodies[0])).toBe(false);
    expect(channel.bodies[1]).toMatchObject({
      id: 'c1',
      result: { statusUpdate: { taskId, status: { state: 'TASK_STATE_COMPLETED' } } },
    });
    expect(isStreamFinal(channel.bodies[1])).toBe(true);
  });

  it('adds nothing after a stream that ended on its own final status update', async () => {
    const channel = new ManualAckChannel(true);
    const run = await serveManual(2, channel);
    await ackUntil(channel, run.isFinished);
    await run.done;
    const last = channel.bodies.at(-1);
    expect(last.result.statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');
    expect(channel.bodies.filter((body) => isStreamFinal(body))).toHaveLength(1);
  });
});

describe('AgentEndpoint: requester-generated Task.id', () => {
  it('creates the task under the requester id and completes it', async () => {
    const { serve, executor } = setup();
    const taskId = randomUUID();
    const contextId = randomUUID();
    const channel = await serve(sendRequest({ text: 'work', taskId, contextId, id: 7 }));
    expect(channel.bodies).toHaveLength(1);
    const reply = channel.bodies[0];
    expect(reply.id).toBe(7);
    expect(reply.result.task.id).toBe(taskId);
    expect(reply.result.task.contextId).toBe(contextId);
    expect(reply.result.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(executor.executions.get(taskId)).toBe(1);
  });

  it('rejects a missing or malformed Task.id with -32005', async () => {
    const { serve, metrics } = setup();
    for (const taskId of [undefined, 'not-a-uuid', '123e4567-e89b-12d3-a456-426614174000']) {
      const channel = await serve(sendRequest({ text: 'work', taskId }));
      expect(channel.bodies[0].error.code).toBe(-32005);
      expect(channel.bodies[0].error.data.a2a_error).toBe('transport_protocol_error');
    }
    expect(metrics.rejected.protocol).toBe(3);
  });

  it('answers a retry (same messageId) with the task and never runs the executor again', async () => {
    const { serve, executor, metrics } = setup();
    const taskId = randomUUID();
    const request = sendRequest({ text: 'work', taskId, messageId: 'm-1' });
    const first = await serve(request);
    const second = await serve(request);
    expect(first.bodies[0].result.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(second.bodies[0].result.task.id).toBe(taskId);
    expect(second.bodies[0].result.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(executor.executions.get(taskId)).toBe(1);
    expect(metrics.retries).toBe(1);
  });

  it('joins a running blocking send on retry: both replies carry the final task, one execution', async () => {
    const { serve, executor } = setup();
    const taskId = randomUUID();
    const request = sendRequest({ text: 'hold', taskId, messageId: 'm-h' });
    const first = serve(request);
    await vi.waitFor(() => expect(executor.heldCount).toBe(1));
    const retry = serve(request);
    executor.releaseHeld();
    const [a, b] = await Promise.all([first, retry]);
    expect(a.bodies[0].result.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(b.bodies[0].result.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(executor.executions.get(taskId)).toBe(1);
  });

  it('continues an input-required task with a new message on the same Task.id', async () => {
    const { serve, executor } = setup();
    const taskId = randomUUID();
    const contextId = randomUUID();
    const first = await serve(sendRequest({ text: 'ask', taskId, contextId }));
    expect(first.bodies[0].result.task.status.state).toBe('TASK_STATE_INPUT_REQUIRED');
    const second = await serve(sendRequest({ text: 'ask blue', taskId, contextId }));
    expect(second.bodies[0].result.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(second.bodies[0].result.task.contextId).toBe(contextId);
    expect(executor.executions.get(taskId)).toBe(2);
  });

  it('rejects a contextId that differs from the stored one with -32602 (retry and continuation)', async () => {
    const { serve, executor } = setup();
    const taskId = randomUUID();
    await serve(sendRequest({ text: 'ask', taskId, contextId: randomUUID(), messageId: 'm-c' }));
    const retry = await serve(
      sendRequest({ text: 'ask', taskId, contextId: randomUUID(), messageId: 'm-c' }),
    );
    const turn = await serve(sendRequest({ text: 'ask x', taskId, contextId: randomUUID() }));
    expect(retry.bodies[0].error.code).toBe(-32602);
    expect(turn.bodies[0].error.code).toBe(-32602);
    expect(executor.executions.get(taskId)).toBe(1);
  });

  it('warns once when the handler refuses requester ids (store not wrapped)', async () => {
    const { serve, logger } = setup({ plainStore: true });
    const channel = await serve(sendRequest({ text: 'work', taskId: randomUUID() }));
    expect(channel.bodies[0].error.code).toBe(-32001);
    await serve(sendRequest({ text: 'work', taskId: randomUUID() }));
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });
});

describe('AgentEndpoint: stream publish window', () => {
  it('pipelines items up to the window, in order, and ends only after every PUBACK', async () => {
    const channel = new ManualAckChannel(true);
    const count = STREAM_PUBLISH_WINDOW * 3;
    const { done, isFinished } = await serveManual(count, channel);
    // Nothing acknowledged yet: the stream may run ahead by the window, not further.
    await vi.waitFor(() => expect(channel.bodies.length).toBe(STREAM_PUBLISH_WINDOW), {
      timeout: 5_000,
    });
    expect(isFinished()).toBe(false);
    await ackUntil(channel, isFinished);
    await done;
    expect(channel.maxOutstanding).toBe(STREAM_PUBLISH_WINDOW);
    const results = channel.bodies.map((body) => body.result);
    expect(results).toHaveLength(count + 2);
    expect(Object.keys(results[0])).toEqual(['task']);
    results.slice(1, -1).forEach((result, index) => {
      expect(result.artifactUpdate.artifact.parts[0].text).toBe(`chunk ${index}`);
    });
    expect(results.at(-1).statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');
  });

  it('publishes nothing after a refused item once the refusal is known', async () => {
    const channel = new ManualAckChannel(true);
    const { done, isFinished } = await serveManual(STREAM_PUBLISH_WINDOW * 4, channel);
    await ackUntil(channel, isFinished, 3);
    await done;
    // The refused item (index 3) stops the stream within one window of it, with no final status.
    expect(channel.bodies.length).toBeLessThanOrEqual(4 + STREAM_PUBLISH_WINDOW);
    expect(channel.bodies.at(-1).result.statusUpdate).toBeUndefined();
  });

  it('sends an item that may exceed the packet limit alone, after the window drained', async () => {
    const channel = new ManualAckChannel(false);
    const { done, isFinished } = await serveManual(5, channel);
    await ackUntil(channel, isFinished);
    await done;
    expect(channel.maxOutstanding).toBe(1);
    expect(channel.bodies).toHaveLength(7);
  });
});

describe('AgentEndpoint: streams', () => {
  it('streams task, working, artifact, completed and stops at the final status', async () => {
    const { serve } = setup();
    const taskId = randomUUID();
    const channel = await serve(
      sendRequest({ method: 'SendStreamingMessage', text: 'work', taskId, id: 'abc' }),
    );
    const kinds = channel.bodies.map((body) => Object.keys(body.result)[0]);
    expect(kinds).toEqual(['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate']);
    expect(channel.bodies.every((body) => body.id === 'abc')).toBe(true);
    expect(channel.bodies[0].result.task.status.state).toBe('TASK_STATE_SUBMITTED');
    expect(channel.bodies[1].result.statusUpdate.status.state).toBe('TASK_STATE_WORKING');
    expect(channel.bodies[3].result.statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');
  });

  it('a stream retry while running re-attaches to the running stream (one execution)', async () => {
    const { serve, executor } = setup();
    const taskId = randomUUID();
    const request = sendRequest({
      method: 'SendStreamingMessage',
      text: 'hold',
      taskId,
      messageId: 'm-s',
    });
    const first = serve(request);
    await vi.waitFor(() => expect(executor.heldCount).toBe(1));
    const retryChannel = new CollectingChannel();
    const retry = serve(request, V1, retryChannel);
    // The SDK's SubscribeToTask subscribes to the task's events before it yields the snapshot:
    // once the retry published the snapshot, it sees every later event of the task.
    await vi.waitFor(() => expect(retryChannel.bodies).toHaveLength(1));
    expect(retryChannel.bodies[0].result.task.status.state).not.toBe('TASK_STATE_COMPLETED');
    executor.releaseHeld();
    const [a, b] = await Promise.all([first, retry]);
    expect(a.bodies.at(-1).result.statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');
    expect(b.bodies[0].result.task.id).toBe(taskId);
    expect(b.bodies.at(-1).result.statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');
    expect(executor.executions.get(taskId)).toBe(1);
  });

  it('a stream retry of a finished task gets the snapshot and its final status', async () => {
    const { serve, executor } = setup();
    const taskId = randomUUID();
    const request = sendRequest({
      method: 'SendStreamingMessage',
      text: 'work',
      taskId,
      messageId: 'm-f',
    });
    await serve(request);
    const retry = await serve(request);
    expect(retry.bodies.map((body) => Object.keys(body.result)[0])).toEqual([
      'task',
      'statusUpdate',
    ]);
    expect(retry.bodies[1].result.statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');
    expect(executor.executions.get(taskId)).toBe(1);
  });

  it('SubscribeToTask on an input-required task gets the snapshot and its status, then ends', async () => {
    const { serve, executor } = setup();
    const taskId = randomUUID();
    await serve(sendRequest({ method: 'SendStreamingMessage', text: 'ask', taskId }));
    // Without the snapshot's status the SDK's resubscription would stay attached: `serve`
    // resolving at all shows that the stream ended.
    const channel = await serve({
      jsonrpc: '2.0',
      id: 'sub',
      method: 'SubscribeToTask',
      params: { id: taskId },
    });
    expect(channel.bodies.map((body) => Object.keys(body.result)[0])).toEqual([
      'task',
      'statusUpdate',
    ]);
    expect(channel.bodies.every((body) => body.id === 'sub')).toBe(true);
    expect(channel.bodies[0].result.task.status.state).toBe('TASK_STATE_INPUT_REQUIRED');
    expect(channel.bodies[1].result.statusUpdate).toMatchObject({
      taskId,
      status: { state: 'TASK_STATE_INPUT_REQUIRED' },
    });
    expect(isStreamFinal(channel.bodies[1])).toBe(true);
    // Terminal and unknown tasks are still answered by the SDK (an error).
    const doneId = randomUUID();
    await serve(sendRequest({ text: 'work', taskId: doneId }));
    for (const [subscribed, code] of [
      [doneId, -32004], // UnsupportedOperation: a terminal task cannot be subscribed to
      [randomUUID(), -32001], // TaskNotFound
    ] as const) {
      const answered = await serve({
        jsonrpc: '2.0',
        id: 'u',
        method: 'SubscribeToTask',
        params: { id: subscribed },
      });
      expect(answered.bodies).toEqual([
        expect.objectContaining({ id: 'u', error: expect.objectContaining({ code }) }),
      ]);
    }
    expect(executor.executions.get(taskId)).toBe(1);
  });

  it('an executor failure ends the stream with FAILED', async () => {
    const { serve } = setup();
    const channel = await serve(
      sendRequest({ method: 'SendStreamingMessage', text: 'fail', taskId: randomUUID() }),
    );
    expect(channel.bodies.at(-1).result.statusUpdate.status.state).toBe('TASK_STATE_FAILED');
  });

  it('isStreamFinal: errors, messages and final states end a stream', () => {
    expect(isStreamFinal({ jsonrpc: '2.0', id: 1, error: { code: 1 } })).toBe(true);
    expect(isStreamFinal({ jsonrpc: '2.0', id: 1, result: { message: {} } })).toBe(true);
    for (const state of [
      'COMPLETED',
      'FAILED',
      'CANCELED',
      'REJECTED',
      'INPUT_REQUIRED',
      'AUTH_REQUIRED',
    ]) {
      expect(
        isStreamFinal({
          jsonrpc: '2.0',
          id: 1,
          result: { statusUpdate: { status: { state: `TASK_STATE_${state}` } } },
        }),
      ).toBe(true);
    }
    expect(
      isStreamFinal({
        jsonrpc: '2.0',
        id: 1,
        result: { statusUpdate: { status: { state: 'TASK_STATE_WORKING' } } },
      }),
    ).toBe(false);
    expect(isStreamFinal({ jsonrpc: '2.0', id: 1, result: { task: {} } })).toBe(false);
    // A snapshot never ends a stream, even in a final state: its status update does.
    for (const state of ['COMPLETED', 'INPUT_REQUIRED']) {
      expect(
        isStreamFinal({
          jsonrpc: '2.0',
          id: 1,
          result: { task: { status: { state: `TASK_STATE_${state}` } } },
        }),
      ).toBe(false);
    }
  });
});

describe('AgentEndpoint: call context', () => {
  it('rejects a request without A2A-Version (0.3 is not served) with the SDK error', async () => {
    const { serve, metrics } = setup();
    const channel = await serve(
      { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: randomUUID() } },
      {},
    );
    expect(channel.bodies[0].error.code).toBe(-32009);
    expect(metrics.rejected.version).toBe(1);
  });

  it('hands the bearer token to authenticate only, and maps a refusal to -32600', async () => {
    const seen: unknown[] = [];
    const { serve, metrics } = setup({
      authenticate: (context) => {
        seen.push(context);
        if (context.bearerToken !== 'good') throw new Error(`bad token ${context.bearerToken}`);
        return new UnauthenticatedUser();
      },
    });
    const ok = await serve(
      { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: randomUUID() } },
      {
        ...V1,
        'a2a-authorization': 'Bearer good',
      },
    );
    expect(ok.bodies[0].error.code).toBe(-32001);
    const refused = await serve(
      { jsonrpc: '2.0', id: 2, method: 'GetTask', params: { id: randomUUID() } },
      {
        ...V1,
        'a2a-authorization': 'Bearer secret-token',
      },
    );
    expect(refused.bodies[0].error).toEqual({ code: -32600, message: 'Unauthenticated.' });
    expect(JSON.stringify(refused.bodies)).not.toContain('secret-token');
    expect(metrics.rejected.unauthenticated).toBe(1);
    expect((seen[0] as { userProperties: Record<string, string> }).userProperties).toEqual(V1);
  });

  it('rejects bad binding metadata with -32005', async () => {
    const { serve } = setup();
    const taskId = randomUUID();
    const cases: Record<string, string>[] = [
      { ...V1, 'a2a-security-profile': 'ubsp-v1' },
      { ...V1, 'a2a-recipient-agent-id': 'someone-else' },
      { ...V1, 'a2a-authorization': 'Basic abc' },
      { ...V1, 'a2a-context-id': randomUUID() },
    ];
    for (const properties of cases) {
      const channel = await serve(
        sendRequest({ text: 'work', taskId, contextId: randomUUID() }),
        properties,
      );
      expect(channel.bodies[0].error.code).toBe(-32005);
    }
  });
});
