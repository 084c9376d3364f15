import {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  Role,
  Message as SdkMessage,
  Task as SdkTask,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  TaskArtifactUpdateEvent,
  TaskPushNotificationConfig,
  TaskState,
  TaskStatusUpdateEvent,
} from '@a2a-js/sdk';
import {
  A2A_BINDING_ERROR,
  type BindingErrorKind,
  buildBindingError,
  createTopics,
} from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import {
  A2A_ROLES,
  A2A_TASK_STATES,
  a2aResultProblems,
  createWireValidationState,
  jsonRpcRequestProblems,
  jsonRpcResponseProblems,
  requestParamsProblems,
  type SniffedMessage,
  validateWireMessage,
  WIRE_RULE,
  type WireValidationState,
} from './wire-validation.js';

const topics = createTopics({ prefix: 'a2a/v1' });
const alice = { org: 'acme', unit: 'sales', agent: 'alice' };
const replyTopic = topics.reply({ org: 'acme', unit: 'sales', requester: 'bob', suffix: 'r1' });

let index = 0;
function message(
  topic: string,
  payload: string | object,
  extra: Partial<SniffedMessage> = {},
): SniffedMessage {
  return {
    index: index++,
    topic,
    payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    qos: 1,
    retain: false,
    properties: {},
    receivedAt: 0,
    parsed: topics.parse(topic),
    ...extra,
  };
}

const card = {
  name: 'Alice',
  description: 'test agent',
  version: '1.0.0',
  supportedInterfaces: [
    {
      url: 'mqtt://127.0.0.1:1883/a2a/v1/request/acme/sales/alice',
      protocolBinding: 'MQTT5+JSONRPC',
      protocolVersion: '1.0',
    },
  ],
  capabilities: { streaming: true },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'echo', name: 'Echo', description: 'echoes', tags: ['test'] }],
};

const TASK_ID = '3f1c2a4e-8b7d-4c6e-9a1f-0d2b3c4e5f60';
const CONTEXT_ID = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const userMessage = {
  messageId: 'msg-1',
  role: 'ROLE_USER',
  parts: [{ text: 'hello' }],
  taskId: TASK_ID,
  contextId: CONTEXT_ID,
};
const request = { jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: userMessage } };
/** The service parameter every request carries. */
const version = { 'A2A-Version': '1.0' };
const task = { id: TASK_ID, contextId: CONTEXT_ID, status: { state: 'TASK_STATE_COMPLETED' } };
const pushConfig = { id: 'cfg-1', taskId: TASK_ID, url: 'https://hooks.example.com/a2a' };

/** Valid `params` of a request to `method`. */
function paramsOf(method: string): Record<string, unknown> {
  switch (method) {
    case 'SendMessage':
    case 'SendStreamingMessage':
      return { message: userMessage };
    case 'GetTask':
    case 'CancelTask':
    case 'SubscribeToTask':
      return { id: TASK_ID };
    case 'ListTasks':
      return { contextId: CONTEXT_ID };
    case 'CreateTaskPushNotificationConfig':
      return { taskId: TASK_ID, url: 'https://hooks.example.com/a2a' };
    case 'GetTaskPushNotificationConfig':
    case 'DeleteTaskPushNotificationConfig':
      return { taskId: TASK_ID, id: 'cfg-1' };
    case 'ListTaskPushNotificationConfigs':
      return { taskId: TASK_ID };
    default:
      return {};
  }
}

function rules(violations: { rule: string }[]): string[] {
  return violations.map((violation) => violation.rule);
}

