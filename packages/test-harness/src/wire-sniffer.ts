/**
 * A wire sniffer: one raw mqtt.js client subscribed to everything under a topic prefix that
 * records each message with its MQTT v5 properties and checks it against the profile.
 */
import {
  createTopics,
  DEFAULT_TOPIC_PREFIX,
  type TopicScheme,
  USER_PROPERTY,
  type UserProperties,
} from '@a2a-mqtt/protocol';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { BrokerHandle } from './broker-handle.js';
import { TEST_HARNESS_ERROR_CODE, TestHarnessError } from './errors.js';
import { trackDisposer } from './process-registry.js';
import { DEFAULT_WAIT_TIMEOUT_MS, WaitTimeoutError } from './wait.js';
import {
  createWireValidationState,
  type SniffedMessage,
  validateWireMessage,
  type WireRule,
  type WireViolation,
} from './wire-validation.js';

/** Default cap on recorded messages (older ones are dropped first). */
export const DEFAULT_SNIFFER_MAX_MESSAGES = 50_000;

/** Options of {@link createWireSniffer}. Give `broker` or `url`. */
export interface WireSnifferOptions {
  /**
   * A harness broker: its `clientOptions()` (TLS material) and, on ACL brokers, its `admin`
   * credentials are used.
   * @default undefined (give `url` instead)
   */
  broker?: BrokerHandle;
  /**
   * A broker URL (`mqtt://`, `mqtts://`, `ws://`...), when no `broker` is given.
   * @default undefined (give `broker` instead)
   */
  url?: string;
  /**
   * The topic prefix to record; the sniffer subscribes `${prefix}/#` (`#` alone never matches `$`
   * topics).
   * @default '$a2a/v1'
   */
  prefix?: string;
  /** Extra mqtt.js options (credentials, TLS), merged last. @default {} */
  mqttOptions?: IClientOptions;
  /** Rules not to report (e.g. `'discovery-presence-missing'` for raw fixtures). @default [] */
  ignoreRules?: readonly WireRule[];
  /** @default 50_000 ({@link DEFAULT_SNIFFER_MAX_MESSAGES}) */
  maxMessages?: number;
}

/** Options of {@link WireSniffer.waitForMessage}. */
export interface WaitForMessageOptions {
  /** @default 5_000 */
  timeoutMs?: number;
}

