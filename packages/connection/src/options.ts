/**
 * Public option and result types of `MqttSession`, with their exported defaults.
 */
import type { BrokerEndpoint, Secret, UserProperties } from '@a2a-mqtt/protocol';
import type { Logger } from './logger.js';

/** An MQTT QoS level. */
export type QoS = 0 | 1 | 2;

/** Keepalive interval sent in CONNECT, in seconds. */
export const DEFAULT_KEEPALIVE_SECONDS = 30;
/** Time allowed for the TCP/TLS connection plus the CONNACK, in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Session Expiry Interval of a persistent session, in seconds (1 hour). */
export const DEFAULT_SESSION_EXPIRY_INTERVAL_SECONDS = 3_600;
/** First reconnect delay, in milliseconds. */
export const DEFAULT_RECONNECT_INITIAL_DELAY_MS = 1_000;
/** Upper bound of the reconnect delay, in milliseconds. */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;
/** Growth factor of the reconnect delay after each failed attempt. */
export const DEFAULT_RECONNECT_FACTOR = 2;
/** QoS of `publish()`, `subscribe()` and the Last Will when not given. */
export const DEFAULT_QOS: QoS = 1;
/** Time `close()` waits for in-flight acknowledgements and the DISCONNECT, in milliseconds. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

/** TLS settings for `mqtts://` and `wss://` (server verification and, for mTLS, a client certificate). */
export interface TlsOptions {
  /** PEM CA certificate(s) that sign the broker certificate. @default Node's built-in CAs */
  ca?: string | Buffer | (string | Buffer)[];
  /** PEM client certificate (mTLS). @default none */
  cert?: string | Buffer;
  /** PEM private key of `cert` (mTLS). Never logged. @default none */
  key?: string | Buffer | Secret;
  /** The server name checked against the broker certificate (SNI). @default the host name */
  servername?: string;
  /**
   * Whether to refuse a broker certificate that does not verify. Turn off only for local
   * experiments.
   * @default true
   */
  rejectUnauthorized?: boolean;
}

/** The Last Will and Testament published by the broker when the connection is lost uncleanly. */
export interface WillOptions {
  /** Will topic. */
  topic: string;
  /** Will payload. */
  payload: string | Buffer;
  /** @default 1 ({@link DEFAULT_QOS}) */
  qos?: QoS;
  /** @default false */
  retain?: boolean;
  /** MQTT v5 user properties of the will message (for example `a2a-status=offline`). @default none */
  userProperties?: Record<string, string>;
  /** Content Type of the will message (for example `application/json`). @default none */
  contentType?: string;
  /** Will Delay Interval in seconds (the broker waits this long before publishing). @default 0 */
  delayIntervalSeconds?: number;
}

/** Session persistence (MQTT v5 Clean Start and Session Expiry Interval). */
export interface SessionPersistenceOptions {
  /**
   * Keep subscriptions and queued QoS 1/2 messages on the broker while offline
   * (`clean: false` plus a Session Expiry Interval). Needs a stable `clientId`.
   */
  persistent: boolean;
  /** How long the broker keeps the session after a disconnect, in seconds. @default 3_600 */
  expiryIntervalSeconds?: number;
}

/**
 * The reconnect policy: exponential backoff, applied through mqtt.js's own reconnect timer
 * (one policy, no second loop). The delay resets after a successful CONNACK.
 */
export interface ReconnectOptions {
  /** Reconnect automatically after a connection loss. @default true */
  enabled?: boolean;
  /** Delay before the first attempt, in milliseconds. @default 1_000 */
  initialDelayMs?: number;
  /** Upper bound of the delay, in milliseconds. @default 30_000 */
  maxDelayMs?: number;
  /** The delay is multiplied by this after each failed attempt. @default 2 */
  factor?: number;
}

/** Options of {@link MqttSession}. Give either `url` or `host` (and optionally `port`, `protocol`). */
export interface MqttSessionOptions {
  /**
   * Broker URL (`mqtt://`, `mqtts://`, `ws://`, `wss://`, with optional `user:password@`)
   * or an endpoint from `parseBrokerUrl`. Explicit `username`/`password` options win over the
   * URL's.
   * @default `${protocol}://${host}:${port}`
   */
  url?: string | BrokerEndpoint;
  /** Broker host, when no `url` is given. @default 'localhost' */
  host?: string;
  /** Broker port, when no `url` is given. @default 1883 for mqtt, 8883 mqtts, 80 ws, 443 wss */
  port?: number;
  /** Transport, when no `url` is given. @default 'mqtt' */
  protocol?: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  /**
   * MQTT client identifier. Required for a persistent session; for A2A agents use
   * `clientIdFor(agent)` (`{org}/{unit}/{agent}`).
   * @default a random `a2a-mqtt-{hex}`
   */
  clientId?: string;
  /** User name. @default the URL's, else none */
  username?: string;
  /** Password; never logged. @default the URL's, else none */
  password?: string | Secret;
  /** TLS and mTLS settings (only for `mqtts`/`wss`). @default none */
  tls?: TlsOptions;
  /** Last Will. @default none */
  will?: WillOptions;
  /** Keepalive in seconds. @default 30 */
  keepaliveSeconds?: number;
  /** Persistent session. @default `{ persistent: false }` */
  session?: SessionPersistenceOptions;
  /** Reconnect policy. @default `{ enabled: true, initialDelayMs: 1_000, maxDelayMs: 30_000, factor: 2 }` */
  reconnect?: ReconnectOptions;
  /** Time allowed for the connection and its CONNACK, in milliseconds. @default 10_000 */
  connectTimeoutMs?: number;
  /** Logger (pino works). @default {@link NOOP_LOGGER} */
  logger?: Logger;
}

