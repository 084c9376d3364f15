/**
 * @a2a-mqtt/connection against a real mosquitto (anonymous profile): routing, reason codes,
 * the will, connection loss, TCP_NODELAY and resubscription.
 */
import net from 'node:net';
import {
  connectMqttSession,
  type InboundMessage,
  type MqttSession,
  type MqttSessionEvents,
  type MqttSession as Session,
} from '@a2a-mqtt/connection';
import { readUserProperty } from '@a2a-mqtt/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BrokerHandle, startBroker, waitFor } from './index.js';

const TIMEOUT = { timeoutMs: 10_000 };
let broker: BrokerHandle;
const sessions: MqttSession[] = [];

function nextEvent<K extends keyof MqttSessionEvents>(
  session: MqttSession,
  event: K,
  timeoutMs = 10_000,
): Promise<MqttSessionEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${event} event within ${timeoutMs} ms`)),
      timeoutMs,
    );
    session.once(event, (payload) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

async function open(
  options: Partial<ConstructorParameters<typeof Session>[0]> = {},
): Promise<MqttSession> {
  const session = await connectMqttSession({
    url: broker.url,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    ...options,
  });
  sessions.push(session);
  return session;
}

beforeAll(async () => {
  broker = await startBroker({ profile: 'anonymous' });
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close({ force: true })));
});
afterAll(async () => {
  await broker?.close();
});

describe('MqttSession on mosquitto', () => {
  it('acknowledges a publish whose user properties are an empty object (mqtt.js would hang)', async () => {
    const session = await open();
    const received: InboundMessage[] = [];
    await session.subscribe('empty-props/t', (message) => received.push(message), { qos: 1 });
    const result = await session.publish('empty-props/t', 'x', {
      qos: 1,
      properties: { userProperties: {} },
    });
    expect(result.reasonCode).toBe(0);
    await waitFor(() => received.length === 1, TIMEOUT);
  });

  it('delivers once per handler although mosquitto sends one copy per overlapping subscription', async () => {
    const session = await open();
    const plus: string[] = [];
    const hash: string[] = [];
    const both: string[] = [];
    const bothHandler = (message: InboundMessage) => both.push(message.topic);
    await session.subscribe('dedupe/+', (message) => plus.push(message.topic));
    await session.subscribe('dedupe/#', (message) => hash.push(message.topic));
    await session.subscribe('dedupe/+', bothHandler);
    await session.subscribe('dedupe/#', bothHandler);
    let rawCopies = 0;
    session.client.on('message', (topic) => {
      if (topic === 'dedupe/x') rawCopies += 1;
    });
    await session.publish('dedupe/x', 'hello');
    await waitFor(() => rawCopies >= 2 && plus.length === 1 && hash.length === 1, TIMEOUT);
    expect(rawCopies).toBe(2); // mosquitto really sends two copies
    await session.publish('dedupe/end', 'marker');
    await waitFor(() => hash.includes('dedupe/end'), TIMEOUT);
    expect(plus).toEqual(['dedupe/x', 'dedupe/end']);
    expect(hash).toEqual(['dedupe/x', 'dedupe/end']);
    // The same function registered twice is two registrations: once through each.
    expect(both).toEqual(['dedupe/x', 'dedupe/x', 'dedupe/end', 'dedupe/end']);
  });

  it('keeps the broker subscription until the last handler of a filter leaves', async () => {
    const session = await open();
    const publisher = await open();
    const first: string[] = [];
    const second: string[] = [];
    const subFirst = await session.subscribe('refcount/a', (m) => first.push(m.payload.toString()));
    const subSecond = await session.subscribe('refcount/a', (m) =>
      second.push(m.payload.toString()),
    );
    await subFirst.unsubscribe();
    const stillRouted = await publisher.publish('refcount/a', 'one');
    expect(stillRouted.noMatchingSubscribers).toBe(false);
    await waitFor(() => second.length === 1, TIMEOUT);
    await subSecond.unsubscribe();
    // The broker no longer has the subscription: PUBACK 0x10.
    const gone = await publisher.publish('refcount/a', 'two');
    expect(gone).toEqual({ reasonCode: 0x10, noMatchingSubscribers: true });
    expect(first).toEqual([]);
    expect(second).toEqual(['one']);
  });

  it('reports PUBACK 0x10 and turns it into NO_MATCHING_SUBSCRIBERS on request', async () => {
    const session = await open();
    await expect(session.publish('nobody/listens', 'x')).resolves.toEqual({
      reasonCode: 0x10,
      noMatchingSubscribers: true,
    });
    await expect(
      session.publish('nobody/listens', 'x', { failOnNoSubscribers: true }),
    ).rejects.toMatchObject({ code: 'NO_MATCHING_SUBSCRIBERS', reasonCode: 0x10 });
  });

  it('round-trips request properties and isolates a throwing handler', async () => {
    const session = await open();
    const errors: Error[] = [];
    session.on('error', (error) => errors.push(error));
    const received: InboundMessage[] = [];
    await session.subscribe('props/+', () => {
      throw new Error('bad handler');
    });
    await session.subscribe('props/+', (message) => received.push(message));
    const correlationData = Buffer.from('0123456789abcdef');
    await session.publish('props/x', '{"a":1}', {
      properties: {
        responseTopic: 'props/reply',
        correlationData,
        contentType: 'application/json',
        userProperties: { 'A2A-Version': '1.0' },
        messageExpiryInterval: 60,
      },
    });
    await waitFor(() => received.length === 1 && errors.length === 1, TIMEOUT);
    const [message] = received;
    expect(message?.properties.responseTopic).toBe('props/reply');
    expect(message?.properties.correlationData?.equals(correlationData)).toBe(true);
    expect(message?.properties.contentType).toBe('application/json');
    expect(readUserProperty(message?.properties.userProperties, 'A2A-Version')).toBe('1.0');
    expect(errors[0]?.message).toBe('bad handler');
  });

  it('fires the will on a cut socket, retained with its user properties for a late subscriber', async () => {
    const willTopic = '$a2a/v1/discovery/acme/ops/will-agent';
    const victim = await open({
      clientId: 'acme/ops/will-agent',
      will: {
        topic: willTopic,
        payload: '{"name":"will-agent"}',
        qos: 1,
        retain: true,
        contentType: 'application/json',
        userProperties: { 'a2a-status': 'offline', 'a2a-status-source': 'lwt' },
      },
      reconnect: { enabled: false },
    });
    const observer = await open();
    const fired: InboundMessage[] = [];
    await observer.subscribe(willTopic, (message) => fired.push(message));
    victim.destroySocket();
    await waitFor(() => fired.length === 1, TIMEOUT);
    expect(fired[0]?.retain).toBe(false); // live delivery of the will
    const late = await open();
    const seen: InboundMessage[] = [];
    await late.subscribe(willTopic, (message) => seen.push(message));
    await waitFor(() => seen.length === 1, TIMEOUT);
    const [card] = seen;
    expect(card?.retain).toBe(true);
    expect(card?.payload.toString()).toBe('{"name":"will-agent"}');
    expect(readUserProperty(card?.properties.userProperties, 'a2a-status')).toBe('offline');
    expect(readUserProperty(card?.properties.userProperties, 'a2a-status-source')).toBe('lwt');
    expect(card?.properties.contentType).toBe('application/json');
    await late.publish(willTopic, '', { retain: true }); // clean up the retained card
  });

  it('rejects a publish pending when the connection drops with CONNECTION_CLOSED, then recovers', async () => {
    const session = await open();
    const offline = nextEvent(session, 'offline');
    const reconnected = nextEvent(session, 'connect');
    const pending = session.publish('drop/x', 'in flight', { qos: 1 });
    session.destroySocket();
    await expect(pending).rejects.toMatchObject({ code: 'CONNECTION_CLOSED', retryable: true });
    await offline;
    await expect(session.publish('drop/x', 'while offline')).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
    });
    await reconnected;
    await expect(session.publish('drop/x', 'after')).resolves.toMatchObject({ reasonCode: 0x10 });
  });

  it.each([
    { coalesce: true, writes: 1 },
    { coalesce: false, writes: 2 },
  ])(
    'with coalesceWritesThisTurn() = $coalesce, a PUBACK and a reply computed later in the turn take $writes socket write(s)',
    async ({ coalesce, writes }) => {
      const responder = await open();
      const requester = await open();
      const replies: InboundMessage[] = [];
      await requester.subscribe('coalesce/reply', (message) => replies.push(message));
      // Every chunk the responder's socket writes, from the request's arrival on.
      const chunks: Buffer[][] = [];
      let recording = false;
      // mqtt-packet writes strings (the topic) next to buffers.
      const bytes = (chunk: Buffer | string) =>
        typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const socket = responder.client.stream as net.Socket & {
        _write(chunk: Buffer | string, encoding: string, callback: () => void): void;
        _writev(chunks: { chunk: Buffer | string }[], callback: () => void): void;
      };
      const write = socket._write.bind(socket);
      const writev = socket._writev.bind(socket);
      socket._write = (chunk, encoding, callback) => {
        if (recording) chunks.push([bytes(chunk)]);
        write(chunk, encoding, callback);
      };
      socket._writev = (list, callback) => {
        if (recording) chunks.push(list.map((entry) => bytes(entry.chunk)));
        writev(list, callback);
      };
      let replied: Promise<unknown> | undefined;
      await responder.subscribe('coalesce/request', (message) => {
        recording = true;
        if (coalesce) responder.coalesceWritesThisTurn();
        // The reply comes a few microtasks later, as a request handler's would.
        replied = Promise.resolve()
          .then(() => undefined)
          .then(() =>
            responder.publish('coalesce/reply', 'answer', {
              qos: 1,
              properties: {
                correlationData: message.properties.correlationData ?? Buffer.alloc(1),
              },
            }),
          );
      });
      await requester.publish('coalesce/request', 'question', {
        qos: 1,
        properties: { correlationData: Buffer.from('c1') },
      });
      await waitFor(() => replies.length === 1, TIMEOUT);
      await replied; // its PUBACK, before the session closes
      recording = false;
      // MQTT fixed header types: PUBACK 0x40, PUBLISH 0x3_ (QoS 1: 0x32).
      const kinds = chunks.map((list) => Buffer.concat(list)[0]);
      expect(chunks).toHaveLength(writes);
      expect(kinds[0]).toBe(0x40);
      expect(Buffer.concat(chunks.flat()).includes(Buffer.from('answer'))).toBe(true);
    },
  );

  it('sets TCP_NODELAY on the first socket and again on every reconnect', async () => {
    const spy = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    try {
      const session = await open();
      const first = session.client.stream;
      const noDelayOn = (socket: unknown) =>
        spy.mock.contexts.some(
          (context, index) => context === socket && spy.mock.calls[index]?.[0] === true,
        );
      expect(noDelayOn(first)).toBe(true);
      const reconnected = nextEvent(session, 'connect');
      session.destroySocket();
      await reconnected;
      const second = session.client.stream;
      expect(second).not.toBe(first);
      expect(noDelayOn(second)).toBe(true);
      // Node applied it to the connected handle (a set flag is kept per socket).
      expect((second as net.Socket).readyState).toBe('open');
    } finally {
      spy.mockRestore();
    }
  });

  it('resubscribes every routed filter after a broker restart', async () => {
    const session = await open();
    const received: string[] = [];
    await session.subscribe('resub/a', (m) => received.push(`a:${m.payload}`));
    await session.subscribe('resub/+/deep', (m) => received.push(`deep:${m.payload}`));
    const offline = nextEvent(session, 'offline');
    const back = nextEvent(session, 'connect', 20_000);
    await broker.restart();
    await offline;
    expect(await back).toEqual({ sessionPresent: false });
    const publisher = await open();
    await waitFor(async () => {
      const result = await publisher.publish('resub/a', '1');
      return !result.noMatchingSubscribers;
    }, TIMEOUT);
    await publisher.publish('resub/x/deep', '2');
    await waitFor(() => received.includes('deep:2'), TIMEOUT);
    expect(received).toContain('a:1');
  });
});
