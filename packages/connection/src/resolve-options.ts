/**
 * Turns {@link MqttSessionOptions} into the mqtt.js client options, once, without touching
 * the caller's object. Pure (no I/O), unit-tested.
 */
import { randomBytes } from 'node:crypto';
import { A2AMqttError, type BrokerEndpoint, parseBrokerUrl, Secret } from '@a2a-mqtt/protocol';
import type { IClientOptions } from 'mqtt';
import { type Logger, mqttJsLogBridge, NOOP_LOGGER } from './logger.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_SECONDS,
  DEFAULT_QOS,
  DEFAULT_RECONNECT_FACTOR,
  DEFAULT_RECONNECT_INITIAL_DELAY_MS,
  DEFAULT_RECONNECT_MAX_DELAY_MS,
  DEFAULT_SESSION_EXPIRY_INTERVAL_SECONDS,
  type MqttSessionOptions,
} from './options.js';
import { assertTopicName } from './topic-filter.js';

/** The reconnect policy after defaults. */
export interface ResolvedReconnectPolicy {
  readonly enabled: boolean;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
}

/**
 * Everything the session needs, resolved once. Secrets (the password, the TLS private key)
 * stay {@link Secret}s here, so no string or `util.inspect` form of this object shows them;
 * {@link buildMqttClientOptions} reveals them only into the object handed to mqtt.js.
 */
export interface ResolvedSessionOptions {
  readonly endpoint: BrokerEndpoint;
  readonly clientId: string;
  readonly persistent: boolean;
  readonly reconnect: ResolvedReconnectPolicy;
  readonly logger: Logger;
  /** mqtt.js options without `password` and `key` (see {@link buildMqttClientOptions}). */
  readonly mqttOptions: Readonly<Omit<IClientOptions, 'password' | 'key'>>;
  /** The CONNECT password (explicit option, else the URL's). */
  readonly password: Secret | undefined;
  /** The TLS client private key (mTLS). */
  readonly tlsKey: Secret | undefined;
}

const MAX_UINT32 = 0xff_ff_ff_ff;

function invalid(message: string, details?: Record<string, unknown>): A2AMqttError {
  return new A2AMqttError({
    code: 'INVALID_OPTIONS',
    message,
    ...(details === undefined ? {} : { details }),
  });
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer between ${min} and ${max}, got ${String(value)}`);
  }
}

function checkQos(name: string, value: number): void {
  if (value !== 0 && value !== 1 && value !== 2) {
    throw invalid(`${name} must be 0, 1 or 2, got ${String(value)}`);
  }
}

function toSecret(value: string | Buffer | Secret | undefined): Secret | undefined {
  if (value === undefined || value instanceof Secret) return value;
  if (typeof value === 'string') return new Secret(value);
  if (Buffer.isBuffer(value)) return new Secret(value.toString('utf8')); // PEM text
  // A Secret from another copy of @a2a-mqtt/protocol.
  const revealable = value as { reveal?: () => unknown };
  if (typeof revealable.reveal === 'function') return new Secret(String(revealable.reveal()));
  return new Secret(String(value));
}

/**
 * Defines `key` on `target` as a non-enumerable accessor that reveals `secret`: mqtt.js reads
 * it as a plain string when it writes CONNECT (and the TLS socket when it connects), while
 * `JSON.stringify`, `util.inspect` and object spreads of `target` leave it out. Assigning a
 * new value keeps it hidden.
 */
function defineHiddenSecret(target: object, key: 'password' | 'key', secret: Secret): void {
  let current: Secret | undefined = secret;
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: false,
    get: () => current?.reveal(),
    set: (value: unknown) => {
      current =
        value === undefined || value === null
          ? undefined
          : toSecret(value as string | Buffer | Secret);
    },
  });
}

/**
 * The options object for one mqtt.js client: a fresh copy of `resolved.mqttOptions` (mqtt.js
 * writes into it) with the password and the TLS key as hidden accessors (see
 * `defineHiddenSecret`), so neither `client.options` nor anything that prints it shows them.
 */
export function buildMqttClientOptions(resolved: ResolvedSessionOptions): IClientOptions {
  const options: IClientOptions = { ...resolved.mqttOptions };
  if (resolved.password !== undefined) defineHiddenSecret(options, 'password', resolved.password);
  if (resolved.tlsKey !== undefined) defineHiddenSecret(options, 'key', resolved.tlsKey);
  return options;
}

const DEFAULT_PORTS = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 } as const;

function resolveEndpoint(options: MqttSessionOptions): BrokerEndpoint {
  if (options.url !== undefined) {
    if (
      options.host !== undefined ||
      options.port !== undefined ||
      options.protocol !== undefined
    ) {
      throw invalid('Give either `url` or `host`/`port`/`protocol`, not both');
    }
    return typeof options.url === 'string' ? parseBrokerUrl(options.url) : options.url;
  }
  const protocol = options.protocol ?? 'mqtt';
  if (!(protocol in DEFAULT_PORTS)) {
    throw invalid(`protocol must be mqtt, mqtts, ws or wss, got ${String(protocol)}`);
  }
  const host = options.host ?? 'localhost';
  const port = options.port ?? DEFAULT_PORTS[protocol];
  checkInteger('port', port, 1, 65_535);
  const hostInUrl = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return parseBrokerUrl(`${protocol}://${hostInUrl}:${port}`);
}