/** A running sniffer. */
export interface WireSniffer {
  /** The prefix it records. */
  readonly prefix: string;
  /** Every recorded message (optionally filtered), in arrival order. */
  messages(filter?: (message: SniffedMessage) => boolean): SniffedMessage[];
  /** Every violation found so far, in arrival order. */
  violations(): WireViolation[];
  /**
   * Resolves with the first recorded message (past or future) that satisfies `predicate`.
   * Rejects with `WaitTimeoutError` after the timeout.
   */
  waitForMessage(
    predicate: (message: SniffedMessage) => boolean,
    options?: WaitForMessageOptions | number,
  ): Promise<SniffedMessage>;
  /**
   * Publishes a marker through the broker and resolves when it comes back: every message the
   * broker accepted before the call has then been recorded. Use it before `clear()` so late
   * messages of one test do not land in the next. The marker itself is never recorded.
   * @default timeoutMs DEFAULT_WAIT_TIMEOUT_MS
   */
  fence(options?: { timeoutMs?: number }): Promise<void>;
  /** Forgets recorded messages and violations (not the request/reply correlation state). */
  clear(): void;
  /** Disconnects; idempotent. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

function toBuffer(value: unknown): Buffer | undefined {
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return undefined;
}

function copyUserProperties(value: unknown): UserProperties | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const out: UserProperties = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    out[key] = Array.isArray(entry) ? entry.map(String) : String(entry);
  }
  return out;
}

/** The publish packet fields {@link toSniffedMessage} reads (received or sent by mqtt.js). */
export interface PublishPacketLike {
  topic: string;
  payload: Buffer | Uint8Array | string;
  qos?: 0 | 1 | 2;
  retain?: boolean;
  properties?: IPublishPacket['properties'];
}

/**
 * Records one PUBLISH as a {@link SniffedMessage} (payload and binary properties copied), the
 * way the sniffer and `recordOutgoing` see it. Internal: not exported from the package entry.
 */
export function toSniffedMessage(
  packet: PublishPacketLike,
  index: number,
  topics: TopicScheme,
): SniffedMessage {
  const properties = packet.properties ?? {};
  const correlationData = toBuffer(properties.correlationData);
  const userProperties = copyUserProperties(properties.userProperties);
  return {
    index,
    topic: packet.topic,
    payload: Buffer.from(packet.payload),
    qos: packet.qos ?? 0,
    retain: packet.retain ?? false,
    properties: {
      ...(properties.responseTopic !== undefined
        ? { responseTopic: properties.responseTopic }
        : {}),
      ...(correlationData ? { correlationData } : {}),
      ...(userProperties ? { userProperties } : {}),
      ...(properties.messageExpiryInterval !== undefined
        ? { messageExpiryInterval: properties.messageExpiryInterval }
        : {}),
      ...(properties.contentType !== undefined ? { contentType: properties.contentType } : {}),
      ...(properties.payloadFormatIndicator !== undefined
        ? { payloadFormatIndicator: properties.payloadFormatIndicator }
        : {}),
    },
    receivedAt: Date.now(),
    parsed: topics.parse(packet.topic),
  };
}

/**
 * Connects a sniffer, subscribes `${prefix}/#` at QoS 2 with Retain As Published (so QoS and
 * retain are seen as published) and resolves once the subscription is granted.
 *
 * @example
 * ```ts
 * const sniffer = await createWireSniffer({ broker, prefix: 'a2a/v1' });
 * try {
 *   // ... run agents and clients ...
 *   expect(sniffer.violations()).toEqual([]);
 * } finally {
 *   await sniffer.close();
 * }
 * ```
 */
export async function createWireSniffer(options: WireSnifferOptions): Promise<WireSniffer> {
  const prefix = options.prefix ?? DEFAULT_TOPIC_PREFIX;
  const topics = createTopics({ prefix });
  const ignored = new Set<WireRule>(options.ignoreRules ?? []);
  const maxMessages = options.maxMessages ?? DEFAULT_SNIFFER_MAX_MESSAGES;
  const base: IClientOptions = options.broker
    ? options.broker.clientOptions(
        options.broker.admin
          ? { username: options.broker.admin.username, password: options.broker.admin.password }
          : {},
      )
    : { protocolVersion: 5, reconnectPeriod: 0 };
  const clientOptions: IClientOptions = {
    ...base,
    protocolVersion: 5,
    clientId: `a2a-sniffer-${Math.random().toString(16).slice(2, 10)}`,
    clean: true,
    ...options.mqttOptions,
  };
  let client: MqttClient;
  if (options.broker) client = await mqtt.connectAsync(clientOptions);
  else if (options.url) client = await mqtt.connectAsync(options.url, clientOptions);
  else {
    throw new TestHarnessError({
      code: TEST_HARNESS_ERROR_CODE.INVALID_OPTIONS,
      message: 'createWireSniffer needs `broker` or `url`',
    });
  }

  let recorded: SniffedMessage[] = [];
  let violations: WireViolation[] = [];
  const state = createWireValidationState();
  const waiters = new Set<(message: SniffedMessage) => void>();
  let nextIndex = 0;

  // Fences travel on the sniffer's own reply topic, marked as probes, and are never recorded.
  const fenceBase = topics.reply({
    org: '_sniffer',
    unit: '_sniffer',
    requester: clientOptions.clientId ?? '_sniffer',
    suffix: '_fence',
  });
  const fenceWaiters = new Map<string, () => void>();
  let nextFence = 0;

  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    const fenceWaiter = fenceWaiters.get(topic);
    if (fenceWaiter) {
      fenceWaiters.delete(topic);
      fenceWaiter();
      return;
    }
    const message = toSniffedMessage({ ...packet, topic, payload }, nextIndex++, topics);
    for (const violation of validateWireMessage(message, topics, state)) {
      if (!ignored.has(violation.rule)) violations.push(violation);
    }
    recorded.push(message);
    if (recorded.length > maxMessages) recorded = recorded.slice(-maxMessages);
    for (const waiter of [...waiters]) waiter(message);
  });

  const granted = await client.subscribeAsync(`${prefix}/#`, { qos: 2, rap: true });
  const failed = granted.find((grant) => grant.qos > 2);
  if (failed) {
    await client.endAsync(true);
    throw new TestHarnessError({
      code: TEST_HARNESS_ERROR_CODE.SUBSCRIBE_REJECTED,
      message: `Sniffer subscription to ${prefix}/# refused (reason code ${failed.qos})`,
      details: { filter: `${prefix}/#`, reasonCode: failed.qos },
    });
  }

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    unregister();
    waiters.clear();
    // A forced end only drops the socket: the broker may still route a publish that another
    // client sends right after to this subscription. UNSUBACK proves the subscription is gone
    // (tests that need "nobody subscribes" depend on it).
    if (client.connected) {
      try {
        await client.unsubscribeAsync(`${prefix}/#`);
      } catch {
        // The connection is already going away: ending it below is all that is left.
      }
    }
    await client.endAsync(true);
  };
  const unregister = trackDisposer(close);

  return {
    prefix,
    messages: (filter) => (filter ? recorded.filter(filter) : [...recorded]),
    violations: () => [...violations],
    waitForMessage(predicate, waitOptions) {
      const timeoutMs =
        typeof waitOptions === 'number'
          ? waitOptions
          : (waitOptions?.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
      const existing = recorded.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise<SniffedMessage>((resolve, reject) => {
        const waiter = (message: SniffedMessage) => {
          if (!predicate(message)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(message);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new WaitTimeoutError(
              `No matching message under ${prefix}/# within ${timeoutMs} ms (${recorded.length} recorded)`,
              timeoutMs,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async fence(fenceOptions) {
      const timeoutMs = fenceOptions?.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
      const topic = `${fenceBase}.${nextFence++}`;
      let timer: NodeJS.Timeout | undefined;
      const arrived = new Promise<void>((resolve, reject) => {
        fenceWaiters.set(topic, resolve);
        timer = setTimeout(() => {
          fenceWaiters.delete(topic);
          reject(
            new WaitTimeoutError(
              `The sniffer's fence did not return within ${timeoutMs} ms`,
              timeoutMs,
            ),
          );
        }, timeoutMs);
      });
      arrived.catch(() => undefined); // awaited below; this only keeps an early failure handled
      try {
        await client.publishAsync(topic, '', {
          qos: 1,
          properties: { userProperties: { [USER_PROPERTY.PROBE]: 'sniffer-fence' } },
        });
        await arrived;
      } finally {
        clearTimeout(timer);
        fenceWaiters.delete(topic);
      }
    },
    clear() {
      recorded = [];
      violations = [];
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
