import { Role, TaskState } from '@a2a-js/sdk';
import { TaskNotFoundError } from '@a2a-js/sdk/errors';
import { type Logger, MqttSession } from '@a2a-mqtt/connection';
import { createTopics } from '@a2a-mqtt/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MqttTransport } from './mqtt-transport';
import { MqttTransportFactory } from './mqtt-transport-factory';
import { errorFromJsonRpcReply } from './reply-errors';
import { getRequester, type MqttRequester, type MqttRequesterOptions } from './requester';
import { FakeSession, flush } from './test-support/fake-session';
import type { UnmatchedReply } from './unmatched-reply';

const topics = createTopics({ prefix: 'a2a/v1' });
const AGENT = { org: 'acme', unit: 'eng', agent: 'coder' };
const TASK_ID = '3b0c5c5e-2b7c-4b53-9d55-9d6f4a1f0a11';
const CONTEXT_ID = 'a7c4f1de-8f55-4c44-b7a5-0c3a0d8c6a22';
/** Correlation Data of a request made by an earlier process (no call of this requester). */
const FOREIGN = Buffer.from('0123456789abcdef', 'latin1');

const statusUpdate = (state: string) => ({
  statusUpdate: { taskId: TASK_ID, contextId: CONTEXT_ID, status: { state } },
});

let requesters: MqttRequester[] = [];
afterEach(async () => {
  for (const requester of requesters) await requester.close();
  requesters = [];
});

function spyLogger() {
  return {
    debug: vi.fn(),
    info: vi.fn(),
    warn: vi.fn(),
    error: vi.fn(),
  } satisfies Logger;
}

async function setup(options: MqttRequesterOptions = {}) {
  const session = new FakeSession();
  const replies: UnmatchedReply[] = [];
  const requester = getRequester(session, {
    topics,
    onUnmatchedReply: (reply) => replies.push(reply),
    ...options,
  });
  requesters.push(requester);
  await requester.start();
  /** Delivers `body` on the reply topic with foreign Correlation Data. */
  const deliver = (body: unknown, userProperties?: Record<string, string>) =>
    session.deliver({
      topic: requester.replyTopic,
      payload: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      properties: {
        correlationData: Buffer.from(FOREIGN),
        ...(userProperties ? { userProperties } : {}),
      },
    });
  return { session, requester, replies, deliver };
}

