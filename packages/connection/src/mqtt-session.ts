/**
 * `MqttSession`: the one MQTT v5 session of a process, shared by discovery, client and
 * server. It owns the mqtt.js client and adds what mqtt.js leaves out: a topic router with
 * reference-counted subscriptions, PUBACK reason codes, size checks, one reconnect policy,
 * resubscription, and promises that always settle.
 */
import { A2AMqttError, type A2AMqttErrorCode, type BrokerEndpoint } from '@a2a-mqtt/protocol';
import type {
  IClientPublishOptions,
  IConnackPacket,
  IPublishPacket,
  MqttClient,
  Packet,
} from 'mqtt';
import { createMqttClient } from './create-mqtt-client.js';
import { type Logger, NOOP_LOGGER } from './logger.js';
import {
  type CloseOptions,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_QOS,
  type InboundMessage,
  type MessageHandler,
  type MqttSessionEvents,
  type MqttSessionOptions,
  type MqttSessionSummary,
  type PublishOptions,
  type PublishResult,
  type QoS,
  type SubscribeOptions,
  type Subscription,
} from './options.js';
import { estimatePublishPacketSize, MQTT_MAX_PACKET_SIZE } from './packet-size.js';
import {
  buildMqttClientOptions,
  type ResolvedSessionOptions,
  reconnectDelayMs,
  resolveSessionOptions,
} from './resolve-options.js';
import { assertTopicName } from './topic-filter.js';
import { type RouteEntry, type RouteHandler, TopicRouter } from './topic-router.js';

/** MQTT v5 reason codes the session interprets. */
const REASON = {
  NO_MATCHING_SUBSCRIBERS: 0x10,
  BAD_USER_NAME_OR_PASSWORD: 0x86,
  NOT_AUTHORIZED: 0x87,
  BAD_AUTHENTICATION_METHOD: 0x8c,
  PACKET_TOO_LARGE: 0x95,
} as const;

type SessionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

type Listener<K extends keyof MqttSessionEvents> = (payload: MqttSessionEvents[K]) => void;

interface PendingPublish {
  readonly qos: QoS;
  readonly callback: (error?: Error, packet?: Packet) => void;
  settled: boolean;
  fail(error: A2AMqttError): void;
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

function reasonCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function toQos(value: number): QoS {
  return value === 2 ? 2 : value === 1 ? 1 : 0;
}

/**
 * The MQTT v5 session. `new MqttSession(options)` does not connect: handlers registered
 * with {@link MqttSession.subscribe} before {@link MqttSession.connect} are in place before
 * the first CONNACK, so messages a persistent session queued while offline are never lost.
 *
 * Events (`on`/`off`): `connect` `{ sessionPresent }`, `reconnect` `{ attempt }`, `offline`,
 * `close`, `error`.
 *
 * @example
 * ```ts
 * import { MqttSession } from '@a2a-mqtt/connection';
 *
 * const session = new MqttSession({ url: 'mqtt://localhost:1883', clientId: 'acme/ops/planner' });
 * await session.subscribe('$a2a/v1/request/acme/ops/planner', (message) => {
 *   console.log(message.topic, message.payload.toString());
 * });
 * await session.connect();
 * try {
 *   const result = await session.publish('$a2a/v1/request/acme/ops/planner', '{}', {
 *     failOnNoSubscribers: true,
 *   });
 *   console.log(result.reasonCode);
 * } finally {
 *   await session.close();
 * }
 * ```
 */
export class MqttSession {
  /** The mqtt.js client (escape hatch; prefer the session's methods). */
  readonly client: MqttClient;
  private readonly options: ResolvedSessionOptions;
  private readonly logger: Logger;
  private readonly router = new TopicRouter<InboundMessage>();
  private readonly listeners = new Map<keyof MqttSessionEvents, Set<(payload: never) => void>>();
  private readonly pendingPublishes = new Set<PendingPublish>();
  /** PUBACK/PUBREC/PUBCOMP reason codes by packet identifier, read by the publish callback. */
  private readonly ackReasonCodes = new Map<number, number>();
  private state: SessionState = 'idle';
  private connack: IConnackPacket | undefined;
  private firstConnect: Deferred | undefined;
  private closing: Promise<void> | undefined;
  private reconnectAttempt = 0;
  /** Open {@link MqttSession.beginBurst} scopes. */
  private burstDepth = 0;
  /** The socket corked until the next check phase (one burst turn), if any. */
  private corkedStream: { uncork(): void } | undefined;

