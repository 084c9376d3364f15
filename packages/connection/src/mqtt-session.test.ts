import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { isA2AMqttError, Secret } from '@a2a-mqtt/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from './logger.js';
import type { InboundMessage } from './options.js';

type Callback = (error?: Error | null, ...rest: unknown[]) => void;

/** A scriptable stand-in for the mqtt.js client (the real one is covered by integration tests). */
class FakeMqttClient extends EventEmitter {
  options: Record<string, unknown>;
  outgoing: Record<number, { cmd: string; cb: Callback; volatile: boolean }> = {};
  stream: { destroy: () => void } | undefined;
  published: {
    topic: string;
    payload: Buffer;
    opts: { qos: number; properties?: object };
    messageId?: number;
    cb: Callback;
  }[] = [];
  subscribes: {
    filter: string;
    opts: { qos: number; properties?: { subscriptionIdentifier?: number } };
    cb: Callback;
  }[] = [];
  unsubscribes: string[] = [];
  autoSuback = true;
  private nextId = 1;

  constructor(options: Record<string, unknown>) {
    super();
    // Like mqtt.js: the client keeps (and writes into) the very object it is given.
    this.options = options;
  }
  connect(): this {
    this.stream = { destroy: () => this.emit('close') };
    return this;
  }
  accept(properties: object = {}, sessionPresent = false): void {
    this.emit('connect', { cmd: 'connack', reasonCode: 0, sessionPresent, properties });
  }
  publish(topic: string, payload: Buffer, opts: { qos: number }, cb: Callback): this {
    const messageId = opts.qos > 0 ? this.nextId++ : undefined;
    this.published.push({ topic, payload, opts, messageId, cb });
    if (messageId !== undefined) this.outgoing[messageId] = { cmd: 'publish', cb, volatile: false };
    else queueMicrotask(() => cb());
    return this;
  }
  ack(messageId: number, reasonCode: number): void {
    const puback = { cmd: 'puback', messageId, reasonCode };
    this.emit('packetreceive', puback);
    const entry = this.outgoing[messageId];
    delete this.outgoing[messageId];
    if (reasonCode >= 0x80) {
      entry?.cb(
        Object.assign(new Error('Publish error: Not authorized'), { code: reasonCode }),
        puback,
      );
    } else {
      // Like mqtt.js: the callback gets the stored PUBLISH, not the PUBACK.
      entry?.cb(null, { cmd: 'publish', messageId });
    }
  }
  subscribe(filter: string, opts: { qos: number }, cb: Callback): this {
    this.subscribes.push({ filter, opts, cb });
    if (this.autoSuback)
      queueMicrotask(() => cb(null, [{ topic: filter, qos: opts.qos }], { granted: [opts.qos] }));
    return this;
  }
  unsubscribe(filter: string, cb: Callback): this {
    this.unsubscribes.push(filter);
    queueMicrotask(() => cb());
    return this;
  }
  removeOutgoingMessage(messageId: number): this {
    const entry = this.outgoing[messageId];
    delete this.outgoing[messageId];
    entry?.cb(new Error('Message removed'));
    return this;
  }
  endAsync(): Promise<void> {
    return Promise.resolve();
  }
  end(): this {
    return this;
  }
  deliver(topic: string, payload: string, properties: object = {}, retain = false): void {
    this.emit('message', topic, Buffer.from(payload), {
      cmd: 'publish',
      topic,
      qos: 1,
      retain,
      properties,
    });
  }
}

let fake: FakeMqttClient;
vi.mock('./create-mqtt-client.js', () => ({
  createMqttClient: (options: Record<string, unknown>) => {
    fake = new FakeMqttClient(options);
    return fake;
  },
}));

const { MqttSession } = await import('./mqtt-session.js');

/**
 * Resolves in the check phase of the current event-loop turn: every microtask queued so far
 * (and every one those queue) has run by then. Deterministic, unlike a timer.
 */