describe('onUnmatchedReply', () => {
  it('hands a stream item of an earlier process to the hook, decoded, and still counts it', async () => {
    const { requester, replies, deliver } = await setup();
    const result = statusUpdate('TASK_STATE_WORKING');
    deliver({ jsonrpc: '2.0', id: 7, result }, { 'a2a-responder-agent-id': 'coder-2' });
    expect(replies).toHaveLength(1);
    const reply = replies[0]!;
    expect(reply.topic).toBe(requester.replyTopic);
    expect(reply.correlationData.equals(FOREIGN)).toBe(true);
    expect(reply.responderAgentId).toBe('coder-2');
    expect(reply.result).toEqual(result);
    expect(reply.item?.payload?.$case).toBe('statusUpdate');
    if (reply.item?.payload?.$case === 'statusUpdate') {
      expect(reply.item.payload.value.taskId).toBe(TASK_ID);
      expect(reply.item.payload.value.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    }
    expect(reply.error).toBeUndefined();
    expect(reply.malformed).toBeUndefined();
    expect(requester.stats).toMatchObject({
      unknownCorrelation: 1,
      missingCorrelation: 0,
      malformedReplies: 0,
      protocolErrors: 0,
    });
  });

  it('decodes every kind of stream item: task, message, artifact update', async () => {
    const { replies, deliver } = await setup();
    deliver({
      jsonrpc: '2.0',
      id: 1,
      result: {
        task: { id: TASK_ID, contextId: CONTEXT_ID, status: { state: 'TASK_STATE_SUBMITTED' } },
      },
    });
    deliver({
      jsonrpc: '2.0',
      id: 1,
      result: {
        message: { messageId: 'm1', role: 'ROLE_AGENT', parts: [{ text: 'hi' }] },
      },
    });
    deliver({
      jsonrpc: '2.0',
      id: 1,
      result: {
        artifactUpdate: {
          taskId: TASK_ID,
          contextId: CONTEXT_ID,
          artifact: { artifactId: 'a1', parts: [{ text: 'code' }] },
        },
      },
    });
    expect(replies.map((reply) => reply.item?.payload?.$case)).toEqual([
      'task',
      'message',
      'artifactUpdate',
    ]);
    const message = replies[1]?.item?.payload;
    expect(message?.$case === 'message' && message.value.role).toBe(Role.ROLE_AGENT);
  });

  it('gives a unary result (a bare GetTask task) as result only, without an item', async () => {
    const { replies, deliver } = await setup();
    const task = { id: TASK_ID, contextId: CONTEXT_ID, status: { state: 'TASK_STATE_COMPLETED' } };
    deliver({ jsonrpc: '2.0', id: 3, result: task });
    deliver({ jsonrpc: '2.0', id: 4, result: null });
    deliver({ jsonrpc: '2.0', id: 5, result: [] });
    expect(replies).toHaveLength(3);
    expect(replies[0]).toMatchObject({ result: task });
    expect(replies[0]!.item).toBeUndefined();
    expect(replies[1]).toMatchObject({ result: null });
    expect('result' in replies[1]!).toBe(true);
    expect(replies[1]!.item).toBeUndefined();
    expect(replies[2]).toMatchObject({ result: [] });
    expect(replies[2]!.item).toBeUndefined();
    for (const reply of replies) {
      expect(reply.error).toBeUndefined();
      expect(reply.malformed).toBeUndefined();
      expect(reply.responderAgentId).toBeUndefined();
    }
  });

  it('gives an error reply as error (mappable with errorFromJsonRpcReply)', async () => {
    const { requester, replies, deliver } = await setup();
    deliver({
      jsonrpc: '2.0',
      id: 2,
      error: { code: -32001, message: 'Task not found', data: { taskId: TASK_ID } },
    });
    deliver({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'boom' } });
    expect(replies).toHaveLength(2);
    expect(replies[0]!.error).toEqual({
      code: -32001,
      message: 'Task not found',
      data: { taskId: TASK_ID },
    });
    expect(replies[0]!.result).toBeUndefined();
    expect(replies[0]!.item).toBeUndefined();
    expect('result' in replies[0]!).toBe(false);
    expect(replies[1]!.error).toEqual({ code: -32603, message: 'boom' });
    expect('data' in replies[1]!.error!).toBe(false);
    expect(errorFromJsonRpcReply(replies[0]!.error!, null)).toBeInstanceOf(TaskNotFoundError);
    expect(requester.stats).toMatchObject({ unknownCorrelation: 2, malformedReplies: 0 });
  });

  it('flags a payload that is not a JSON-RPC response as malformed', async () => {
    const { requester, replies, deliver } = await setup();
    const bodies = [
      '{broken',
      '',
      '"text"',
      '{}',
      { jsonrpc: '1.0', id: 1, result: {} },
      { jsonrpc: '2.0', id: 1 },
      { jsonrpc: '2.0', id: 1, error: { code: 'x', message: 'y' } },
      { jsonrpc: '2.0', id: 1, error: null },
    ];
    for (const body of bodies) deliver(body, { 'a2a-responder-agent-id': 'not a valid id!' });
    expect(replies).toHaveLength(bodies.length);
    for (const reply of replies) {
      expect(reply).toEqual({
        topic: requester.replyTopic,
        correlationData: FOREIGN,
        malformed: true,
      });
    }
    // Not a request's malformed reply: only the unknown correlation is counted.
    expect(requester.stats).toMatchObject({
      unknownCorrelation: bodies.length,
      malformedReplies: 0,
    });
  });

  it('logs a hook that throws and keeps dispatching (other unmatched and matched replies)', async () => {
    const logger = spyLogger();
    let calls = 0;
    const { session, requester, deliver } = await setup({
      logger,
      onUnmatchedReply: () => {
        calls++;
        throw new Error('hook failed');
      },
    });
    const transport = new MqttTransport({ requester, agent: AGENT, topics });
    const pending = transport.getTask({ tenant: '', id: TASK_ID });
    await flush();
    expect(() =>
      deliver({ jsonrpc: '2.0', id: 1, result: statusUpdate('TASK_STATE_WORKING') }),
    ).not.toThrow();
    deliver('{broken');
    expect(calls).toBe(2);
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.error.mock.calls[0]![0]).toMatchObject({ topic: requester.replyTopic });
    expect(logger.error.mock.calls[0]![1]).toMatch(/onUnmatchedReply/);
    // The request in flight is not disturbed.
    session.result(0, {
      id: TASK_ID,
      contextId: CONTEXT_ID,
      status: { state: 'TASK_STATE_WORKING' },
    });
    await expect(pending).resolves.toMatchObject({ id: TASK_ID });
    expect(requester.stats).toMatchObject({ unknownCorrelation: 2, inFlight: 0 });
  });

  it('logs an async hook that rejects', async () => {
    const logger = spyLogger();
    const { requester, deliver } = await setup({
      logger,
      onUnmatchedReply: async () => {
        throw new Error('async hook failed');
      },
    });
    deliver({ jsonrpc: '2.0', id: 1, result: statusUpdate('TASK_STATE_WORKING') });
    await flush();
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![0]).toMatchObject({ topic: requester.replyTopic });
  });

  it('does not read or decode unmatched payloads when no hook is set', async () => {
    const session = new FakeSession();
    const requester = getRequester(session, { topics });
    requesters.push(requester);
    await requester.start();
    const payload = Buffer.from(
      JSON.stringify({ jsonrpc: '2.0', id: 1, result: statusUpdate('TASK_STATE_WORKING') }),
    );
    const readPayload = vi.spyOn(payload, 'toString');
    const parse = vi.spyOn(JSON, 'parse');
    try {
      session.deliver({
        topic: requester.replyTopic,
        payload,
        properties: { correlationData: Buffer.from(FOREIGN) },
      });
      expect(readPayload).not.toHaveBeenCalled();
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    expect(requester.stats.unknownCorrelation).toBe(1);
  });

  it('never receives replies without Correlation Data, nor replies of calls in flight', async () => {
    const { session, requester, replies } = await setup();
    session.deliver({
      topic: requester.replyTopic,
      payload: Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} })),
      properties: {},
    });
    session.deliver({
      topic: requester.replyTopic,
      payload: Buffer.from('{}'),
      properties: { correlationData: Buffer.alloc(0) },
    });
    expect(requester.stats).toMatchObject({ missingCorrelation: 2, unknownCorrelation: 0 });
    const transport = new MqttTransport({ requester, agent: AGENT, topics });
    const pending = transport.getTask({ tenant: '', id: TASK_ID });
    await flush();
    session.result(0, {
      id: TASK_ID,
      contextId: CONTEXT_ID,
      status: { state: 'TASK_STATE_WORKING' },
    });
    await pending;
    expect(replies).toEqual([]);
  });

  it('receives late replies of calls this requester finished (a stream stopped early)', async () => {
    const { session, requester, replies } = await setup();
    const transport = new MqttTransport({ requester, agent: AGENT, topics });
    const stream = transport.resubscribeTask({ tenant: '', id: TASK_ID });
    const first = stream.next();
    await flush();
    session.result(0, statusUpdate('TASK_STATE_WORKING'));
    await first;
    await stream.return(undefined);
    expect(replies).toEqual([]);
    session.result(0, statusUpdate('TASK_STATE_COMPLETED'), { 'a2a-responder-agent-id': 'coder' });
    expect(replies).toHaveLength(1);
    expect(
      replies[0]!.correlationData.equals(session.published[0]!.properties.correlationData),
    ).toBe(true);
    expect(replies[0]).toMatchObject({ responderAgentId: 'coder' });
    const item = replies[0]!.item?.payload;
    expect(item?.$case === 'statusUpdate' && item.value.status?.state).toBe(
      TaskState.TASK_STATE_COMPLETED,
    );
  });

  it('subscribes its reply topic on a session that has not connected yet (before the CONNACK)', async () => {
    // Never connected: constructing an MqttSession opens no socket.
    const session = new MqttSession({
      url: 'mqtt://127.0.0.1:9',
      clientId: 'acme/eng/pipeline',
      session: { persistent: true, expiryIntervalSeconds: 60 },
      reconnect: { enabled: false },
    });
    try {
      const requester = getRequester(session, {
        topics,
        replySuffix: 'jobs',
        onUnmatchedReply: () => undefined,
      });
      requesters.push(requester);
      await requester.start();
      expect(requester.ready).toBe(true);
      expect(requester.replyTopic).toBe('a2a/v1/reply/acme/eng/pipeline/jobs');
      expect(session.connected).toBe(false);
    } finally {
      await session.close();
    }
  });

  it('is reachable through MqttTransportFactory requesterOptions', async () => {
    const session = new FakeSession();
    const replies: UnmatchedReply[] = [];
    const factory = new MqttTransportFactory({
      session,
      requesterOptions: { topics, onUnmatchedReply: (reply) => replies.push(reply) },
    });
    requesters.push(factory.requester);
    await factory.requester.start();
    session.deliver({
      topic: factory.requester.replyTopic,
      payload: Buffer.from(
        JSON.stringify({ jsonrpc: '2.0', id: 1, result: statusUpdate('TASK_STATE_WORKING') }),
      ),
      properties: { correlationData: Buffer.from(FOREIGN) },
    });
    expect(replies.map((reply) => reply.item?.payload?.$case)).toEqual(['statusUpdate']);
  });
});