  /**
   * Creates the session without connecting. Throws `INVALID_OPTIONS` /
   * `INVALID_BROKER_URL` / `INVALID_TOPIC` for bad options.
   */
  constructor(options: MqttSessionOptions) {
    this.options = resolveSessionOptions(options);
    const base = this.options.logger;
    this.logger =
      base.child?.({ component: 'a2a-mqtt.connection', clientId: this.options.clientId }) ?? base;
    // The password and TLS key are revealed only into the object mqtt.js keeps, as hidden
    // accessors (no JSON, inspect or spread of `client.options` shows them).
    this.client = createMqttClient(buildMqttClientOptions(this.options));
    // Attached before any connect, so no PUBLISH can arrive before we listen.
    this.client.on('message', this.onMessage);
    this.client.on('packetreceive', this.onPacketReceive);
    this.client.on('connect', this.onConnect);
    this.client.on('close', this.onClose);
    this.client.on('reconnect', this.onReconnect);
    this.client.on('error', this.onError);
    this.client.on('disconnect', this.onDisconnect);
  }

  /** The MQTT client identifier (the one the broker assigned, if it assigned one). */
  get clientId(): string {
    return this.connack?.properties?.assignedClientIdentifier ?? this.options.clientId;
  }

  /** Whether the session is connected right now. */
  get connected(): boolean {
    return this.state === 'connected';
  }

  /**
   * The Maximum Packet Size the broker announced in its CONNACK, or `undefined` (not
   * connected yet, or no limit announced).
   */
  get maximumPacketSize(): number | undefined {
    return this.connack?.properties?.maximumPacketSize;
  }

  /** The broker endpoint (without exposing the password). */
  get endpoint(): BrokerEndpoint | undefined {
    return this.options.endpoint;
  }

  /**
   * The session's identity and state, without credentials; `JSON.stringify(session)` uses it,
   * so a session in a log line or an error report never carries the password (or the mqtt.js
   * client with its options).
   */
  toJSON(): MqttSessionSummary {
    const username = this.options.mqttOptions.username;
    return {
      clientId: this.clientId,
      broker: this.options.endpoint.toString(),
      ...(username === undefined ? {} : { username }),
      connected: this.connected,
      persistent: this.options.persistent,
    };
  }

  /** `MqttSession(<clientId> @ <broker URL without credentials>)`. */
  toString(): string {
    return `MqttSession(${this.clientId} @ ${this.options.endpoint.toString()})`;
  }

  /**
   * `util.inspect` (and so `console.log`) prints {@link MqttSession.toJSON}'s summary instead
   * of the session's fields (the mqtt.js client holds the password for its reconnects).
   */
  [Symbol.for('nodejs.util.inspect.custom')](
    depth: number,
    options: { stylize?: (text: string, style: string) => string },
    inspect?: (value: unknown, options?: object) => string,
  ): string {
    const name = options?.stylize?.('MqttSession', 'special') ?? 'MqttSession';
    if (depth < 0 || inspect === undefined) return `[${name}]`;
    return `${name} ${inspect(this.toJSON(), { ...options, depth: 1 })}`;
  }

  /** Adds an event listener. Listener errors are logged, never thrown into the session. */
  on<K extends keyof MqttSessionEvents>(event: K, listener: Listener<K>): this {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return this;
  }

  /** Removes an event listener. */
  off<K extends keyof MqttSessionEvents>(event: K, listener: Listener<K>): this {
    this.listeners.get(event)?.delete(listener as (payload: never) => void);
    return this;
  }

  /**
   * The number of listeners registered for `event`. Components that share the session (the
   * server, the multi-agent host, discovery) remove theirs when they close, so this count
   * returns to its earlier value after they do.
   *
   * @example
   * ```ts
   * const before = session.listenerCount('connect');
   * const server = await createA2AMqttServer({ session, agent, requestHandler });
   * await server.close();
   * session.listenerCount('connect') === before; // true
   * ```
   */
  listenerCount(event: keyof MqttSessionEvents): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Adds a listener that runs once. */
  once<K extends keyof MqttSessionEvents>(event: K, listener: Listener<K>): this {
    const wrapper: Listener<K> = (payload) => {
      this.off(event, wrapper);
      listener(payload);
    };
    return this.on(event, wrapper);
  }

  /**
   * Connects. Resolves on the first CONNACK, after the SUBSCRIBEs of handlers registered
   * before `connect()` are acknowledged. Rejects `NOT_AUTHORIZED` (CONNACK 0x86/0x87, with
   * `reasonCode`) or `CONNECT_FAILED` (other refusals, network and TLS errors, timeout); the
   * session is then closed (create a new one to retry). After a successful first connect,
   * connection losses are handled by the reconnect policy.
   */
  connect(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(this.closedError('connect'));
    if (this.state === 'connecting' && this.firstConnect !== undefined) {
      return this.firstConnect.promise;
    }
    if (this.state !== 'idle') return Promise.resolve();
    this.state = 'connecting';
    const pending = deferred();
    this.firstConnect = pending;
    this.logger.info(
      { broker: this.options.endpoint.toString(), persistent: this.options.persistent },
      'connecting to MQTT broker',
    );
    this.logger.debug({ username: this.options.mqttOptions.username }, 'connect credentials');
    this.client.connect();
    return pending.promise;
  }