describe('validateWireMessage', () => {
  it('accepts a retained valid card with presence properties, and an empty unregister', () => {
    const state = createWireValidationState();
    const online = message(topics.discovery(alice), card, {
      retain: true,
      properties: { userProperties: { 'a2a-status': 'online', 'a2a-status-source': 'agent' } },
    });
    expect(validateWireMessage(online, topics, state)).toEqual([]);
    expect(online.json).toEqual(card);
    expect(validateWireMessage(message(topics.discovery(alice), ''), topics, state)).toEqual([]);
  });

  it('flags invalid cards, missing presence, bad presence values and the retain flag', () => {
    const state = createWireValidationState();
    const violations = validateWireMessage(
      message(
        topics.discovery(alice),
        { name: 'x' },
        {
          properties: { userProperties: { 'a2a-status': 'busy' } },
        },
      ),
      topics,
      state,
    );
    expect(rules(violations).sort()).toEqual(
      [
        WIRE_RULE.DISCOVERY_INVALID_CARD,
        WIRE_RULE.DISCOVERY_NOT_RETAINED,
        WIRE_RULE.DISCOVERY_PRESENCE_MISSING,
        WIRE_RULE.PRESENCE_INVALID,
      ].sort(),
    );
    expect(violations.find((v) => v.rule === WIRE_RULE.PRESENCE_INVALID)?.message).toContain(
      '"busy"',
    );
    expect(violations.find((v) => v.rule === WIRE_RULE.DISCOVERY_INVALID_CARD)?.message).toContain(
      'description',
    );
  });

  it('flags topics outside the grammar', () => {
    const violations = validateWireMessage(
      message('a2a/v1/nonsense/x', '{}'),
      topics,
      createWireValidationState(),
    );
    expect(rules(violations)).toEqual([WIRE_RULE.TOPIC_UNPARSEABLE]);
  });

  it('accepts a well-formed request and flags each missing piece of a malformed one', () => {
    const state = createWireValidationState();
    const good = message(topics.request(alice), request, {
      properties: {
        responseTopic: replyTopic,
        correlationData: Buffer.from([1, 2]),
        userProperties: version,
      },
    });
    expect(validateWireMessage(good, topics, state)).toEqual([]);
    const bad = validateWireMessage(
      message(topics.request(alice), '{"jsonrpc":"2.0","id":', { qos: 0 }),
      topics,
      state,
    );
    expect(rules(bad).sort()).toEqual(
      [
        WIRE_RULE.REQUEST_CORRELATION_MISSING,
        WIRE_RULE.REQUEST_INVALID_JSON_RPC,
        WIRE_RULE.REQUEST_QOS,
        WIRE_RULE.REQUEST_RESPONSE_TOPIC_MISSING,
        WIRE_RULE.REQUEST_VERSION_MISSING,
      ].sort(),
    );
    const notReply = validateWireMessage(
      message(topics.request(alice), request, {
        properties: {
          responseTopic: 'somewhere/else',
          correlationData: Buffer.from([1]),
          userProperties: version,
        },
      }),
      topics,
      state,
    );
    expect(rules(notReply)).toEqual([WIRE_RULE.REQUEST_RESPONSE_TOPIC_NOT_REPLY]);
  });

  it('skips an empty settle probe on a reply topic, but not a probe-marked message with a body', () => {
    const state = createWireValidationState();
    const probe = message(replyTopic, '', {
      properties: { userProperties: { 'a2a-probe': 'discovery-settle' } },
    });
    expect(validateWireMessage(probe, topics, state)).toEqual([]);
    const unmarked = message(replyTopic, '');
    expect(rules(validateWireMessage(unmarked, topics, state))).toContain(
      WIRE_RULE.REPLY_CORRELATION_MISSING,
    );
    const disguised = message(
      replyTopic,
      { jsonrpc: '2.0', id: 1, result: { task } },
      {
        properties: { userProperties: { 'a2a-probe': 'x' } },
      },
    );
    expect(rules(validateWireMessage(disguised, topics, state))).toContain(
      WIRE_RULE.REPLY_CORRELATION_MISSING,
    );
  });

  it('checks replies: correlation present and matching a seen request, JSON-RPC response body', () => {
    const state = createWireValidationState();
    validateWireMessage(
      message(topics.request(alice), request, {
        properties: {
          responseTopic: replyTopic,
          correlationData: Buffer.from([1, 2]),
          userProperties: version,
        },
      }),
      topics,
      state,
    );
    const ok = message(
      replyTopic,
      { jsonrpc: '2.0', id: 1, result: { task } },
      {
        properties: { correlationData: Buffer.from([1, 2]) },
      },
    );
    expect(validateWireMessage(ok, topics, state)).toEqual([]);
    const stranger = validateWireMessage(
      message(
        replyTopic,
        { jsonrpc: '2.0', id: 1, result: { task } },
        {
          properties: { correlationData: Buffer.from([9]) },
        },
      ),
      topics,
      state,
    );
    expect(rules(stranger)).toEqual([WIRE_RULE.REPLY_UNCORRELATED]);
    const broken = validateWireMessage(
      message(replyTopic, {
        jsonrpc: '2.0',
        id: 1,
        result: { task },
        error: { code: 1, message: 'x' },
      }),
      topics,
      state,
    );
    expect(rules(broken).sort()).toEqual(
      [WIRE_RULE.REPLY_CORRELATION_MISSING, WIRE_RULE.REPLY_INVALID_JSON_RPC].sort(),
    );
  });

  it('does not parse binary artifact chunks as JSON', () => {
    const chunk = message(replyTopic, 'raw bytes', {
      properties: {
        correlationData: Buffer.from([3]),
        userProperties: { 'a2a-event-type': 'task-artifact-update' },
      },
    });
    expect(validateWireMessage(chunk, topics, createWireValidationState())).toEqual([]);
  });
});