/** MQTT v5 properties of an outgoing PUBLISH. */
export interface PublishProperties {
  /** Response Topic (request/reply). */
  responseTopic?: string;
  /** Correlation Data (request/reply), echoed byte for byte. */
  correlationData?: Buffer | Uint8Array;
  /** User properties; an array value sends the key once per value. */
  userProperties?: UserProperties;
  /** Message Expiry Interval in seconds. */
  messageExpiryInterval?: number;
  /** Content Type (for example `application/json`). */
  contentType?: string;
  /** Payload Format Indicator: `true` means UTF-8 text. */
  payloadFormatIndicator?: boolean;
}

/** Options of {@link MqttSession.publish}. */
export interface PublishOptions {
  /** @default 1 ({@link DEFAULT_QOS}) */
  qos?: QoS;
  /** @default false */
  retain?: boolean;
  /** MQTT v5 properties. @default none */
  properties?: PublishProperties;
  /**
   * Reject with `NO_MATCHING_SUBSCRIBERS` when the broker answers PUBACK 0x10 "No matching
   * subscribers" (QoS 1/2 only; brokers that never send 0x10 never trigger it).
   * @default false
   */
  failOnNoSubscribers?: boolean;
}

/** The broker's answer to a publish. */
export interface PublishResult {
  /** PUBACK/PUBREC reason code (0 for QoS 0, where the broker does not answer). */
  reasonCode: number;
  /** The broker answered 0x10 "No matching subscribers". */
  noMatchingSubscribers: boolean;
}

/** Options of {@link MqttSession.subscribe}. */
export interface SubscribeOptions {
  /**
   * Maximum QoS requested. Handlers sharing a filter share one broker subscription, at the
   * highest QoS any of them asked for.
   * @default 1 ({@link DEFAULT_QOS})
   */
  qos?: QoS;
}

/** Options of {@link MqttSession.close}. */
export interface CloseOptions {
  /**
   * Drop the socket at once instead of waiting for in-flight acknowledgements and sending
   * DISCONNECT.
   * @default false
   */
  force?: boolean;
  /**
   * Reason code of the DISCONNECT packet; `4` ("Disconnect with Will Message") asks the
   * broker to publish the will.
   * @default 0
   */
  reasonCode?: number;
}

/** An inbound MQTT message, as handed to a {@link MessageHandler}. */
export interface InboundMessage {
  /** The topic name the message was published to. */
  topic: string;
  /** The payload bytes. */
  payload: Buffer;
  /** QoS of the delivery. */
  qos: QoS;
  /** Whether the broker sent it as a retained message (on subscribe). */
  retain: boolean;
  /** The MQTT v5 properties that matter to A2A. */
  properties: {
    responseTopic?: string;
    correlationData?: Buffer;
    /** User properties; repeated keys arrive as arrays (see `readUserProperty`). */
    userProperties?: UserProperties;
    messageExpiryInterval?: number;
    contentType?: string;
    payloadFormatIndicator?: boolean;
  };
}

/**
 * Receives the messages of one subscription. A handler that throws (or returns a rejected
 * promise) is reported through the session's `error` event and logger; other handlers
 * still receive the message.
 */
export type MessageHandler = (message: InboundMessage) => void;

/** A handler registration returned by {@link MqttSession.subscribe}. */
export interface Subscription {
  /** The filter as given. */
  readonly filter: string;
  /**
   * Removes this handler. The broker subscription is removed only when the last handler of
   * the filter leaves. Idempotent.
   */
  unsubscribe(): Promise<void>;
}

/**
 * What `JSON.stringify(session)`, `String(session)` and `util.inspect(session)` show of a
 * {@link MqttSession}: identity and state, never credentials (the password and the TLS key
 * are left out; `broker` is the URL without user info).
 */
export interface MqttSessionSummary {
  /** The MQTT client identifier. */
  clientId: string;
  /** The broker URL without credentials, e.g. `mqtt://broker.example.com:1883/acme`. */
  broker: string;
  /** The user name the session authenticates with, if any (never the password). */
  username?: string;
  /** Whether the session is connected right now. */
  connected: boolean;
  /** Whether the session is persistent (`clean: false` plus a Session Expiry Interval). */
  persistent: boolean;
}

/** Event payloads of {@link MqttSession}. */
export interface MqttSessionEvents {
  /** A CONNACK accepted the connection (the first one and every reconnect). */
  connect: { sessionPresent: boolean };
  /** A reconnect attempt starts (`attempt` counts from 1 since the last connection). */
  reconnect: { attempt: number };
  /** The connection was lost; pending publishes were rejected with `CONNECTION_CLOSED`. */
  offline: Record<string, never>;
  /** The session is finished (closed, or the connection is lost with no reconnect). */
  close: Record<string, never>;
  /** A background failure (a throwing handler, a refused resubscription, a socket error). */
  error: Error;
}