  /**
   * Routes messages matching `filter` (`+`, `#` and `$share/{group}/` allowed) to `handler`.
   * Handlers share one broker subscription per filter (reference-counted); each handler
   * receives a message once even when several of the session's filters match it. A new
   * handler on an existing filter receives the filter's retained messages (the SUBSCRIBE is
   * renewed) without the other handlers seeing them twice.
   *
   * Before `connect()` the handler is registered at once and the SUBSCRIBE is sent on
   * connect. While connected, resolves on the SUBACK; rejects `SUBSCRIBE_REJECTED` (SUBACK
   * reason code >= 0x80, on `reasonCode`), `INVALID_TOPIC`, `CONNECTION_CLOSED` (offline or
   * dropped before the SUBACK) or `CLOSED`.
   */
  async subscribe(
    filter: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.state === 'closed') throw this.closedError('subscribe');
    if (typeof handler !== 'function') {
      throw new A2AMqttError({
        code: 'INVALID_OPTIONS',
        message: 'subscribe() needs a handler function',
      });
    }
    const qos = options.qos ?? DEFAULT_QOS;
    if (qos !== 0 && qos !== 1 && qos !== 2) {
      throw new A2AMqttError({
        code: 'INVALID_OPTIONS',
        message: `qos must be 0, 1 or 2, got ${String(qos)}`,
      });
    }
    if (this.state === 'reconnecting') {
      throw new A2AMqttError({
        code: 'CONNECTION_CLOSED',
        message: `Cannot subscribe to ${filter}: the connection is down (reconnecting)`,
        details: { filter },
      });
    }
    const route: RouteHandler<InboundMessage> = { deliver: handler };
    const { entry } = this.router.add(filter, route, qos);
    const subscription: Subscription = {
      filter,
      unsubscribe: () => this.removeRoute(filter, route),
    };
    if (this.state !== 'connected') return subscription; // idle/connecting: sent on CONNACK
    // A new filter, a raised QoS or a new handler on an existing filter: (re)send the
    // SUBSCRIBE; the retained messages it triggers go to this handler only.
    try {
      await this.sendSubscribe(entry, new Set([route]));
    } catch (error) {
      this.router.remove(filter, route);
      throw error;
    }
    this.logger.debug({ filter, qos: entry.qos, handlers: entry.handlers.size }, 'subscribed');
    return subscription;
  }

  /**
   * Publishes and reports the broker's answer. QoS 1/2 resolve on the PUBACK/PUBCOMP with
   * its `reasonCode` (0x10 sets `noMatchingSubscribers`); QoS 0 resolves once written.
   *
   * Rejects `PACKET_TOO_LARGE` before sending when the encoded packet exceeds the broker's
   * Maximum Packet Size; `NOT_AUTHORIZED` on 0x87; `NO_MATCHING_SUBSCRIBERS` on 0x10 when
   * `failOnNoSubscribers`; `PUBLISH_FAILED` on other reason codes >= 0x80;
   * `CONNECTION_CLOSED` when offline or when the connection drops before the
   * acknowledgement (a QoS 1 message is then dropped from the resend store: it is not sent
   * again behind the caller's back); `CLOSED` after `close()`.
   */
  publish(
    topic: string,
    payload: string | Buffer | Uint8Array,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    try {
      if (this.state === 'closed') throw this.closedError('publish');
      assertTopicName(topic);
      const qos = options.qos ?? DEFAULT_QOS;
      if (qos !== 0 && qos !== 1 && qos !== 2) {
        throw new A2AMqttError({
          code: 'INVALID_OPTIONS',
          message: `qos must be 0, 1 or 2, got ${String(qos)}`,
        });
      }
      if (this.state !== 'connected') {
        throw new A2AMqttError({
          code: 'CONNECTION_CLOSED',
          message: `Cannot publish to ${topic}: the session is not connected`,
          details: { topic },
        });
      }
      const body =
        typeof payload === 'string'
          ? Buffer.from(payload, 'utf8')
          : Buffer.isBuffer(payload)
            ? payload
            : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      const size = estimatePublishPacketSize(topic, body.byteLength, qos, options.properties);
      const limit = Math.min(this.maximumPacketSize ?? MQTT_MAX_PACKET_SIZE, MQTT_MAX_PACKET_SIZE);
      if (size > limit) {
        throw new A2AMqttError({
          code: 'PACKET_TOO_LARGE',
          message: `The PUBLISH to ${topic} is ${size} bytes; the broker accepts at most ${limit}`,
          reasonCode: REASON.PACKET_TOO_LARGE,
          details: { topic, size, maximumPacketSize: limit },
        });
      }
      return this.sendPublish(topic, body, qos, options, size);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Closes the session and releases everything (subscriptions, timers, socket, listeners).
   * By default waits (up to 5 s) for in-flight acknowledgements, then sends DISCONNECT with
   * `reasonCode`; `force` drops the socket at once. Pending publishes that are still
   * unanswered reject with `CLOSED`. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closing = this.shutdown(options);
    return this.closing;
  }

  /** Same as {@link MqttSession.close} (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Opens a burst scope: until the returned function is called, the acknowledgements
   * (PUBACK) and other packets the session writes while it processes inbound messages are
   * coalesced into one socket write per event-loop turn (the socket is corked from the first
   * inbound message of a turn until the check phase) instead of one write per message.
   * Scopes nest (reference-counted); the returned function is idempotent.
   *
   * Use it only while a large inbound burst is expected, e.g. the retained set that follows a
   * wide subscription (the agent directory opens one during `start()`): with many inbound
   * QoS 1 messages it saves a system call per message, but request/reply traffic is better
   * off without it (acknowledgements held back to the end of the turn delay the broker's
   * in-flight window). Packets are only delayed, never dropped or reordered.
   *
   * @example
   * ```ts
   * const endBurst = session.beginBurst();
   * try {
   *   await session.subscribe('$a2a/v1/discovery/acme/#', onCard, { qos: 1 });
   * } finally {
   *   endBurst();
   * }
   * ```
   */
  beginBurst(): () => void {
    this.burstDepth += 1;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.burstDepth -= 1;
    };
  }