describe('pooled replies and bearer tokens', () => {
  const pool = { org: 'acme', unit: 'sales', pool: 'workers' };
  const correlationData = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const reply = { jsonrpc: '2.0', id: 1, result: { task } };

  it('flags a reply to a pooled request without a2a-responder-agent-id, not one with it', () => {
    const state = createWireValidationState();
    const pooled = message(topics.poolRequest(pool), request, {
      properties: { responseTopic: replyTopic, correlationData, userProperties: version },
    });
    expect(validateWireMessage(pooled, topics, state)).toEqual([]);
    const anonymous = validateWireMessage(
      message(replyTopic, reply, { properties: { correlationData } }),
      topics,
      state,
    );
    expect(rules(anonymous)).toEqual([WIRE_RULE.REPLY_RESPONDER_MISSING]);
    const again = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
    validateWireMessage(
      message(topics.poolRequest(pool), request, {
        properties: { responseTopic: replyTopic, correlationData: again, userProperties: version },
      }),
      topics,
      state,
    );
    const named = message(replyTopic, reply, {
      properties: {
        correlationData: again,
        userProperties: { 'a2a-responder-agent-id': 'alice' },
      },
    });
    expect(validateWireMessage(named, topics, state)).toEqual([]);
  });

  it('does not ask direct replies for a responder id', () => {
    const state = createWireValidationState();
    const direct = message(topics.request(alice), request, {
      properties: { responseTopic: replyTopic, correlationData, userProperties: version },
    });
    expect(validateWireMessage(direct, topics, state)).toEqual([]);
    expect(
      validateWireMessage(
        message(replyTopic, reply, { properties: { correlationData } }),
        topics,
        state,
      ),
    ).toEqual([]);
  });

  it('flags a bearer token of a request echoed in a reply payload, a reply property or a card', () => {
    const state = createWireValidationState();
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    // One request (with the token) per reply: a unary request gets one reply.
    let next = 0;
    const ask = () => {
      const correlation = Buffer.from([0xbe, next++]);
      const withToken = message(topics.request(alice), request, {
        properties: {
          responseTopic: replyTopic,
          correlationData: correlation,
          userProperties: { ...version, 'a2a-authorization': `Bearer ${token}` },
        },
      });
      expect(validateWireMessage(withToken, topics, state)).toEqual([]);
      return correlation;
    };
    const clean = message(replyTopic, reply, { properties: { correlationData: ask() } });
    expect(validateWireMessage(clean, topics, state)).toEqual([]);
    const inPayload = message(
      replyTopic,
      { ...reply, result: { task: { ...task, metadata: { note: `got ${token}` } } } },
      {
        properties: { correlationData: ask() },
      },
    );
    expect(rules(validateWireMessage(inPayload, topics, state))).toEqual([WIRE_RULE.TOKEN_ECHOED]);
    const inProperty = message(replyTopic, reply, {
      properties: { correlationData: ask(), userProperties: { 'x-debug': token } },
    });
    expect(rules(validateWireMessage(inProperty, topics, state))).toEqual([WIRE_RULE.TOKEN_ECHOED]);
    const cardWithToken = message(
      topics.discovery(alice),
      { ...card, description: token },
      {
        retain: true,
        properties: { userProperties: { 'a2a-status': 'online', 'a2a-status-source': 'agent' } },
      },
    );
    expect(rules(validateWireMessage(cardWithToken, topics, state))).toEqual([
      WIRE_RULE.TOKEN_ECHOED,
    ]);
  });
});

describe('JSON-RPC shape checks', () => {
  it('describes request problems precisely', () => {
    expect(jsonRpcRequestProblems(request)).toEqual([]);
    expect(jsonRpcRequestProblems({ jsonrpc: '1.0', method: '', params: 3 })).toEqual([
      'jsonrpc is "1.0", expected "2.0"',
      'method is "", expected a non-empty string',
      'id is undefined, expected a string or number (a request expects a reply)',
      'params is 3, expected an object or array',
    ]);
    expect(jsonRpcRequestProblems([])).toHaveLength(1);
  });

  it('describes response problems precisely', () => {
    expect(
      jsonRpcResponseProblems({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'x' } }),
    ).toEqual([]);
    expect(jsonRpcResponseProblems({ jsonrpc: '2.0', id: 1 })).toEqual([
      'expected exactly one of "result" and "error"',
    ]);
    expect(jsonRpcResponseProblems({ jsonrpc: '2.0', id: 1, error: { code: 1.5 } })).toEqual([
      'error.code is 1.5, expected an integer',
      'error.message is undefined, expected a string',
    ]);
  });
});

