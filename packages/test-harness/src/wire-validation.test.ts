import { createTopics } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import {
  createWireValidationState,
  jsonRpcRequestProblems,
  jsonRpcResponseProblems,
  type SniffedMessage,
  validateWireMessage,
  WIRE_RULE,
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

const request = { jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} };

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
      properties: { responseTopic: replyTopic, correlationData: Buffer.from([1, 2]) },
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
      ].sort(),
    );
    const notReply = validateWireMessage(
      message(topics.request(alice), request, {
        properties: { responseTopic: 'somewhere/else', correlationData: Buffer.from([1]) },
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
      { jsonrpc: '2.0', id: 1, result: {} },
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
        properties: { responseTopic: replyTopic, correlationData: Buffer.from([1, 2]) },
      }),
      topics,
      state,
    );
    const ok = message(
      replyTopic,
      { jsonrpc: '2.0', id: 1, result: {} },
      {
        properties: { correlationData: Buffer.from([1, 2]) },
      },
    );
    expect(validateWireMessage(ok, topics, state)).toEqual([]);
    const stranger = validateWireMessage(
      message(
        replyTopic,
        { jsonrpc: '2.0', id: 1, result: {} },
        {
          properties: { correlationData: Buffer.from([9]) },
        },
      ),
      topics,
      state,
    );
    expect(rules(stranger)).toEqual([WIRE_RULE.REPLY_UNCORRELATED]);
    const broken = validateWireMessage(
      message(replyTopic, { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'x' } }),
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
  const reply = { jsonrpc: '2.0', id: 1, result: {} };

  it('flags a reply to a pooled request without a2a-responder-agent-id, not one with it', () => {
    const state = createWireValidationState();
    const pooled = message(topics.poolRequest(pool), request, {
      properties: { responseTopic: replyTopic, correlationData },
    });
    expect(validateWireMessage(pooled, topics, state)).toEqual([]);
    const anonymous = validateWireMessage(
      message(replyTopic, reply, { properties: { correlationData } }),
      topics,
      state,
    );
    expect(rules(anonymous)).toEqual([WIRE_RULE.REPLY_RESPONDER_MISSING]);
    const named = message(replyTopic, reply, {
      properties: { correlationData, userProperties: { 'a2a-responder-agent-id': 'alice' } },
    });
    expect(validateWireMessage(named, topics, state)).toEqual([]);
  });

  it('does not ask direct replies for a responder id', () => {
    const state = createWireValidationState();
    const direct = message(topics.request(alice), request, {
      properties: { responseTopic: replyTopic, correlationData },
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
    const withToken = message(topics.request(alice), request, {
      properties: {
        responseTopic: replyTopic,
        correlationData,
        userProperties: { 'a2a-authorization': `Bearer ${token}` },
      },
    });
    expect(validateWireMessage(withToken, topics, state)).toEqual([]);
    const clean = message(replyTopic, reply, { properties: { correlationData } });
    expect(validateWireMessage(clean, topics, state)).toEqual([]);
    const inPayload = message(
      replyTopic,
      { ...reply, result: { note: `got ${token}` } },
      {
        properties: { correlationData },
      },
    );
    expect(rules(validateWireMessage(inPayload, topics, state))).toEqual([WIRE_RULE.TOKEN_ECHOED]);
    const inProperty = message(replyTopic, reply, {
      properties: { correlationData, userProperties: { 'x-debug': token } },
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