  /**
   * Holds this session's socket writes until the check phase of the current event-loop turn,
   * so that everything written during the turn leaves in one system call: the PUBACK mqtt.js
   * writes for an inbound message, and the publishes made while handling it (a reply that is
   * computed within the turn). Idempotent within a turn; packets are only delayed to the end
   * of the turn, never dropped or reordered. Does nothing while the socket is not open.
   *
   * Call it from a message handler when a reply is expected in the same turn: the server does
   * for every request it accepts, the requester for every non-streaming reply (so its PUBACK
   * and the caller's next request share a write). On loopback each write is a system call
   * that also wakes the broker, about 30 µs per sequential round trip on a 2-core machine.
   * Do not call it for long runs of inbound stream items: a receiver that holds its PUBACKs to
   * the end of each turn slows the broker's in-flight window (measured: a 10 000-item stream
   * fell from about 12 500 to 5 500 items/s).
   *
   * @example
   * ```ts
   * await session.subscribe('a2a/v1/request/acme/ops/planner', (message) => {
   *   session.coalesceWritesThisTurn(); // the PUBACK waits for the reply below
   *   void session.publish(message.properties.responseTopic ?? 'x', answer(message), {
   *     properties: { correlationData: message.properties.correlationData },
   *   });
   * });
   * ```
   */
  coalesceWritesThisTurn(): void {
    if (this.corkedStream !== undefined || this.state === 'closed') return;
    const stream = this.client.stream as
      | { cork?: () => void; uncork?: () => void; destroyed?: boolean }
      | undefined;
    if (stream?.cork === undefined || stream.uncork === undefined || stream.destroyed) return;
    stream.cork();
    const corked = stream as { uncork(): void };
    this.corkedStream = corked;
    setImmediate(() => {
      this.corkedStream = undefined;
      corked.uncork();
    });
  }

  /**
   * Destroys the socket without DISCONNECT, as a crash would: the broker publishes the will
   * and the session reconnects per its policy. For tests and fault injection.
   */
  destroySocket(): void {
    const stream = this.client.stream as { destroy?: () => void } | undefined;
    stream?.destroy?.();
  }

  // ---------------------------------------------------------------------------------------
  // Internals

  private closedError(operation: string): A2AMqttError {
    return new A2AMqttError({
      code: 'CLOSED',
      message: `Cannot ${operation}: the MQTT session is closed`,
    });
  }

  private emit<K extends keyof MqttSessionEvents>(event: K, payload: MqttSessionEvents[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined || set.size === 0) {
      if (event === 'error') {
        this.logger.error({ err: payload }, 'MQTT session error (no error listener)');
      }
      return;
    }
    for (const listener of [...set]) {
      try {
        (listener as Listener<K>)(payload);
      } catch (error) {
        this.logger.error({ err: error, event }, 'MQTT session event listener threw');
      }
    }
  }