function nextCheckPhase(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function connected(
  options: ConstructorParameters<typeof MqttSession>[0] = {},
  connack: object = {},
) {
  const session = new MqttSession({ url: 'mqtt://localhost', ...options });
  const connecting = session.connect();
  fake.accept(connack);
  await connecting;
  return session;
}

describe('MqttSession (fake mqtt.js client)', () => {
  beforeEach(() => {
    vi.useRealTimers();
  });

  it('reports the PUBACK reason code mqtt.js hides, and 0x10 as noMatchingSubscribers', async () => {
    const session = await connected();
    const ok = session.publish('a/b', 'x');
    fake.ack(1, 0);
    await expect(ok).resolves.toEqual({ reasonCode: 0, noMatchingSubscribers: false });
    const nobody = session.publish('a/b', 'x');
    fake.ack(2, 0x10);
    await expect(nobody).resolves.toEqual({ reasonCode: 0x10, noMatchingSubscribers: true });
  });

  it('turns 0x10 into NO_MATCHING_SUBSCRIBERS with failOnNoSubscribers, and 0x87 into NOT_AUTHORIZED', async () => {
    const session = await connected();
    const strict = session.publish('a/b', 'x', { failOnNoSubscribers: true });
    fake.ack(1, 0x10);
    await expect(strict).rejects.toMatchObject({
      code: 'NO_MATCHING_SUBSCRIBERS',
      reasonCode: 0x10,
    });
    const denied = session.publish('a/b', 'x');
    fake.ack(2, 0x87);
    await expect(denied).rejects.toMatchObject({ code: 'NOT_AUTHORIZED', reasonCode: 0x87 });
  });

  it('refuses a publish above the CONNACK Maximum Packet Size before sending it', async () => {
    const session = await connected({}, { maximumPacketSize: 100 });
    expect(session.maximumPacketSize).toBe(100);
    await expect(session.publish('a/b', Buffer.alloc(200))).rejects.toMatchObject({
      code: 'PACKET_TOO_LARGE',
      details: expect.objectContaining({ maximumPacketSize: 100 }),
    });
    expect(fake.published).toHaveLength(0);
    // Exactly at the limit is fine: 1 + 1 + (2 + 3) + 2 + 1 + 90 = 100 bytes.
    const atLimit = session.publish('a/b', Buffer.alloc(90));
    fake.ack(1, 0);
    await expect(atLimit).resolves.toMatchObject({ reasonCode: 0 });
  });

  it('rejects pending publishes with CONNECTION_CLOSED when the socket drops, and drops QoS 1 from the resend store', async () => {
    const session = await connected();
    const offline = vi.fn();
    session.on('offline', offline);
    const pending = session.publish('a/b', 'x', { qos: 1 });
    expect(Object.keys(fake.outgoing)).toEqual(['1']);
    fake.emit('close');
    await expect(pending).rejects.toMatchObject({ code: 'CONNECTION_CLOSED', retryable: true });
    expect(fake.outgoing).toEqual({});
    expect(offline).toHaveBeenCalledTimes(1);
    expect(session.connected).toBe(false);
    await expect(session.publish('a/b', 'x')).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await expect(session.subscribe('a/b', () => {})).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
    });
  });

  it('keeps delivering to other handlers when one throws, and reports it on the error event', async () => {
    const session = await connected();
    const errors: Error[] = [];
    session.on('error', (error) => errors.push(error));
    const received: string[] = [];
    await session.subscribe('x/+', () => {
      throw new Error('handler bug');
    });
    await session.subscribe('x/+', (message) => received.push(message.payload.toString()));
    await session.subscribe('x/#', async () => {
      throw new Error('async handler bug');
    });
    fake.deliver('x/y', 'hello');
    await vi.waitFor(() => expect(errors).toHaveLength(2));
    expect(received).toEqual(['hello']);
    expect(errors.map((error) => error.message).sort()).toEqual([
      'async handler bug',
      'handler bug',
    ]);
  });

  it('delivers a message once per handler across overlapping filters, using subscription identifiers', async () => {
    const session = await connected();
    const plus: string[] = [];
    const hash: string[] = [];
    await session.subscribe('x/+', (message) => plus.push(message.topic));
    await session.subscribe('x/#', (message) => hash.push(message.topic));
    const [first, second] = fake.subscribes.map((s) => s.opts.properties?.subscriptionIdentifier);
    expect(first).toBeTypeOf('number');
    expect(second).not.toBe(first);
    // mosquitto sends one copy per matching subscription, each with its identifier.
    fake.deliver('x/y', 'm', { subscriptionIdentifier: first });
    fake.deliver('x/y', 'm', { subscriptionIdentifier: second });
    expect(plus).toEqual(['x/y']);
    expect(hash).toEqual(['x/y']);
  });

  it('reference-counts filters: UNSUBSCRIBE only when the last handler leaves', async () => {
    const session = await connected();
    const a: string[] = [];
    const b: string[] = [];
    const subA = await session.subscribe('t/1', (message) => a.push(message.topic));
    const subB = await session.subscribe('t/1', (message) => b.push(message.topic), { qos: 2 });
    expect(fake.subscribes.map((s) => [s.filter, s.opts.qos])).toEqual([
      ['t/1', 1],
      ['t/1', 2],
    ]);
    await subA.unsubscribe();
    expect(fake.unsubscribes).toEqual([]);
    fake.deliver('t/1', 'still');
    expect(b).toEqual(['t/1']);
    expect(a).toEqual([]);
    await subA.unsubscribe(); // idempotent
    await subB.unsubscribe();
    expect(fake.unsubscribes).toEqual(['t/1']);
  });

  it('rejects SUBSCRIBE_REJECTED with the SUBACK reason code and removes the handler', async () => {
    const session = await connected();
    fake.autoSuback = false;
    const subscribing = session.subscribe('secret/#', () => {});
    const request = fake.subscribes[0];
    request?.cb(Object.assign(new Error('Subscribe error'), { packet: { granted: [0x87] } }), [], {
      granted: [0x87],
    });
    await expect(subscribing).rejects.toMatchObject({
      code: 'SUBSCRIBE_REJECTED',
      reasonCode: 0x87,
    });
    fake.deliver('secret/x', 'nope');
  });

  it('registers handlers before connect and subscribes them before connect() resolves', async () => {
    const session = new MqttSession({
      url: 'mqtt://localhost',
      clientId: 'me',
      session: { persistent: true },
    });
    const received: InboundMessage[] = [];
    await session.subscribe('q/+', (message) => received.push(message));
    expect(fake.subscribes).toHaveLength(0);
    const connecting = session.connect();
    // A queued message of the persistent session arrives right after CONNACK, carrying an
    // identifier from a previous process: routed by topic.
    fake.deliver('q/1', 'queued', { subscriptionIdentifier: 77 });
    fake.accept({}, true);
    await connecting;
    expect(received.map((message) => message.payload.toString())).toEqual(['queued']);
    expect(fake.subscribes.map((s) => s.filter)).toEqual(['q/+']);
  });

  it('resubscribes every routed filter after a reconnect without a session, none when the session was resumed', async () => {
    const session = await connected();
    await session.subscribe('a/+', () => {});
    await session.subscribe('b/#', () => {});
    expect(fake.subscribes).toHaveLength(2);
    fake.emit('close');
    fake.emit('reconnect');
    fake.accept({}, false);
    await vi.waitFor(() => expect(fake.subscribes).toHaveLength(4));
    expect(
      fake.subscribes
        .slice(2)
        .map((s) => s.filter)
        .sort(),
    ).toEqual(['a/+', 'b/#']);
    const resumed = new Promise((resolve) => session.once('connect', resolve));
    fake.emit('close');
    fake.emit('reconnect');
    fake.accept({}, true);
    expect(await resumed).toEqual({ sessionPresent: true });
    // The CONNACK has been handled; let whatever it queued (a resubscription would) run.
    await nextCheckPhase();
    expect(fake.subscribes).toHaveLength(4);
    expect(session.connected).toBe(true);
  });

  it('drives mqtt.js reconnectPeriod with the backoff policy and resets it after a CONNACK', async () => {
    const session = await connected({
      reconnect: { initialDelayMs: 100, maxDelayMs: 500, factor: 2 },
    });
    const attempts: number[] = [];
    session.on('reconnect', ({ attempt }) => attempts.push(attempt));
    expect(fake.options.reconnectPeriod).toBe(100);
    fake.emit('close');
    const periods: unknown[] = [];
    for (let i = 0; i < 4; i += 1) {
      fake.emit('reconnect');
      periods.push(fake.options.reconnectPeriod);
      fake.emit('close');
    }
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(periods).toEqual([200, 400, 500, 500]);
    fake.emit('reconnect');
    fake.accept();
    expect(fake.options.reconnectPeriod).toBe(100);
  });

  it('maps CONNACK refusals: 0x87 to NOT_AUTHORIZED and network errors to CONNECT_FAILED', async () => {
    const denied = new MqttSession({ url: 'mqtt://localhost' });
    const connecting = denied.connect();
    fake.emit(
      'error',
      Object.assign(new Error('Connection refused: Not authorized'), { code: 0x87 }),
    );
    await expect(connecting).rejects.toMatchObject({ code: 'NOT_AUTHORIZED', reasonCode: 0x87 });
    await expect(denied.publish('a', 'b')).rejects.toMatchObject({ code: 'CLOSED' });

    const unreachable = new MqttSession({ url: 'mqtt://localhost' });
    const failing = unreachable.connect();
    fake.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const error = await failing.catch((caught: unknown) => caught);
    expect(isA2AMqttError(error, 'CONNECT_FAILED')).toBe(true);
    expect((error as { details: object }).details).toMatchObject({ errorCode: 'ECONNREFUSED' });
  });

  it('close() rejects what is pending with CLOSED, releases subscriptions and emits close once', async () => {
    const session = await connected();
    const closed = vi.fn();
    session.on('close', closed);
    await session.subscribe('a/b', () => {});
    fake.autoSuback = false;
    const pending = session.publish('a/b', 'x');
    await Promise.all([session.close(), session.close()]);
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    expect(closed).toHaveBeenCalledTimes(1);
    await expect(session.subscribe('a/b', () => {})).rejects.toMatchObject({ code: 'CLOSED' });
    expect(fake.listenerCount('message')).toBe(0);
  });

  it('listenerCount() counts the listeners of an event and drops to 0 after close()', async () => {
    const session = await connected();
    const onConnect = (): void => {};
    expect(session.listenerCount('connect')).toBe(0);
    session.on('connect', onConnect);
    session.once('connect', () => {});
    session.on('close', () => {});
    expect(session.listenerCount('connect')).toBe(2);
    expect(session.listenerCount('close')).toBe(1);
    session.off('connect', onConnect);
    expect(session.listenerCount('connect')).toBe(1);
    await session.close();
    expect(session.listenerCount('connect')).toBe(0);
    expect(session.listenerCount('close')).toBe(0);
  });

  it('beginBurst() corks the socket once per turn while inbound messages arrive, only inside the scope', async () => {
    const session = await connected();
    await session.subscribe('b/#', () => {});
    const calls: string[] = [];
    const stream = {
      destroy: () => {},
      cork: () => calls.push('cork'),
      uncork: () => calls.push('uncork'),
    };
    (fake as unknown as { stream: typeof stream }).stream = stream;

    fake.deliver('b/0', 'outside');
    await nextCheckPhase();
    expect(calls).toEqual([]);

    const endOuter = session.beginBurst();
    const endInner = session.beginBurst();
    fake.deliver('b/1', 'one');
    fake.deliver('b/2', 'two');
    expect(calls).toEqual(['cork']);
    await nextCheckPhase();
    expect(calls).toEqual(['cork', 'uncork']);
    endInner();
    endInner();
    fake.deliver('b/3', 'three');
    await nextCheckPhase();
    expect(calls).toEqual(['cork', 'uncork', 'cork', 'uncork']);

    endOuter();
    fake.deliver('b/4', 'after');
    await nextCheckPhase();
    expect(calls).toHaveLength(4);
    await session.close();
  });

  it('never logs the password, and payload bodies only at debug or below', async () => {
    const lines: { level: string; text: string }[] = [];
    const capture =
      (level: string) =>
      (obj: object | string, msg?: string): void => {
        lines.push({
          level,
          text: `${JSON.stringify(obj, (_k, v) => (typeof v === 'bigint' ? String(v) : v))} ${msg ?? ''}`,
        });
      };
    const logger: Logger = {
      trace: capture('trace'),
      debug: capture('debug'),
      info: capture('info'),
      warn: capture('warn'),
      error: capture('error'),
    };
    const session = await connected({ url: 'mqtt://alice:hunter2@localhost:1883', logger });
    await session.subscribe('a/b', () => {
      throw new Error('handler failed');
    });
    const publishing = session.publish('a/b', 'TOP-SECRET-BODY');
    fake.ack(1, 0);
    await publishing;
    fake.deliver('a/b', 'TOP-SECRET-BODY');
    fake.emit('close');
    await session.close();
    const all = lines.map((line) => line.text).join('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(all).not.toContain('hunter2');
    const aboveDebug = lines.filter((line) => !['trace', 'debug'].includes(line.level));
    expect(aboveDebug.map((line) => line.text).join('\n')).not.toContain('TOP-SECRET-BODY');
    expect(aboveDebug.some((line) => line.text.includes('localhost:1883'))).toBe(true);
  });
  it('keeps the password out of util.inspect, JSON and String of the session, its options and its client', async () => {
    const session = new MqttSession({
      url: 'mqtt://alice:hunter2@broker.example:1884/acme',
      clientId: 'acme/sales/alice',
    });
    const internals = session as unknown as { options: object; client: { options: object } };
    const texts = [
      inspect(session),
      inspect(session, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
      inspect({ nested: { session } }, { depth: Number.POSITIVE_INFINITY }),
      JSON.stringify(session),
      JSON.stringify({ session }),
      String(session),
      `${session}`,
      // The private resolved options and the mqtt.js client (escape hatch) keep it hidden too.
      inspect(internals.options, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(internals.options),
      inspect(session.client, { depth: 4, showHidden: true }),
      inspect(internals.client.options, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(internals.client.options),
      JSON.stringify({ ...internals.client.options }),
    ];
    for (const text of texts) expect(text).not.toContain('hunter2');

    expect(session.toJSON()).toEqual({
      clientId: 'acme/sales/alice',
      broker: 'mqtt://broker.example:1884/acme',
      username: 'alice',
      connected: false,
      persistent: false,
    });
    expect(String(session)).toBe('MqttSession(acme/sales/alice @ mqtt://broker.example:1884/acme)');
    expect(inspect(session)).toContain("clientId: 'acme/sales/alice'");
    // What mqtt.js reads when it writes CONNECT (first connect and every reconnect).
    expect(fake.options.username).toBe('alice');
    expect(fake.options.password).toBe('hunter2');
    expect(Object.keys(fake.options)).not.toContain('password');

    // Connect failures and their logs name the broker without user info.
    const failing = session.connect();
    fake.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const error = await failing.catch((caught: unknown) => caught);
    expect(isA2AMqttError(error, 'CONNECT_FAILED')).toBe(true);
    expect(inspect(error, { depth: Number.POSITIVE_INFINITY })).not.toContain('hunter2');
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });

  it('keeps an explicit Secret password and the TLS key hidden, and still hands them to mqtt.js', () => {
    const session = new MqttSession({
      url: 'mqtts://bob@127.0.0.1:8883',
      password: new Secret('s3cret-pw'),
      tls: { ca: 'CA-PEM', cert: 'CERT-PEM', key: 'PRIVATE-KEY-PEM' },
    });
    const internals = session as unknown as { options: object };
    const texts = [
      inspect(session, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(session),
      inspect(internals.options, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      inspect(fake.options, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(fake.options),
    ];
    for (const text of texts) {
      expect(text).not.toContain('s3cret-pw');
      expect(text).not.toContain('PRIVATE-KEY-PEM');
    }
    expect(fake.options.password).toBe('s3cret-pw');
    expect(fake.options.key).toBe('PRIVATE-KEY-PEM');
    expect(fake.options.cert).toBe('CERT-PEM');
    // Writing through the escape hatch keeps the value hidden.
    fake.options.password = 'rotated-pw';
    expect(fake.options.password).toBe('rotated-pw');
    expect(JSON.stringify(fake.options)).not.toContain('rotated-pw');
  });
});