describe('A2A payload rules', () => {
  let nextCorrelation = 0;
  /** Fresh Correlation Data (every request publish needs its own). */
  const fresh = () => Buffer.from([0xa1, 0xb2, nextCorrelation >> 8, nextCorrelation++ & 0xff]);

  function sendRequest(
    body: object,
    userProperties: Record<string, string> = version,
    correlation = fresh(),
  ): SniffedMessage {
    return message(topics.request(alice), body, {
      properties: { responseTopic: replyTopic, correlationData: correlation, userProperties },
    });
  }

  function replyTo(body: object, correlation: Buffer): SniffedMessage {
    return message(replyTopic, body, { properties: { correlationData: correlation } });
  }

  const status = (state: string) => ({
    statusUpdate: { taskId: TASK_ID, contextId: CONTEXT_ID, status: { state } },
  });

  /** Validates a request (expected valid) and returns its Correlation Data. */
  function asked(state: WireValidationState, body: object): Buffer {
    const correlation = fresh();
    expect(validateWireMessage(sendRequest(body, version, correlation), topics, state)).toEqual([]);
    return correlation;
  }

  function send(method: string, message: unknown = userMessage) {
    return { jsonrpc: '2.0', id: 'q', method, params: { message } };
  }

  it('requires A2A-Version on every request, in any case, and accepts it', () => {
    const state = createWireValidationState();
    expect(validateWireMessage(sendRequest(request), topics, state)).toEqual([]);
    expect(
      validateWireMessage(sendRequest(request, { 'a2a-version': '1.0' }), topics, state),
    ).toEqual([]);
    const missing = validateWireMessage(sendRequest(request, {}), topics, state);
    expect(rules(missing)).toEqual([WIRE_RULE.REQUEST_VERSION_MISSING]);
    expect(missing[0]?.message).toContain('A2A-Version');
    expect(
      rules(validateWireMessage(sendRequest(request, { 'A2A-Version': ' ' }), topics, state)),
    ).toEqual([WIRE_RULE.REQUEST_VERSION_MISSING]);
    const getTask = { jsonrpc: '2.0', id: 2, method: 'GetTask', params: { id: TASK_ID } };
    expect(rules(validateWireMessage(sendRequest(getTask, {}), topics, state))).toEqual([
      WIRE_RULE.REQUEST_VERSION_MISSING,
    ]);
  });

  it('requires params.message.messageId on SendMessage and SendStreamingMessage', () => {
    const state = createWireValidationState();
    for (const method of ['SendMessage', 'SendStreamingMessage']) {
      expect(validateWireMessage(sendRequest(send(method)), topics, state)).toEqual([]);
      const { messageId: _dropped, ...withoutId } = userMessage;
      expect(
        rules(validateWireMessage(sendRequest(send(method, withoutId)), topics, state)),
      ).toEqual([WIRE_RULE.REQUEST_MESSAGE_ID_MISSING]);
      expect(
        rules(
          validateWireMessage(
            sendRequest(send(method, { ...userMessage, messageId: '' })),
            topics,
            state,
          ),
        ),
      ).toEqual([WIRE_RULE.REQUEST_MESSAGE_ID_MISSING]);
      const noMessage = { jsonrpc: '2.0', id: 'q', method, params: {} };
      expect(rules(validateWireMessage(sendRequest(noMessage), topics, state))).toEqual([
        WIRE_RULE.REQUEST_MESSAGE_ID_MISSING,
      ]);
    }
    // Other methods carry no message.
    const cancel = { jsonrpc: '2.0', id: 3, method: 'CancelTask', params: { id: TASK_ID } };
    expect(validateWireMessage(sendRequest(cancel), topics, state)).toEqual([]);
  });

  it('requires a requester-generated UUIDv4 Task.id on SendMessage and SendStreamingMessage', () => {
    const state = createWireValidationState();
    for (const method of ['SendMessage', 'SendStreamingMessage']) {
      const { taskId: _dropped, ...withoutTask } = userMessage;
      expect(
        rules(validateWireMessage(sendRequest(send(method, withoutTask)), topics, state)),
      ).toEqual([WIRE_RULE.REQUEST_TASK_ID_MISSING]);
      for (const taskId of ['task-1', 42, '3f1c2a4e-8b7d-1c6e-9a1f-0d2b3c4e5f60']) {
        const violations = validateWireMessage(
          sendRequest(send(method, { ...userMessage, taskId })),
          topics,
          state,
        );
        expect(rules(violations)).toEqual([WIRE_RULE.REQUEST_TASK_ID_INVALID]);
        expect(violations[0]?.message).toContain('UUIDv4');
      }
      expect(
        validateWireMessage(
          sendRequest(send(method, { ...userMessage, taskId: TASK_ID.toUpperCase() })),
          topics,
          state,
        ),
      ).toEqual([]);
    }
  });

  it('checks the result of a reply against the method of its request', () => {
    const cases: { method: string; good: unknown[]; bad: unknown[] }[] = [
      {
        method: 'SendMessage',
        good: [{ task }, { message: { ...userMessage, role: 'ROLE_AGENT' } }],
        bad: [
          {},
          task,
          { task, message: userMessage },
          { task: { ...task, status: { state: 'done' } } },
          { task: { ...task, id: '' } },
          { message: { ...userMessage, role: 'user' } },
          { message: { ...userMessage, parts: [] } },
          { message: { ...userMessage, parts: [{ text: 'a', url: 'https://x' }] } },
        ],
      },
      {
        method: 'SendStreamingMessage',
        good: [
          { task },
          { message: userMessage },
          {
            statusUpdate: {
              taskId: TASK_ID,
              contextId: CONTEXT_ID,
              status: { state: 'TASK_STATE_WORKING' },
            },
          },
          {
            artifactUpdate: {
              taskId: TASK_ID,
              contextId: CONTEXT_ID,
              artifact: { artifactId: 'a1', parts: [{ data: { n: 1 } }] },
              lastChunk: true,
            },
          },
        ],
        bad: [
          { kind: 'status-update', taskId: TASK_ID, status: { state: 'completed' } },
          { statusUpdate: { taskId: TASK_ID, contextId: CONTEXT_ID } },
          {
            artifactUpdate: {
              taskId: TASK_ID,
              contextId: CONTEXT_ID,
              artifact: { parts: [{ text: 'x' }] },
            },
          },
          {
            artifactUpdate: {
              taskId: TASK_ID,
              contextId: CONTEXT_ID,
              artifact: { artifactId: 'a', parts: [{ text: 'x' }] },
              append: 'yes',
            },
          },
        ],
      },
      { method: 'GetTask', good: [task], bad: [{ task }, null, 'TASK_STATE_COMPLETED'] },
      {
        method: 'ListTasks',
        good: [{ tasks: [task] }, {}, { tasks: [task], nextPageToken: 'p2', pageSize: 1 }],
        bad: [{ tasks: [{ id: TASK_ID }] }, { tasks: [], pageSize: '1' }, [task]],
      },
      ...['CreateTaskPushNotificationConfig', 'GetTaskPushNotificationConfig'].map((method) => ({
        method,
        good: [
          pushConfig,
          { ...pushConfig, token: 't', authentication: { scheme: 'Bearer', credentials: 'c' } },
        ],
        bad: [
          {},
          { ...pushConfig, id: undefined },
          { ...pushConfig, taskId: '' },
          { ...pushConfig, url: 42 },
          { ...pushConfig, authentication: { credentials: 'c' } },
          { config: pushConfig },
        ],
      })),
      {
        method: 'ListTaskPushNotificationConfigs',
        good: [{ configs: [pushConfig] }, {}, { configs: [pushConfig], nextPageToken: 'n' }],
        bad: [[pushConfig], { configs: [{ ...pushConfig, url: undefined }] }, { configs: {} }],
      },
      {
        method: 'DeleteTaskPushNotificationConfig',
        good: [null, {}],
        bad: [pushConfig, true, 'deleted', []],
      },
      {
        method: 'GetExtendedAgentCard',
        good: [card],
        bad: [{ ...card, name: undefined }, { ...card, capabilities: undefined }, null, { card }],
      },
    ];
    let next = 0;
    for (const { method, good, bad } of cases) {
      for (const [result, expected] of [
        ...good.map((value) => [value, []] as const),
        ...bad.map((value) => [value, [WIRE_RULE.REPLY_INVALID_RESULT]] as const),
      ]) {
        const state = createWireValidationState();
        const correlation = Buffer.from([0xee, next++]);
        const body = { jsonrpc: '2.0', id: 'q', method, params: paramsOf(method) };
        expect(validateWireMessage(sendRequest(body, version, correlation), topics, state)).toEqual(
          [],
        );
        const violations = validateWireMessage(
          replyTo({ jsonrpc: '2.0', id: 'q', result }, correlation),
          topics,
          state,
        );
        expect(rules(violations), `${method} -> ${JSON.stringify(result)}`).toEqual(expected);
        if (expected.length > 0) expect(violations[0]?.message).toContain(`${method} reply`);
      }
    }
  });

  it('does not judge results of methods it does not model or of unseen requests', () => {
    const state = createWireValidationState();
    const custom = { jsonrpc: '2.0', id: 'd', method: 'x-custom/Method', params: [1] };
    const correlation = asked(state, custom);
    expect(
      validateWireMessage(
        replyTo({ jsonrpc: '2.0', id: 'd', result: 'anything' }, correlation),
        topics,
        state,
      ),
    ).toEqual([]);
    const unseen = message(
      topics.reply({ org: 'acme', unit: 'sales', requester: 'carol', suffix: 'x' }),
      { jsonrpc: '2.0', id: 'u', result: {} },
      { properties: { correlationData: Buffer.from([7]) } },
    );
    expect(validateWireMessage(unseen, topics, state)).toEqual([]);
  });

  it('accepts what the @a2a-js/sdk codecs write', () => {
    const sdkTask = SdkTask.fromJSON({
      id: TASK_ID,
      contextId: CONTEXT_ID,
      status: {
        state: 'TASK_STATE_INPUT_REQUIRED',
        message: { messageId: 'm2', role: 'ROLE_AGENT', parts: [{ text: 'which city?' }] },
        timestamp: '2026-01-01T00:00:00Z',
      },
      artifacts: [{ artifactId: 'a1', name: 'out', parts: [{ raw: 'aGVsbG8=' }] }],
      history: [userMessage],
    });
    const taskJson = SdkTask.toJSON(sdkTask);
    expect(a2aResultProblems('Task', taskJson)).toEqual([]);
    const items = [
      { payload: { $case: 'task', value: sdkTask } },
      {
        payload: {
          $case: 'statusUpdate',
          value: TaskStatusUpdateEvent.fromJSON({
            taskId: TASK_ID,
            contextId: CONTEXT_ID,
            status: { state: 'TASK_STATE_COMPLETED' },
          }),
        },
      },
      {
        payload: {
          $case: 'artifactUpdate',
          value: TaskArtifactUpdateEvent.fromJSON({
            taskId: TASK_ID,
            contextId: CONTEXT_ID,
            artifact: { artifactId: 'a1', parts: [{ url: 'https://example.com/a' }] },
            append: true,
          }),
        },
      },
      { payload: { $case: 'message', value: SdkMessage.fromJSON(userMessage) } },
    ] as StreamResponse[];
    for (const item of items) {
      expect(a2aResultProblems('StreamResponse', StreamResponse.toJSON(item))).toEqual([]);
    }
    // The enum names this validator accepts are exactly the SDK's, minus UNSPECIFIED.
    const sdkStates = Object.values(TaskState).filter(
      (name): name is string =>
        typeof name === 'string' && name !== 'TASK_STATE_UNSPECIFIED' && name !== 'UNRECOGNIZED',
    );
    expect([...A2A_TASK_STATES].sort()).toEqual(sdkStates.sort());
    const sdkRoles = Object.values(Role).filter(
      (name): name is string =>
        typeof name === 'string' && name !== 'ROLE_UNSPECIFIED' && name !== 'UNRECOGNIZED',
    );
    expect([...A2A_ROLES].sort()).toEqual(sdkRoles.sort());
    // What the SDK's lenient decoder would accept, the validator rejects.
    expect(a2aResultProblems('Task', SdkTask.toJSON(SdkTask.fromJSON({})))).not.toEqual([]);
  });

  it('flags binding error data that does not match the code, not core A2A errors', () => {
    const state = createWireValidationState();
    // One request per error reply: a request gets one reply.
    const error = (code: number, data?: unknown) =>
      replyTo(
        {
          jsonrpc: '2.0',
          id: 1,
          error: { code, message: 'x', ...(data === undefined ? {} : { data }) },
        },
        asked(state, request),
      );
    for (const kind of Object.keys(A2A_BINDING_ERROR) as BindingErrorKind[]) {
      expect(
        validateWireMessage(
          replyTo(buildBindingError(kind, { id: 1 }), asked(state, request)),
          topics,
          state,
        ),
      ).toEqual([]);
    }
    // Core A2A: -32003 PushNotificationNotSupported, -32004 UnsupportedOperation, -32005
    // ContentTypeNotSupported carry no a2a_error.
    for (const code of [-32003, -32004, -32005]) {
      expect(validateWireMessage(error(code), topics, state)).toEqual([]);
      expect(validateWireMessage(error(code, { detail: 'x' }), topics, state)).toEqual([]);
    }
    const swapped = validateWireMessage(
      error(-32004, { a2a_error: 'request_expired' }),
      topics,
      state,
    );
    expect(rules(swapped)).toEqual([WIRE_RULE.REPLY_BINDING_ERROR_MISMATCH]);
    expect(swapped[0]?.message).toContain('-32003');
    const unknown = validateWireMessage(
      error(-32005, { a2a_error: 'bad_metadata' }),
      topics,
      state,
    );
    expect(rules(unknown)).toEqual([WIRE_RULE.REPLY_BINDING_ERROR_MISMATCH]);
    expect(unknown[0]?.message).toContain('"transport_protocol_error"');
    expect(
      rules(validateWireMessage(error(-32602, { a2a_error: 'invalid' }), topics, state)),
    ).toEqual([WIRE_RULE.REPLY_BINDING_ERROR_MISMATCH]);
  });

  it('checks the params of every modelled method, and only those', () => {
    const cases: { method: string; good: unknown[]; bad: unknown[] }[] = [
      ...['GetTask', 'CancelTask', 'SubscribeToTask'].map((method) => ({
        method,
        good: [{ id: TASK_ID }, { id: TASK_ID, tenant: 't1' }],
        bad: [{}, { id: '' }, { id: 7 }, [TASK_ID], undefined, { id: TASK_ID, tenant: 3 }],
      })),
      {
        method: 'GetTask',
        good: [{ id: TASK_ID, historyLength: 2 }],
        bad: [{ id: TASK_ID, historyLength: '2' }],
      },
      {
        method: 'CancelTask',
        good: [{ id: TASK_ID, metadata: { why: 'x' } }],
        bad: [{ id: TASK_ID, metadata: 'x' }],
      },
      {
        method: 'ListTasks',
        good: [
          {},
          {
            contextId: CONTEXT_ID,
            status: 'TASK_STATE_INPUT_REQUIRED',
            pageSize: 10,
            pageToken: 'p',
            historyLength: 0,
            statusTimestampAfter: '2026-01-01T00:00:00Z',
            includeArtifacts: true,
          },
        ],
        bad: [
          { status: 'input-required' },
          { status: 6 },
          { pageSize: 1.5 },
          { contextId: 1 },
          { includeArtifacts: 'yes' },
          [],
        ],
      },
      {
        method: 'CreateTaskPushNotificationConfig',
        good: [
          { taskId: TASK_ID, url: 'https://hooks.example.com/a2a' },
          { ...pushConfig, token: 't', authentication: { scheme: 'Bearer' } },
        ],
        bad: [
          { url: 'https://hooks.example.com/a2a' },
          { taskId: TASK_ID },
          { taskId: TASK_ID, url: 'https://x', authentication: 'Bearer' },
          { taskId: TASK_ID, config: { url: 'https://x' } },
          undefined,
        ],
      },
      ...['GetTaskPushNotificationConfig', 'DeleteTaskPushNotificationConfig'].map((method) => ({
        method,
        good: [{ taskId: TASK_ID, id: 'cfg-1' }],
        bad: [{ taskId: TASK_ID }, { id: 'cfg-1' }, { taskId: TASK_ID, id: 1 }],
      })),
      {
        method: 'ListTaskPushNotificationConfigs',
        good: [{ taskId: TASK_ID }, { taskId: TASK_ID, pageSize: 5, pageToken: 'n' }],
        bad: [{}, { taskId: TASK_ID, pageSize: 'all' }],
      },
      {
        method: 'GetExtendedAgentCard',
        good: [undefined, {}, { tenant: 't1' }],
        bad: [[], { tenant: 1 }],
      },
      ...['SendMessage', 'SendStreamingMessage'].map((method) => ({
        method,
        good: [
          { message: userMessage },
          {
            message: userMessage,
            configuration: {
              acceptedOutputModes: ['text/plain'],
              historyLength: 3,
              returnImmediately: true,
            },
            metadata: { a: 1 },
          },
        ],
        bad: [
          { message: { ...userMessage, role: 'user' } },
          { message: { ...userMessage, parts: [] } },
          { message: { ...userMessage, contextId: 5 } },
          { message: userMessage, configuration: { acceptedOutputModes: 'text/plain' } },
          { message: userMessage, configuration: { returnImmediately: 'yes' } },
          { message: userMessage, metadata: [] },
        ],
      })),
    ];
    const state = createWireValidationState();
    for (const { method, good, bad } of cases) {
      for (const [params, expected] of [
        ...good.map((value) => [value, []] as const),
        ...bad.map((value) => [value, [WIRE_RULE.REQUEST_INVALID_PARAMS]] as const),
      ]) {
        const body = {
          jsonrpc: '2.0',
          id: 'p',
          method,
          ...(params === undefined ? {} : { params }),
        };
        const violations = validateWireMessage(sendRequest(body), topics, state);
        expect(rules(violations), `${method} ${JSON.stringify(params)}`).toEqual(expected);
        if (expected.length > 0)
          expect(violations[0]?.message).toContain(`${method} request: params`);
      }
    }
    // A send without any params is reported once, as the missing message.
    for (const params of [undefined, [userMessage]]) {
      const body = {
        jsonrpc: '2.0',
        id: 's',
        method: 'SendMessage',
        ...(params ? { params } : {}),
      };
      expect(rules(validateWireMessage(sendRequest(body), topics, state))).toEqual([
        WIRE_RULE.REQUEST_MESSAGE_ID_MISSING,
      ]);
    }
    // Methods the validator does not model are not judged.
    expect(requestParamsProblems('x-custom/Method', 42)).toBeUndefined();
    expect(
      validateWireMessage(
        sendRequest({ jsonrpc: '2.0', id: 'c', method: 'x-custom/Method', params: [1] }),
        topics,
        state,
      ),
    ).toEqual([]);
    expect(requestParamsProblems('GetTask', {})).toEqual([
      'params.id is undefined, expected a non-empty string',
    ]);
  });

  it('accepts the params and results the @a2a-js/sdk codecs write for every method', () => {
    const requests: [string, unknown][] = [
      [
        'SendMessage',
        SendMessageRequest.toJSON(SendMessageRequest.fromJSON({ message: userMessage })),
      ],
      [
        'GetTask',
        GetTaskRequest.toJSON(GetTaskRequest.fromJSON({ id: TASK_ID, historyLength: 2 })),
      ],
      ['CancelTask', CancelTaskRequest.toJSON(CancelTaskRequest.fromJSON({ id: TASK_ID }))],
      [
        'SubscribeToTask',
        SubscribeToTaskRequest.toJSON(SubscribeToTaskRequest.fromJSON({ id: TASK_ID })),
      ],
      [
        'ListTasks',
        ListTasksRequest.toJSON(
          ListTasksRequest.fromJSON({
            contextId: CONTEXT_ID,
            status: 'TASK_STATE_WORKING',
            pageSize: 5,
          }),
        ),
      ],
      ['ListTasks', ListTasksRequest.toJSON(ListTasksRequest.fromJSON({}))],
      [
        'CreateTaskPushNotificationConfig',
        TaskPushNotificationConfig.toJSON(TaskPushNotificationConfig.fromJSON(pushConfig)),
      ],
      [
        'GetTaskPushNotificationConfig',
        GetTaskPushNotificationConfigRequest.toJSON(
          GetTaskPushNotificationConfigRequest.fromJSON({ taskId: TASK_ID, id: 'cfg-1' }),
        ),
      ],
      [
        'DeleteTaskPushNotificationConfig',
        DeleteTaskPushNotificationConfigRequest.toJSON(
          DeleteTaskPushNotificationConfigRequest.fromJSON({ taskId: TASK_ID, id: 'cfg-1' }),
        ),
      ],
      [
        'ListTaskPushNotificationConfigs',
        ListTaskPushNotificationConfigsRequest.toJSON(
          ListTaskPushNotificationConfigsRequest.fromJSON({ taskId: TASK_ID }),
        ),
      ],
      [
        'GetExtendedAgentCard',
        GetExtendedAgentCardRequest.toJSON(GetExtendedAgentCardRequest.fromJSON({})),
      ],
    ];
    for (const [method, params] of requests) {
      expect(requestParamsProblems(method, params), method).toEqual([]);
    }
    const config = TaskPushNotificationConfig.fromJSON({
      ...pushConfig,
      authentication: { scheme: 'Bearer', credentials: 'secret' },
    });
    expect(
      a2aResultProblems('TaskPushNotificationConfig', TaskPushNotificationConfig.toJSON(config)),
    ).toEqual([]);
    for (const configs of [[config], []]) {
      expect(
        a2aResultProblems(
          'ListTaskPushNotificationConfigsResponse',
          ListTaskPushNotificationConfigsResponse.toJSON({ configs, nextPageToken: '' }),
        ),
      ).toEqual([]);
    }
    expect(a2aResultProblems('AgentCard', AgentCard.toJSON(AgentCard.fromJSON(card)))).toEqual([]);
  });

  it('flags Correlation Data reused by a later request publish on the same Response Topic', () => {
    const state = createWireValidationState();
    const correlation = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const getTask = { jsonrpc: '2.0', id: 'g', method: 'GetTask', params: { id: TASK_ID } };
    expect(validateWireMessage(sendRequest(getTask, version, correlation), topics, state)).toEqual(
      [],
    );
    // A retry must not reuse it (same payload, same Correlation Data).
    const reused = validateWireMessage(sendRequest(getTask, version, correlation), topics, state);
    expect(rules(reused)).toEqual([WIRE_RULE.REQUEST_CORRELATION_REUSED]);
    expect(reused[0]?.message).toContain(correlation.toString('hex'));
    // Nor another request.
    expect(
      rules(validateWireMessage(sendRequest(request, version, correlation), topics, state)),
    ).toEqual([WIRE_RULE.REQUEST_CORRELATION_REUSED]);
    // Fresh Correlation Data is fine, and so are the same bytes on another requester's reply topic.
    expect(validateWireMessage(sendRequest(getTask), topics, state)).toEqual([]);
    const otherReplyTopic = topics.reply({
      org: 'acme',
      unit: 'sales',
      requester: 'carol',
      suffix: 'r9',
    });
    expect(
      validateWireMessage(
        message(topics.request(alice), getTask, {
          properties: {
            responseTopic: otherReplyTopic,
            correlationData: correlation,
            userProperties: version,
          },
        }),
        topics,
        state,
      ),
    ).toEqual([]);
  });

  it('flags an item after the stream-final item of its correlation, and a second unary reply', () => {
    const state = createWireValidationState();
    const streaming = send('SendStreamingMessage');
    const item = (result: unknown, correlation: Buffer) =>
      validateWireMessage(replyTo({ jsonrpc: '2.0', id: 'q', result }, correlation), topics, state);
    // A finished task's retry: the snapshot (COMPLETED) is not final, its status update is.
    const retried = asked(state, streaming);
    expect(item({ task }, retried)).toEqual([]);
    expect(item(status('TASK_STATE_COMPLETED'), retried)).toEqual([]);
    const late = item(status('TASK_STATE_COMPLETED'), retried);
    expect(rules(late)).toEqual([WIRE_RULE.REPLY_AFTER_FINAL]);
    expect(late[0]?.message).toContain(
      'SendStreamingMessage stream item after the stream-final item',
    );
    // Working and artifact items never end a stream; input-required (and every other final
    // state), a message and an error do.
    for (const [final, label] of [
      [status('TASK_STATE_INPUT_REQUIRED'), 'input-required'],
      [status('TASK_STATE_AUTH_REQUIRED'), 'auth-required'],
      [status('TASK_STATE_REJECTED'), 'rejected'],
      [{ message: { ...userMessage, role: 'ROLE_AGENT' } }, 'message'],
    ] as const) {
      const correlation = asked(state, streaming);
      expect(item(status('TASK_STATE_WORKING'), correlation), label).toEqual([]);
      expect(
        item({ task: { ...task, status: { state: 'TASK_STATE_INPUT_REQUIRED' } } }, correlation),
        label,
      ).toEqual([]);
      expect(item(final, correlation), label).toEqual([]);
      expect(rules(item(status('TASK_STATE_WORKING'), correlation)), label).toEqual([
        WIRE_RULE.REPLY_AFTER_FINAL,
      ]);
    }
    const subscribed = asked(state, {
      jsonrpc: '2.0',
      id: 's',
      method: 'SubscribeToTask',
      params: { id: TASK_ID },
    });
    expect(
      validateWireMessage(
        replyTo(
          { jsonrpc: '2.0', id: 's', error: { code: -32001, message: 'not found' } },
          subscribed,
        ),
        topics,
        state,
      ),
    ).toEqual([]);
    expect(rules(item(status('TASK_STATE_WORKING'), subscribed))).toEqual([
      WIRE_RULE.REPLY_AFTER_FINAL,
    ]);
    // Any reply ends a unary request.
    const unary = asked(state, request);
    expect(item({ task }, unary)).toEqual([]);
    const second = item({ task }, unary);
    expect(rules(second)).toEqual([WIRE_RULE.REPLY_AFTER_FINAL]);
    expect(second[0]?.message).toContain('second reply to the SendMessage request');
  });
});