  private sendPublish(
    topic: string,
    body: Buffer,
    qos: QoS,
    options: PublishOptions,
    size: number,
  ): Promise<PublishResult> {
    return new Promise<PublishResult>((resolve, reject) => {
      const pending: PendingPublish = {
        qos,
        settled: false,
        fail: (error) => {
          if (pending.settled) return;
          pending.settled = true;
          this.pendingPublishes.delete(pending);
          reject(error);
        },
        callback: (error, packet) => {
          const messageId = packet?.messageId;
          let reasonCode = messageId === undefined ? undefined : this.ackReasonCodes.get(messageId);
          if (messageId !== undefined) this.ackReasonCodes.delete(messageId);
          if (pending.settled) return;
          if (error !== undefined && error !== null) {
            pending.fail(this.publishError(topic, error, reasonCodeOf(error) ?? reasonCode));
            return;
          }
          reasonCode ??= 0;
          const noMatchingSubscribers = reasonCode === REASON.NO_MATCHING_SUBSCRIBERS;
          if (noMatchingSubscribers && options.failOnNoSubscribers === true) {
            pending.fail(
              new A2AMqttError({
                code: 'NO_MATCHING_SUBSCRIBERS',
                message: `No subscriber matches ${topic} (PUBACK 0x10)`,
                reasonCode,
                details: { topic },
              }),
            );
            return;
          }
          pending.settled = true;
          this.pendingPublishes.delete(pending);
          resolve({ reasonCode, noMatchingSubscribers });
        },
      };
      this.pendingPublishes.add(pending);
      const publishOptions: IClientPublishOptions = { qos, retain: options.retain ?? false };
      const properties = options.properties;
      if (properties !== undefined) {
        const mqttProperties: NonNullable<IClientPublishOptions['properties']> = {};
        if (properties.responseTopic !== undefined)
          mqttProperties.responseTopic = properties.responseTopic;
        if (properties.correlationData !== undefined) {
          const data = properties.correlationData;
          mqttProperties.correlationData = Buffer.isBuffer(data)
            ? data
            : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        }
        // mqtt.js encodes an empty user-property object into a PUBLISH that mosquitto never
        // acknowledges (the publish hangs), so an empty object is left out.
        const userProperties = properties.userProperties;
        // Passed as is: mqtt.js only reads it while encoding (no copy per publish).
        if (userProperties !== undefined && hasAnyKey(userProperties)) {
          mqttProperties.userProperties = userProperties;
        }
        if (properties.messageExpiryInterval !== undefined) {
          mqttProperties.messageExpiryInterval = properties.messageExpiryInterval;
        }
        if (properties.contentType !== undefined)
          mqttProperties.contentType = properties.contentType;
        if (properties.payloadFormatIndicator !== undefined) {
          mqttProperties.payloadFormatIndicator = properties.payloadFormatIndicator;
        }
        publishOptions.properties = mqttProperties;
      }
      if (this.debugEnabled()) {
        this.logger.debug({ topic, qos, retain: publishOptions.retain, bytes: size }, 'publish');
      }
      try {
        this.client.publish(topic, body, publishOptions, pending.callback);
      } catch (error) {
        pending.fail(this.publishError(topic, error as Error, undefined));
      }
    });
  }

  private publishError(topic: string, error: Error, reasonCode: number | undefined): A2AMqttError {
    if (A2AMqttError.isInstance(error)) return error;
    if (reasonCode !== undefined && reasonCode >= 0x80) {
      const code: A2AMqttErrorCode =
        reasonCode === REASON.NOT_AUTHORIZED
          ? 'NOT_AUTHORIZED'
          : reasonCode === REASON.PACKET_TOO_LARGE
            ? 'PACKET_TOO_LARGE'
            : 'PUBLISH_FAILED';
      return new A2AMqttError({
        code,
        message: `The broker refused the PUBLISH to ${topic}: ${error.message} (reason code 0x${reasonCode.toString(16)})`,
        reasonCode,
        cause: error,
        details: { topic },
      });
    }
    if (this.state === 'closed') {
      return new A2AMqttError({
        code: 'CLOSED',
        message: `The PUBLISH to ${topic} was not acknowledged before the session closed`,
        cause: error,
        details: { topic },
      });
    }
    if (/connection closed|message removed|disconnecting/i.test(error.message)) {
      return new A2AMqttError({
        code: 'CONNECTION_CLOSED',
        message: `The connection dropped before the PUBLISH to ${topic} was acknowledged`,
        cause: error,
        details: { topic },
      });
    }
    return new A2AMqttError({
      code: 'PUBLISH_FAILED',
      message: `The PUBLISH to ${topic} failed: ${error.message}`,
      cause: error,
      details: { topic },
    });
  }

