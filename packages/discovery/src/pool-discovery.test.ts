import { AgentCard } from '@a2a-js/sdk';
import type { InboundMessage } from '@a2a-mqtt/connection';
import { buildBindingError, createTopics, isA2AMqttError } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { prepareAgentCard } from './card-codec.js';
import { discoverFromPool, servePoolDiscovery } from './pool-discovery.js';
import { makeCard } from './test-support/cards.js';
import { FakeSession } from './test-support/fake-session.js';
import { createCapturingLogger } from './test-support/logger.js';

const topics = createTopics({ prefix: 'a2a/v1' });
const broker = 'mqtt://broker.example:1883';
const pool = { org: 'acme', unit: 'platform', pool: 'directory' };
const node1 = { org: 'acme', unit: 'platform', agent: 'node-1' };
const node2 = { org: 'acme', unit: 'platform', agent: 'node-2' };

/** The wire JSON of a valid card of `agent` (its MQTT interface names `agent`). */
function cardJson(agent = node1, name = 'Platform agent'): Record<string, unknown> {
  return JSON.parse(
    prepareAgentCard({ card: makeCard(name), agent, topics, broker }).payload,
  ) as Record<string, unknown>;
}

interface Answer {
  payload: string;
  userProperties?: Record<string, string>;
}

/**
 * A scripted pool member on the fake session: answers every pool request with `answer`, on
 * the request's Response Topic, echoing its Correlation Data. Returns the requests it saw.
 */
async function scriptedMember(
  session: FakeSession,
  answer: (request: InboundMessage) => Answer,
): Promise<InboundMessage[]> {
  const requests: InboundMessage[] = [];
  await session.subscribe(topics.poolRequest(pool), (request) => {
    requests.push(request);
    const { payload, userProperties } = answer(request);
    const { responseTopic, correlationData } = request.properties;
    if (!responseTopic) return;
    session.deliver(responseTopic, payload, userProperties, false, {
      ...(correlationData ? { correlationData } : {}),
    });
  });
  return requests;
}

const result = (card: unknown) => (request: InboundMessage) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: (JSON.parse(request.payload.toString('utf8')) as { id: string }).id,
    result: card,
  });

/** `discoverFromPool` on `session`, resolving to the rejection (or failing the test). */
async function rejection(session: FakeSession): Promise<unknown> {
  return discoverFromPool({ session: session.asSession(), pool, topics, timeoutMs: 5_000 }).then(
    (value) => {
      throw new Error(`expected a rejection, got the card of ${value.agent.agent}`);
    },
    (error: unknown) => error,
  );
}

