/** Helpers shared by the server and the host: session ownership and subscription start-up. */
import type { ServerCallContextBuilder } from '@a2a-js/sdk/server';
import {
  type Logger,
  type MessageHandler,
  MqttSession,
  type MqttSessionOptions,
  type Subscription,
  type WillOptions,
} from '@a2a-mqtt/connection';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  type BrokerEndpoint,
  type PoolAddress,
  type TopicScheme,
  validateIdentifier,
} from '@a2a-mqtt/protocol';
import type { AuthenticateHook } from './call-context.js';
import {
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_QUEUED_REQUESTS,
  DEFAULT_MAX_REQUEST_BYTES,
} from './defaults.js';
import type { IntakeLimits } from './request-intake.js';

/** Membership of a shared-subscription pool. */
export interface PoolMembership {
  /** The pool id (`^[A-Za-z0-9_.-]+$`). */
  pool: string;
  /**
   * Shared-subscription group. Every member of a pool must use the same one.
   * @default poolGroupId(pool): `a2a.{org}.{unit}.{pool}`, sanitised (deterministic, never random)
   */
  group?: string;
}

/** Capacity limits common to the server and the host. */
export interface CapacityOptions {
  /**
   * Requests processed at the same time (a stream counts until it ends).
   * @default DEFAULT_MAX_CONCURRENT_REQUESTS (64)
   */
  maxConcurrentRequests?: number;
  /**
   * Requests waiting for a free slot; beyond it requests get `-32004 responder_unavailable`.
   * @default DEFAULT_MAX_QUEUED_REQUESTS (1 000)
   */
  maxQueuedRequests?: number;
  /**
   * Largest request payload in bytes; larger ones get `-32600`.
   * @default DEFAULT_MAX_REQUEST_BYTES (4 MiB)
   */
  maxRequestBytes?: number;
  /**
   * Local deadline: a request that waited longer than this in the queue gets
   * `-32004 responder_unavailable` instead of being served late. Independent of the request's
   * own Message Expiry Interval, which always applies (`-32003`).
   * @default undefined (no local limit)
   */
  maxQueueWaitMs?: number;
}

/**
 * Options common to {@link createA2AMqttServer} (one agent) and {@link createMultiAgentHost}
 * (many agents of a unit): capacity, topics, card registration, caller authentication,
 * shutdown and logging.
 */
export interface ServingOptions extends CapacityOptions {
  /**
   * Topic scheme. On mosquitto, pools need a prefix without `$` (e.g. `a2a/v1`).
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * Publish each agent's card (retained, `online`) when it starts being served, and the offline
   * card (or, for a removed hosted agent, an empty retained card) when it stops.
   * @default true
   */
  register?: boolean;
  /**
   * Broker URL written into the cards' MQTT interface entries.
   * @default the session's endpoint
   */
  broker?: BrokerEndpoint | string;
  /**
   * Authenticates each request's caller (`a2a-authorization: Bearer <token>`) into the
   * `User` of the call context (a hosted agent may give its own).
   * @default undefined (every caller is unauthenticated; tokens are ignored)
   */
  authenticate?: AuthenticateHook;
  /**
   * Builds the `ServerCallContext` (as in @a2a-js/sdk's HTTP adapters).
   * @default defaultServerCallContextBuilder
   */
  contextBuilder?: ServerCallContextBuilder;
  /**
   * Reject `SendMessage`/`SendStreamingMessage` without a requester-generated UUIDv4
   * `Message.taskId` (`-32005`), as the profile requires.
   * @default true
   */
  requireRequesterTaskId?: boolean;
  /**
   * Time `close()` (and a host's `removeAgent()`) gives running requests and streams to finish.
   * @default DEFAULT_SHUTDOWN_TIMEOUT_MS (10 000)
   */
  shutdownTimeoutMs?: number;
  /**
   * Keep the broker subscriptions on `close()`, so a persistent session keeps queueing
   * requests while the agents are down (served when they return).
   * @default true for an owned persistent session, otherwise false
   */
  keepSubscriptions?: boolean;
  /** Logger (pino works). Nothing is logged per request above `debug`. @default NOOP_LOGGER */
  logger?: Logger;
}

/** @internal */
export function resolveLimits(options: CapacityOptions): IntakeLimits {
  const limits: IntakeLimits = {
    maxConcurrentRequests: options.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS,
    maxQueuedRequests: options.maxQueuedRequests ?? DEFAULT_MAX_QUEUED_REQUESTS,
    maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    maxQueueWaitMs: options.maxQueueWaitMs,
  };
  positiveInteger(limits.maxConcurrentRequests, 'maxConcurrentRequests');
  if (!Number.isInteger(limits.maxQueuedRequests) || limits.maxQueuedRequests < 0) {
    invalid('maxQueuedRequests must be an integer >= 0');
  }
  positiveInteger(limits.maxRequestBytes, 'maxRequestBytes');
  if (limits.maxQueueWaitMs !== undefined && !(limits.maxQueueWaitMs >= 0)) {
    invalid('maxQueueWaitMs must be >= 0');
  }
  return limits;
}