  /**
   * Sends one SUBSCRIBE for `entry` with a fresh Subscription Identifier (when the broker
   * supports them). `retainedRecipients` limits who receives the retained messages it
   * triggers.
   */
  private sendSubscribe(
    entry: RouteEntry<InboundMessage>,
    retainedRecipients: ReadonlySet<RouteHandler<InboundMessage>>,
  ): Promise<void> {
    const filter = entry.parsed.filter;
    const useIds = this.connack?.properties?.subscriptionIdentifiersAvailable !== false;
    const id = useIds ? this.router.allocateSubscriptionId(entry, retainedRecipients) : undefined;
    return new Promise<void>((resolve, reject) => {
      const fail = (error: A2AMqttError): void => {
        if (id !== undefined) this.router.releaseSubscriptionId(id);
        reject(error);
      };
      this.client.subscribe(
        filter,
        {
          qos: entry.qos,
          ...(id === undefined ? {} : { properties: { subscriptionIdentifier: id } }),
        },
        (error, granted, packet) => {
          const code =
            (packet as { granted?: number[] } | undefined)?.granted?.[0] ??
            (granted?.[0]?.qos as number | undefined);
          if (code !== undefined && code >= 0x80) {
            fail(
              new A2AMqttError({
                code: 'SUBSCRIBE_REJECTED',
                message: `The broker refused the subscription to ${filter} (SUBACK reason code 0x${code.toString(16)})`,
                reasonCode: code,
                details: { filter },
              }),
            );
            return;
          }
          if (error !== undefined && error !== null) {
            fail(
              new A2AMqttError({
                code: this.state === 'closed' ? 'CLOSED' : 'CONNECTION_CLOSED',
                message: `The subscription to ${filter} was not acknowledged: ${error.message}`,
                cause: error,
                details: { filter },
              }),
            );
            return;
          }
          entry.subscribed = true;
          resolve();
        },
      );
    });
  }

  private async removeRoute(filter: string, route: RouteHandler<InboundMessage>): Promise<void> {
    const last = this.router.remove(filter, route);
    if (!last || this.state !== 'connected') return;
    await new Promise<void>((resolve) => {
      this.client.unsubscribe(filter, (error?: Error) => {
        if (error) this.logger.debug({ filter, err: error }, 'UNSUBSCRIBE not acknowledged');
        resolve();
      });
    });
    this.logger.debug({ filter }, 'unsubscribed');
  }

  private async resubscribe(all: boolean): Promise<void> {
    const entries = this.router.allEntries().filter((entry) => all || !entry.subscribed);
    if (entries.length === 0) return;
    this.logger.debug({ filters: entries.length }, 'subscribing routed filters');
    await Promise.all(
      entries.map((entry) =>
        this.sendSubscribe(entry, new Set(entry.handlers)).catch((error: unknown) => {
          this.logger.error({ err: error, filter: entry.parsed.filter }, 'resubscription failed');
          this.emit('error', error as Error);
        }),
      ),
    );
  }