describe('discoverFromPool (fake session)', () => {
  it('accepts a reply whose a2a-responder-agent-id matches the card', async () => {
    const session = new FakeSession();
    const requests = await scriptedMember(session, (request) => ({
      payload: result(cardJson())(request),
      userProperties: { 'a2a-responder-agent-id': 'node-1' },
    }));
    const found = await discoverFromPool({ session: session.asSession(), pool, topics });
    expect(found.agent).toEqual(node1);
    expect(found.card.name).toBe('Platform agent');
    // The request was a GetExtendedAgentCard with A2A-Version, Response Topic and Correlation Data.
    expect(requests).toHaveLength(1);
    const request = requests[0] as InboundMessage;
    expect(JSON.parse(request.payload.toString('utf8'))).toMatchObject({
      jsonrpc: '2.0',
      method: 'GetExtendedAgentCard',
    });
    expect(request.properties.correlationData).toHaveLength(16);
    expect(request.properties.responseTopic).toMatch(/^a2a\/v1\/reply\/acme\/ops\/watcher\//);
    expect(request.properties.userProperties).toMatchObject({ 'A2A-Version': '1.0' });
  });

  it('rejects a pooled reply without a2a-responder-agent-id as TRANSPORT_PROTOCOL_ERROR', async () => {
    const session = new FakeSession();
    // Otherwise a perfectly valid card: the missing property alone makes it a protocol error.
    await scriptedMember(session, (request) => ({ payload: result(cardJson())(request) }));
    const error = await rejection(session);
    expect(isA2AMqttError(error, 'TRANSPORT_PROTOCOL_ERROR')).toBe(true);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toContain('a2a-responder-agent-id');
  });

  it('rejects a reply whose responder disagrees with the card', async () => {
    const session = new FakeSession();
    await scriptedMember(session, (request) => ({
      payload: result(cardJson(node1))(request),
      userProperties: { 'a2a-responder-agent-id': 'node-2' },
    }));
    const error = await rejection(session);
    expect(isA2AMqttError(error, 'TRANSPORT_PROTOCOL_ERROR')).toBe(true);
    expect(error).toMatchObject({
      retryable: false,
      details: { responder: 'node-2', cardAgent: 'node-1' },
    });
  });

  it('rejects a responder id that is not an identifier', async () => {
    const session = new FakeSession();
    await scriptedMember(session, (request) => ({
      payload: result(cardJson())(request),
      userProperties: { 'a2a-responder-agent-id': 'node 1/x' },
    }));
    const error = await rejection(session);
    expect(isA2AMqttError(error, 'TRANSPORT_PROTOCOL_ERROR')).toBe(true);
    expect(error).toMatchObject({ retryable: false });
  });

  it('turns a JSON-RPC error answer into TRANSPORT_PROTOCOL_ERROR with the RPC code', async () => {
    const session = new FakeSession();
    await scriptedMember(session, (request) => ({
      payload: JSON.stringify({
        jsonrpc: '2.0',
        id: (JSON.parse(request.payload.toString('utf8')) as { id: string }).id,
        error: { code: -32601, message: 'method not found: GetExtendedAgentCard' },
      }),
      userProperties: { 'a2a-responder-agent-id': 'node-1' },
    }));
    const error = await rejection(session);
    expect(isA2AMqttError(error, 'TRANSPORT_PROTOCOL_ERROR')).toBe(true);
    expect(error).toMatchObject({
      retryable: false,
      details: { responder: 'node-1', rpcCode: -32601 },
    });
    expect((error as Error).message).toContain('-32601');
  });

  it('keeps the kind of a binding error answer (responder_unavailable is retryable)', async () => {
    const session = new FakeSession();
    await scriptedMember(session, () => ({
      payload: JSON.stringify(buildBindingError('RESPONDER_UNAVAILABLE', { id: null })),
      userProperties: { 'a2a-responder-agent-id': 'node-1' },
    }));
    const error = await rejection(session);
    expect(isA2AMqttError(error, 'RESPONDER_UNAVAILABLE')).toBe(true);
    expect(error).toMatchObject({
      retryable: true,
      details: { responder: 'node-1', rpcCode: -32004 },
    });
  });

  it('rejects a reply that is not JSON, or not a JSON-RPC object', async () => {
    for (const payload of ['<html>not json</html>', 'null', '42']) {
      const session = new FakeSession();
      await scriptedMember(session, () => ({
        payload,
        userProperties: { 'a2a-responder-agent-id': 'node-1' },
      }));
      const error = await rejection(session);
      expect(isA2AMqttError(error, 'TRANSPORT_PROTOCOL_ERROR')).toBe(true);
      expect(error).toMatchObject({ retryable: false, details: { responder: 'node-1' } });
    }
  });

  it('rejects a card without an MQTT interface, and a card failing the schema', async () => {
    const noInterface = new FakeSession();
    await scriptedMember(noInterface, (request) => ({
      payload: result(AgentCard.toJSON(makeCard('Plain HTTP')))(request),
      userProperties: { 'a2a-responder-agent-id': 'node-1' },
    }));
    const missing = await rejection(noInterface);
    expect(isA2AMqttError(missing, 'TRANSPORT_PROTOCOL_ERROR')).toBe(true);
    expect((missing as Error).message).toContain('MQTT interface');

    const badSchema = new FakeSession();
    await scriptedMember(badSchema, (request) => ({
      payload: result({ ...cardJson(), name: '', version: '' })(request),
      userProperties: { 'a2a-responder-agent-id': 'node-1' },
    }));
    const invalid = await rejection(badSchema);
    expect(isA2AMqttError(invalid, 'INVALID_AGENT_CARD')).toBe(true);
    const issues = (invalid as { details?: { issues?: { path: string }[] } }).details?.issues;
    expect(issues?.map((issue) => issue.path).sort()).toEqual(['name', 'version']);
  });
});

describe('servePoolDiscovery (fake session)', () => {
  it("answers with the member's own card, its responder id and the echoed Correlation Data", async () => {
    const session = new FakeSession();
    const card = prepareAgentCard({
      card: makeCard('Node one'),
      agent: node1,
      topics,
      broker,
    }).card;
    const member = await servePoolDiscovery({
      session: session.asSession(),
      agent: node1,
      pool,
      topics,
      card: { card },
    });
    const found = await discoverFromPool({ session: session.asSession(), pool, topics });
    expect(found.agent).toEqual(node1);
    expect(found.card.name).toBe('Node one');
    const reply = session.published.find((entry) => entry.topic.startsWith('a2a/v1/reply/'));
    expect(reply?.options).toMatchObject({
      qos: 1,
      properties: { userProperties: { 'a2a-responder-agent-id': 'node-1' } },
    });
    const correlationOf = (topic: (value: string) => boolean): Buffer | undefined =>
      (
        session.published.find((entry) => topic(entry.topic))?.options as
          | { properties?: { correlationData?: Buffer } }
          | undefined
      )?.properties?.correlationData;
    const sent = correlationOf((topic) => topic === topics.poolRequest(pool));
    const echoed = correlationOf((topic) => topic.startsWith('a2a/v1/reply/'));
    expect(sent).toHaveLength(16);
    expect(echoed?.equals(sent as Buffer)).toBe(true);
    await member.close();
    expect(session.subscriptions.has(topics.sharedPoolRequest(pool))).toBe(false);
  });

  it("refuses at start a registration whose card names another node's request topic", async () => {
    const session = new FakeSession();
    const foreign = prepareAgentCard({ card: makeCard('Node two'), agent: node2, topics, broker });
    const error = await servePoolDiscovery({
      session: session.asSession(),
      agent: node1,
      pool,
      topics,
      card: { card: foreign.card },
    }).catch((e: unknown) => e);
    expect(isA2AMqttError(error, 'INVALID_AGENT_CARD')).toBe(true);
    expect((error as Error).message).toContain(topics.request(node2));
    expect(session.subscriptions.size).toBe(0);
  });

  it("answers an error, never a foreign card, when the getter's card names another node", async () => {
    const session = new FakeSession();
    const logger = createCapturingLogger();
    const foreign = prepareAgentCard({ card: makeCard('Node two'), agent: node2, topics, broker });
    let calls = 0;
    const member = await servePoolDiscovery({
      session: session.asSession(),
      agent: node1,
      pool,
      topics,
      logger,
      card: () => {
        calls += 1;
        return foreign.card;
      },
    });
    // The getter is only called to answer (not at start).
    expect(calls).toBe(0);
    const error = await rejection(session);
    expect(calls).toBe(1);
    expect(isA2AMqttError(error, 'TRANSPORT_PROTOCOL_ERROR')).toBe(true);
    expect(error).toMatchObject({ details: { responder: 'node-1', rpcCode: -32603 } });
    expect(logger.find('warn', 'does not name its own request topic')).toHaveLength(1);
    await member.close();
  });

  it('answers an unknown method with -32601 and drops a request without Response Topic', async () => {
    const session = new FakeSession();
    const logger = createCapturingLogger();
    const card = prepareAgentCard({
      card: makeCard('Node one'),
      agent: node1,
      topics,
      broker,
    }).card;
    const member = await servePoolDiscovery({
      session: session.asSession(),
      agent: node1,
      pool,
      topics,
      logger,
      card: { card },
    });
    const replies: InboundMessage[] = [];
    const replyTopic = topics.reply({ ...pool, requester: 'watcher', suffix: 'r1' });
    await session.subscribe(replyTopic, (message) => replies.push(message));
    await session.publish(
      topics.poolRequest(pool),
      JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SendMessage', params: {} }),
      { properties: { responseTopic: replyTopic, correlationData: Buffer.from('c1') } },
    );
    await session.publish(
      topics.poolRequest(pool),
      JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'GetExtendedAgentCard' }),
    );
    // The fake routes synchronously: the member answered inside the first publish call.
    expect(replies).toHaveLength(1);
    const reply = replies[0] as InboundMessage;
    expect(JSON.parse(reply.payload.toString('utf8'))).toMatchObject({
      id: 7,
      error: { code: -32601 },
    });
    expect(reply.properties.userProperties).toMatchObject({ 'a2a-responder-agent-id': 'node-1' });
    expect(logger.find('warn', 'without Response Topic')).toHaveLength(1);
    await member.close();
  });
});