/** @internal */
export function invalid(message: string): never {
  throw new A2AMqttError({ code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS, message });
}

function positiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) invalid(`${name} must be a positive integer`);
}

/** @internal Whether a value is a session (ours) rather than options to create one. */
export function isSession(value: MqttSession | MqttSessionOptions): value is MqttSession {
  return value instanceof MqttSession;
}

/** @internal Creates the owned session with our defaults (client id, will). */
export function createOwnedSession(
  options: MqttSessionOptions,
  defaults: { clientId: string; will: WillOptions | undefined },
): MqttSession {
  return new MqttSession({
    ...options,
    clientId: options.clientId ?? defaults.clientId,
    will: options.will ?? defaults.will,
  });
}

/** @internal The broker URL an owned session connects to, for the card's interface entry. */
export function brokerOf(options: MqttSessionOptions): BrokerEndpoint | string | undefined {
  if (options.url !== undefined) return options.url;
  if (options.host === undefined) return undefined;
  const protocol = options.protocol ?? 'mqtt';
  return options.port === undefined
    ? `${protocol}://${options.host}`
    : `${protocol}://${options.host}:${options.port}`;
}

/** @internal Normalises a `pool` option into a pool address and its shared filter. */
export function poolFilter(
  topics: TopicScheme,
  scope: { org: string; unit: string },
  pool: string | PoolMembership,
): { address: PoolAddress; filter: string } {
  const membership = typeof pool === 'string' ? { pool } : pool;
  const address: PoolAddress = {
    org: scope.org,
    unit: scope.unit,
    pool: validateIdentifier(membership.pool, 'pool'),
  };
  const group =
    membership.group === undefined ? undefined : validateIdentifier(membership.group, 'group');
  return { address, filter: topics.sharedPoolRequest(address, group) };
}

/**
 * @internal Subscribes every filter, connecting the session in between when it is not yet
 * connected, so handlers are in place before the CONNACK (a persistent session's queued
 * requests arrive right after it).
 */
export async function subscribeAndConnect(
  session: MqttSession,
  entries: { filter: string; handler: MessageHandler }[],
): Promise<Subscription[]> {
  const pending = entries.map((entry) =>
    session.subscribe(entry.filter, entry.handler, { qos: 1 }),
  );
  // Unhandled until awaited below: attach no-op catches so an early rejection is not reported twice.
  for (const promise of pending) promise.catch(() => undefined);
  if (!session.connected) await session.connect();
  return Promise.all(pending);
}

/** @internal Unsubscribes, ignoring failures (the session may be gone already). */
export async function unsubscribeAll(subscriptions: Iterable<Subscription>): Promise<void> {
  await Promise.all(
    [...subscriptions].map((subscription) => subscription.unsubscribe().catch(() => undefined)),
  );
}

/** @internal The session a server or host runs on, with what follows from who owns it. */
export interface ServingSession {
  session: MqttSession;
  /** The session was created from options (closed by `close()`). */
  owned: boolean;
  /** The broker for the cards: `options.broker`, else the owned session's endpoint. */
  broker: BrokerEndpoint | string | undefined;
  /** `options.keepSubscriptions`, else true for an owned persistent session. */
  keepSubscriptions: boolean;
}

/**
 * @internal Uses the caller's session, or creates an owned one (`defaults` gets the resolved
 * broker, e.g. for the Last Will's card).
 */
export function openServingSession(
  options: {
    session: MqttSession | MqttSessionOptions;
    broker?: BrokerEndpoint | string;
    keepSubscriptions?: boolean;
  },
  defaults: (broker: BrokerEndpoint | string | undefined) => {
    clientId: string;
    will: WillOptions | undefined;
  },
): ServingSession {
  if (isSession(options.session)) {
    return {
      session: options.session,
      owned: false,
      broker: options.broker,
      keepSubscriptions: options.keepSubscriptions ?? false,
    };
  }
  const sessionOptions = options.session;
  const broker = options.broker ?? brokerOf(sessionOptions);
  return {
    session: createOwnedSession(sessionOptions, defaults(broker)),
    owned: true,
    broker,
    keepSubscriptions: options.keepSubscriptions ?? sessionOptions.session?.persistent === true,
  };
}