  private readonly onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    if (this.state === 'closed') return;
    // In a burst, the PUBACKs mqtt.js writes after each inbound message leave in one write.
    if (this.burstDepth > 0) this.coalesceWritesThisTurn();
    const raw = packet.properties;
    const properties: InboundMessage['properties'] = {};
    if (raw !== undefined) {
      if (raw.responseTopic !== undefined) properties.responseTopic = raw.responseTopic;
      if (raw.correlationData !== undefined) properties.correlationData = raw.correlationData;
      if (raw.userProperties !== undefined) properties.userProperties = raw.userProperties;
      if (raw.messageExpiryInterval !== undefined) {
        properties.messageExpiryInterval = raw.messageExpiryInterval;
      }
      if (raw.contentType !== undefined) properties.contentType = raw.contentType;
      if (raw.payloadFormatIndicator !== undefined) {
        properties.payloadFormatIndicator = raw.payloadFormatIndicator;
      }
    }
    const message: InboundMessage = Object.freeze({
      topic,
      payload,
      qos: toQos(packet.qos),
      retain: packet.retain === true,
      properties: Object.freeze(properties),
    });
    const rawIds = raw?.subscriptionIdentifier;
    const ids = rawIds === undefined ? undefined : Array.isArray(rawIds) ? rawIds : [rawIds];
    const recipients = this.router.route(topic, message.retain, ids);
    if (recipients.size === 0) {
      if (this.debugEnabled()) this.logger.debug({ topic }, 'message matches no handler');
      return;
    }
    for (const recipient of recipients) {
      try {
        const result = recipient.deliver(message) as unknown;
        if (result !== null && typeof result === 'object' && 'then' in result) {
          (result as Promise<unknown>).then(undefined, (error: unknown) =>
            this.reportHandlerError(topic, error),
          );
        }
      } catch (error) {
        this.reportHandlerError(topic, error);
      }
    }
  };

  /** Whether debug lines are kept (skips building their fields on the hot path otherwise). */
  private debugEnabled(): boolean {
    const logger = this.logger;
    if (logger === NOOP_LOGGER) return false;
    const isLevelEnabled = (logger as { isLevelEnabled?: (level: string) => boolean })
      .isLevelEnabled;
    return isLevelEnabled === undefined || isLevelEnabled.call(logger, 'debug');
  }

  private reportHandlerError(topic: string, error: unknown): void {
    this.logger.error({ err: error, topic }, 'message handler threw');
    this.emit(
      'error',
      error instanceof Error ? error : new Error(`message handler threw: ${String(error)}`),
    );
  }

  private readonly onPacketReceive = (packet: Packet): void => {
    // mqtt.js resolves PUBACK 0x10 as success and hands the callback the stored PUBLISH, not
    // the PUBACK: keep the reason code by packet identifier for the publish callback.
    if (packet.cmd === 'puback' || packet.cmd === 'pubrec' || packet.cmd === 'pubcomp') {
      const { messageId, reasonCode } = packet;
      if (messageId === undefined) return;
      if (
        packet.cmd !== 'pubcomp' ||
        (reasonCode ?? 0) > 0 ||
        !this.ackReasonCodes.has(messageId)
      ) {
        this.ackReasonCodes.set(messageId, reasonCode ?? 0);
      }
    }
  };

  private readonly onConnect = (packet: IConnackPacket): void => {
    if (this.state === 'closed') return;
    const first = this.firstConnect !== undefined;
    const sessionPresent = packet.sessionPresent === true;
    this.connack = packet;
    this.state = 'connected';
    this.reconnectAttempt = 0;
    if (this.options.reconnect.enabled) {
      this.client.options.reconnectPeriod = this.options.reconnect.initialDelayMs;
    }
    this.logger.info(
      { sessionPresent, maximumPacketSize: packet.properties?.maximumPacketSize },
      first ? 'connected to MQTT broker' : 'reconnected to MQTT broker',
    );
    if (!sessionPresent) {
      for (const entry of this.router.allEntries()) entry.subscribed = false;
    }
    // First connect: subscribe every pre-registered filter (a resumed session may hold other
    // subscriptions, and ours need our identifiers). Reconnect: a resumed session kept the
    // subscriptions; a new one needs all of them again.
    const subscribing = this.resubscribe(first || !sessionPresent);
    if (first) {
      const pending = this.firstConnect as Deferred;
      this.firstConnect = undefined;
      subscribing.then(() => {
        if (this.state === 'closed') pending.reject(this.closedError('connect'));
        else pending.resolve();
      }, pending.reject);
    }
    this.emit('connect', { sessionPresent });
  };

  private readonly onClose = (): void => {
    // mqtt.js 'close' = the socket closed (also after each failed reconnect attempt).
    this.ackReasonCodes.clear();
    this.failPendingPublishes();
    if (this.state === 'closed') return;
    if (this.state === 'connecting') {
      this.failFirstConnect(
        new A2AMqttError({
          code: 'CONNECT_FAILED',
          message: `The connection to ${this.options.endpoint.toString()} closed before a CONNACK`,
          details: { broker: this.options.endpoint.toString() },
        }),
      );
      return;
    }
    if (this.state === 'connected') {
      this.logger.warn({ broker: this.options.endpoint.toString() }, 'MQTT connection lost');
      if (this.options.reconnect.enabled) {
        this.state = 'reconnecting';
        this.emit('offline', {});
      } else {
        this.emit('offline', {});
        void this.close({ force: true });
      }
    }
  };

  private failPendingPublishes(): void {
    if (this.pendingPublishes.size === 0) return;
    const closed = this.state === 'closed';
    const outgoing = this.client.outgoing ?? {};
    for (const pending of [...this.pendingPublishes]) {
      pending.fail(
        new A2AMqttError({
          code: closed ? 'CLOSED' : 'CONNECTION_CLOSED',
          message: closed
            ? 'The session closed before the PUBLISH was acknowledged'
            : 'The connection dropped before the PUBLISH was acknowledged; it may or may not have reached the broker',
        }),
      );
      if (pending.qos !== 1) continue;
      // Drop the QoS 1 message from mqtt.js's resend store: its caller was told it failed, so
      // it must not be re-sent behind the caller's back after the reconnect. (QoS 2 is left to
      // mqtt.js: the broker may hold its packet identifier until PUBREL.)
      for (const [messageId, entry] of Object.entries(outgoing)) {
        if (entry.cb === pending.callback) this.client.removeOutgoingMessage(Number(messageId));
      }
    }
  }

  private readonly onReconnect = (): void => {
    if (this.state === 'closed') return;
    this.reconnectAttempt += 1;
    // mqtt.js re-arms its reconnect timer with `options.reconnectPeriod` after this attempt
    // fails: set the next backoff delay now (one policy, mqtt.js's timer).
    this.client.options.reconnectPeriod = reconnectDelayMs(
      this.options.reconnect,
      this.reconnectAttempt,
    );
    this.logger.info({ attempt: this.reconnectAttempt }, 'reconnecting to MQTT broker');
    this.emit('reconnect', { attempt: this.reconnectAttempt });
  };

  private readonly onDisconnect = (packet: Packet): void => {
    const reasonCode = (packet as { reasonCode?: number }).reasonCode;
    this.logger.warn({ reasonCode }, 'the broker sent DISCONNECT');
  };

  private readonly onError = (error: Error): void => {
    if (this.state === 'closed') {
      this.logger.debug({ err: error }, 'error after close');
      return;
    }
    if (this.state === 'connecting') {
      this.failFirstConnect(this.connectError(error));
      return;
    }
    const refused = reasonCodeOf(error) !== undefined && /^Connection refused/.test(error.message);
    if (this.state === 'reconnecting' && refused) {
      // mqtt.js does not retry after a CONNACK refusal: the session is over.
      const mapped = this.connectError(error);
      this.logger.error(
        { err: mapped, reasonCode: mapped.reasonCode },
        'the broker refused the reconnect',
      );
      this.emit('error', mapped);
      void this.close({ force: true });
      return;
    }
    if (this.state === 'reconnecting') {
      this.logger.warn({ err: error, attempt: this.reconnectAttempt }, 'reconnect attempt failed');
      return;
    }
    this.logger.warn({ err: error }, 'MQTT client error');
    this.emit('error', error);
  };

  private connectError(error: Error): A2AMqttError {
    if (A2AMqttError.isInstance(error)) return error;
    const broker = this.options.endpoint.toString();
    const reasonCode = reasonCodeOf(error);
    if (reasonCode !== undefined) {
      const denied =
        reasonCode === REASON.BAD_USER_NAME_OR_PASSWORD ||
        reasonCode === REASON.NOT_AUTHORIZED ||
        reasonCode === REASON.BAD_AUTHENTICATION_METHOD;
      return new A2AMqttError({
        code: denied ? 'NOT_AUTHORIZED' : 'CONNECT_FAILED',
        message: `${broker} refused the connection: ${error.message} (CONNACK reason code 0x${reasonCode.toString(16)})`,
        reasonCode,
        retryable: !denied,
        cause: error,
        details: { broker },
      });
    }
    const systemCode = (error as { code?: unknown }).code;
    return new A2AMqttError({
      code: 'CONNECT_FAILED',
      message: `Cannot connect to ${broker}: ${error.message}`,
      cause: error,
      details: typeof systemCode === 'string' ? { broker, errorCode: systemCode } : { broker },
    });
  }

  private failFirstConnect(error: A2AMqttError): void {
    const pending = this.firstConnect;
    if (pending === undefined) return;
    this.firstConnect = undefined;
    this.logger.error({ err: error, reasonCode: error.reasonCode }, 'MQTT connect failed');
    void this.close({ force: true });
    pending.reject(error);
  }

  private async endClient(force: boolean, reasonCode: number | undefined): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.client.endAsync(force, reasonCode === undefined ? {} : { reasonCode }),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.logger.warn('graceful close timed out; dropping the socket');
            this.client.end(true);
            resolve();
          }, DEFAULT_CLOSE_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      this.logger.debug({ err: error }, 'error while ending the MQTT client');
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private async shutdown(options: CloseOptions): Promise<void> {
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    if (this.firstConnect !== undefined) {
      const pending = this.firstConnect;
      this.firstConnect = undefined;
      pending.reject(this.closedError('connect'));
    }
    const force = options.force === true || !wasConnected;
    // A client that never opened a socket has nothing to end (mqtt.js would touch `stream`).
    if (this.client.stream !== undefined) await this.endClient(force, options.reasonCode);
    this.failPendingPublishes();
    this.router.clear();
    this.ackReasonCodes.clear();
    this.client.off('message', this.onMessage);
    this.client.off('packetreceive', this.onPacketReceive);
    this.client.off('connect', this.onConnect);
    this.client.off('close', this.onClose);
    this.client.off('reconnect', this.onReconnect);
    this.client.off('disconnect', this.onDisconnect);
    // Keep a no-op 'error' listener: mqtt.js may still emit while its socket winds down, and
    // an EventEmitter without one would throw.
    this.client.off('error', this.onError);
    this.client.on('error', () => {});
    this.logger.info('MQTT session closed');
    this.emit('close', {});
    this.listeners.clear();
  }
}

/**
 * Creates a {@link MqttSession} and connects it.
 *
 * @example
 * ```ts
 * const session = await connectMqttSession({ url: process.env.MQTT_URL ?? 'mqtt://localhost:1883' });
 * try {
 *   await session.publish('a2a/v1/hello', 'hi', { qos: 1 });
 * } finally {
 *   await session.close();
 * }
 * ```
 */
export async function connectMqttSession(options: MqttSessionOptions): Promise<MqttSession> {
  const session = new MqttSession(options);
  await session.connect();
  return session;
}

/** Whether an object has at least one enumerable key (without allocating a key array). */
function hasAnyKey(value: object): boolean {
  for (const _ in value) return true;
  return false;
}