/** A random client identifier, `a2a-mqtt-` plus 12 hex characters. */
export function randomClientId(): string {
  return `a2a-mqtt-${randomBytes(6).toString('hex')}`;
}

/**
 * Resolves and validates the options (`INVALID_OPTIONS`, `INVALID_BROKER_URL`,
 * `INVALID_TOPIC` for a bad will topic).
 */
export function resolveSessionOptions(options: MqttSessionOptions): ResolvedSessionOptions {
  if (options === null || typeof options !== 'object') {
    throw invalid('MqttSession options must be an object');
  }
  const endpoint = resolveEndpoint(options);
  const logger = options.logger ?? NOOP_LOGGER;
  const secure = endpoint.protocol === 'mqtts' || endpoint.protocol === 'wss';
  if (options.tls !== undefined && !secure) {
    throw invalid(`TLS options need an mqtts:// or wss:// broker, got ${endpoint.protocol}://`);
  }

  const keepalive = options.keepaliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS;
  checkInteger('keepaliveSeconds', keepalive, 0, 65_535);
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  checkInteger('connectTimeoutMs', connectTimeout, 1, 2_147_483_647);

  const reconnect: ResolvedReconnectPolicy = {
    enabled: options.reconnect?.enabled ?? true,
    initialDelayMs: options.reconnect?.initialDelayMs ?? DEFAULT_RECONNECT_INITIAL_DELAY_MS,
    maxDelayMs: options.reconnect?.maxDelayMs ?? DEFAULT_RECONNECT_MAX_DELAY_MS,
    factor: options.reconnect?.factor ?? DEFAULT_RECONNECT_FACTOR,
  };
  checkInteger('reconnect.initialDelayMs', reconnect.initialDelayMs, 1, 2_147_483_647);
  checkInteger(
    'reconnect.maxDelayMs',
    reconnect.maxDelayMs,
    reconnect.initialDelayMs,
    2_147_483_647,
  );
  if (!Number.isFinite(reconnect.factor) || reconnect.factor < 1) {
    throw invalid(`reconnect.factor must be a number >= 1, got ${String(reconnect.factor)}`);
  }

  const persistent = options.session?.persistent ?? false;
  if (persistent && (options.clientId === undefined || options.clientId.length === 0)) {
    throw invalid('A persistent session needs a stable `clientId`');
  }
  const clientId = options.clientId ?? randomClientId();
  if (clientId.length > 65_535) throw invalid('clientId is too long');

  const mqttOptions: Omit<IClientOptions, 'password' | 'key'> = {
    protocol: endpoint.protocol,
    host: endpoint.host,
    hostname: endpoint.host,
    port: endpoint.port,
    protocolVersion: 5,
    clientId,
    keepalive,
    connectTimeout,
    reconnectPeriod: reconnect.enabled ? reconnect.initialDelayMs : 0,
    // Resubscription is ours (every routed filter, with fresh subscription identifiers).
    resubscribe: false,
    manualConnect: true,
    // A publish while offline is refused with CONNECTION_CLOSED instead of being queued.
    queueQoSZero: false,
    // mqtt.js would otherwise clear and re-arm its keepalive timer on every PUBACK/SUBACK it
    // receives (about 5 % of a streaming server's CPU). Without it, a PINGREQ goes out every
    // `keepalive` seconds even while traffic flows, and a missing PINGRESP still ends the
    // connection after 1.5 x `keepalive`.
    reschedulePings: false,
    clean: !persistent,
  };
  if (endpoint.protocol === 'ws' || endpoint.protocol === 'wss') {
    mqttOptions.path = endpoint.path ?? '/mqtt';
  }
  if (persistent) {
    const expiry =
      options.session?.expiryIntervalSeconds ?? DEFAULT_SESSION_EXPIRY_INTERVAL_SECONDS;
    checkInteger('session.expiryIntervalSeconds', expiry, 1, MAX_UINT32);
    mqttOptions.properties = { sessionExpiryInterval: expiry };
  }

  const username = options.username ?? endpoint.username;
  const password = toSecret(options.password) ?? endpoint.password;
  if (username !== undefined) mqttOptions.username = username;
  let tlsKey: Secret | undefined;

  if (options.tls !== undefined) {
    const { ca, cert, key, servername, rejectUnauthorized } = options.tls;
    if ((cert === undefined) !== (key === undefined)) {
      throw invalid('tls.cert and tls.key must be given together (mTLS)');
    }
    if (ca !== undefined) mqttOptions.ca = ca as IClientOptions['ca'];
    if (cert !== undefined) mqttOptions.cert = cert;
    tlsKey = toSecret(key);
    if (servername !== undefined) mqttOptions.servername = servername;
    mqttOptions.rejectUnauthorized = rejectUnauthorized ?? true;
  }

  if (options.will !== undefined) {
    const will = options.will;
    assertTopicName(will.topic);
    const qos = will.qos ?? DEFAULT_QOS;
    checkQos('will.qos', qos);
    const properties: NonNullable<NonNullable<IClientOptions['will']>['properties']> = {};
    if (will.userProperties !== undefined) properties.userProperties = { ...will.userProperties };
    if (will.contentType !== undefined) properties.contentType = will.contentType;
    if (will.delayIntervalSeconds !== undefined) {
      checkInteger('will.delayIntervalSeconds', will.delayIntervalSeconds, 0, MAX_UINT32);
      properties.willDelayInterval = will.delayIntervalSeconds;
    }
    mqttOptions.will = {
      topic: will.topic,
      payload: typeof will.payload === 'string' ? Buffer.from(will.payload) : will.payload,
      qos,
      retain: will.retain ?? false,
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
    };
  }

  const log = mqttJsLogBridge(logger);
  // mqtt.js defaults to the `debug` package; silence it unless our logger takes trace lines.
  mqttOptions.log = log ?? (() => {});

  return {
    endpoint,
    clientId,
    persistent,
    reconnect,
    logger,
    mqttOptions: Object.freeze(mqttOptions),
    password,
    tlsKey,
  };
}

/**
 * The reconnect delay after `failedAttempts` consecutive failures (0 = the first attempt):
 * `initialDelayMs * factor^failedAttempts`, capped at `maxDelayMs`.
 */
export function reconnectDelayMs(policy: ResolvedReconnectPolicy, failedAttempts: number): number {
  const delay = policy.initialDelayMs * policy.factor ** Math.max(0, failedAttempts);
  return Math.min(policy.maxDelayMs, Math.round(delay));
}
