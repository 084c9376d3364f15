import {
  StreamResponse,
  type StreamResponse as StreamResponseType,
  Task as TaskCodec,
} from '@a2a-js/sdk';
import type { InboundMessage, Logger } from '@a2a-mqtt/connection';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  createReplySuffix,
  createTopics,
  isA2AMqttError,
  isValidIdentifier,
  readUserProperty,
  type TopicScheme,
  type UnitScope,
  USER_PROPERTY,
  type UserProperties,
  validateIdentifier,
} from '@a2a-mqtt/protocol';
import { nextCorrelationData } from './correlation-data';
import {
  computeRetryDelayMs,
  DEFAULT_MAX_BUFFERED_STREAM_ITEMS,
  DEFAULT_SCHEDULER,
  type RequestPolicy,
  type ResolvedRequestPolicy,
  resolveRequestPolicy,
  type Scheduler,
} from './policy';
import { errorFromJsonRpcReply, protocolError, type ReceivedJsonRpcError } from './reply-errors';
import { isStreamFinalItem, isTaskStreamFinal } from './task-states';
import { decodeUnmatchedReply, type UnmatchedReply } from './unmatched-reply';

/** Tasks whose responder (`a2a-responder-agent-id`) is remembered, oldest forgotten first. */
export const DEFAULT_MAX_TRACKED_TASKS = 10_000;

/** Recent stream items remembered per stream to drop QoS 1 redeliveries. */
export const DEFAULT_DEDUPE_WINDOW = 256;

/** MQTT v5 properties the requester sets on a request publish. */
export interface RequestPublishProperties {
  /** The requester's reply topic. */
  responseTopic: string;
  /** Fresh Correlation Data of this attempt (16 random bytes). */
  correlationData: Buffer;
  /** User properties of the request (`A2A-Version`, service parameters, ...). */
  userProperties: UserProperties;
  /** Message Expiry Interval in seconds, when the requester sets one. */
  messageExpiryInterval?: number;
}

/**
 * The part of `@a2a-mqtt/connection`'s `MqttSession` the requester uses (an `MqttSession`
 * satisfies it; unit tests pass a fake).
 */
export interface RequesterSession {
  /** The MQTT client id; `{org}/{unit}/{agent}` supplies the default reply identity. */
  readonly clientId: string;
  /** Routes messages on `filter` to `handler` (the reply subscription). */
  subscribe(
    filter: string,
    handler: (message: InboundMessage) => void,
    options?: { qos?: 0 | 1 | 2 },
  ): Promise<{ unsubscribe(): Promise<void> }>;
  /** Publishes a request; rejects with an `A2AMqttError` on failure. */
  publish(
    topic: string,
    payload: string | Buffer,
    options?: {
      qos?: 0 | 1 | 2;
      properties?: RequestPublishProperties;
      failOnNoSubscribers?: boolean;
    },
  ): Promise<unknown>;
  /**
   * Holds the socket's writes to the end of the event-loop turn (`MqttSession` has it; a
   * session without it writes at once). Used for non-streaming replies, so the PUBACK of a
   * reply and the next request the caller makes on it leave in one write.
   */
  coalesceWritesThisTurn?(): void;
}

/** Options of {@link getRequester} / {@link MqttRequester}. */
export interface MqttRequesterOptions {
  /**
   * Organisation of the reply topic.
   * @default the first segment of the session's client id `{org}/{unit}/{agent}`
   */
  org?: string;
  /**
   * Unit of the reply topic.
   * @default the second segment of the session's client id
   */
  unit?: string;
  /**
   * The requester's agent id in the reply topic.
   * @default the third segment of the session's client id
   */
  requesterId?: string;
  /**
   * Topic scheme of the reply topic (its prefix).
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * Reply topic suffix.
   * @default createReplySuffix() (random)
   */
  replySuffix?: string;
  /**
   * Retry and timeout defaults of every request (transports may override them).
   * @default the profile defaults (`DEFAULT_FIRST_REPLY_TIMEOUT_MS`, `DEFAULT_MAX_ATTEMPTS`, ...)
   */
  policy?: RequestPolicy;
  /**
   * Fail a request at once with `NO_MATCHING_SUBSCRIBERS` when the broker answers its
   * publish with PUBACK 0x10, instead of waiting for the timeout.
   * @default true
   */
  failOnNoSubscribers?: boolean;
  /**
   * MQTT Message Expiry Interval (seconds) set on requests; must exceed the first-reply timeout.
   * @default undefined (no expiry)
   */
  messageExpiryIntervalSeconds?: number;
  /**
   * Tasks whose responder is remembered for routing follow-ups.
   * @default 10_000 (`DEFAULT_MAX_TRACKED_TASKS`)
   */
  maxTrackedTasks?: number;
  /**
   * Stream items buffered for a slow consumer before the stream fails.
   * @default 10_000 (`DEFAULT_MAX_BUFFERED_STREAM_ITEMS`)
   */
  maxBufferedStreamItems?: number;
  /**
   * Recent items remembered per stream for duplicate detection.
   * @default 256 (`DEFAULT_DEDUPE_WINDOW`)
   */
  dedupeWindow?: number;
  /**
   * Called with every reply on the reply topic whose Correlation Data matches no request in
   * flight, decoded (see {@link UnmatchedReply}): the replies a persistent session queued for
   * calls made by an earlier process (same client id, fixed `replySuffix`), and late replies of
   * calls this requester has finished (a stream the consumer stopped reading, a reply to an
   * earlier attempt after a retry was answered, a QoS 1 redelivery after the call ended, so the
   * same reply may come twice). Each still counts in `stats.unknownCorrelation`.
   *
   * Called synchronously on the session's message path, in arrival order: keep it short (queue
   * the work). A hook that throws (or an async one that rejects) is logged (error level) and
   * does not disturb other replies.
   * Replies without any Correlation Data never reach it (they answer no request; they count in
   * `stats.missingCorrelation` only). Without a hook, unmatched replies are counted and dropped
   * undecoded.
   *
   * To receive what a persistent session queued while the process was away, the requester's
   * reply subscription must exist before the session's first CONNACK: call
   * `getRequester(session, options).start()` before `session.connect()`.
   *
   * @default undefined (unmatched replies are counted and dropped)
   * @example
   * ```ts
   * const session = new MqttSession({
   *   url,
   *   clientId: 'acme/ops/pipeline',
   *   session: { persistent: true, expiryIntervalSeconds: 3600 },
   * });
   * const requester = getRequester(session, {
   *   replySuffix: 'jobs', // fixed: the same reply topic in every run
   *   onUnmatchedReply: (reply) => {
   *     if (reply.item?.payload?.$case === 'statusUpdate') {
   *       console.log(reply.item.payload.value.taskId, reply.item.payload.value.status?.state);
   *     }
   *   },
   * });
   * await requester.start(); // before connect(): queued replies are not missed
   * await session.connect();
   * ```
   */
  onUnmatchedReply?: (reply: UnmatchedReply) => void;
  /** Timers (injected by unit tests). @default global timers */
  scheduler?: Scheduler;
  /** Random source of the backoff jitter. @default Math.random */
  random?: () => number;
  /** Logger (debug level only on the request path). @default NOOP_LOGGER */
  logger?: Logger;
}

/** Counters of the requester; `inFlight` is the number of unsettled requests. */
export interface RequesterStats {
  /** Requests and streams not yet settled. */
  inFlight: number;
  /** Requests published (first attempts). */
  requests: number;
  /** Republished attempts (fresh Correlation Data, same payload). */
  retries: number;
  /** Requests failed with `REQUEST_TIMEOUT`. */
  timeouts: number;
  /**
   * Replies whose Correlation Data matches no in-flight request (ignored, or handed to
   * `onUnmatchedReply` when it is set).
   */
  unknownCorrelation: number;
  /** Replies without Correlation Data (ignored). */
  missingCorrelation: number;
  /** Stream items dropped as duplicates (QoS 1 redelivery, or a second attempt's stream). */
  duplicates: number;
  /** Replies that were not a usable JSON-RPC response (failed their request). */
  malformedReplies: number;
  /** Pooled replies without `a2a-responder-agent-id`, or with an invalid one. */
  protocolErrors: number;
  /** `GetTask` recoveries of stalled streams. */
  stallRecoveries: number;
}

/** What one request sends; built by {@link MqttTransport}. */
export interface RequesterCall {
  /** JSON-RPC method (`SendMessage`, `GetTask`, ...). */
  method: string;
  /** JSON-RPC params, already in their JSON form. */
  params: unknown;
  /** Where the request goes unless the task's responder is known. */
  target: RequestTarget;
  /** Task.id the request creates or references (routing to, and recording of, its responder). */
  taskId?: string;
  /** User properties of every publish (service parameters, `A2A-Version`, ...). */
  userProperties: UserProperties;
  /** Aborts the request (`ABORTED`) or ends the stream without error. @default undefined (not abortable) */
  signal?: AbortSignal;
  /** Policy of this request. @default the requester's policy */
  policy?: ResolvedRequestPolicy;
}

/** A request destination: an agent's direct topic or a pool topic. */
export interface RequestTarget {
  /** The request topic. */
  topic: string;
  /** True for a pool topic (replies must name their responder). */
  pooled: boolean;
  /** Org and unit of the target, used for the direct topic of a recorded responder. */
  scope: UnitScope;
  /** Topic scheme (prefix) of the target. */
  topics: TopicScheme;
}

interface TrackedResponder {
  agent: string;
  /** The request target whose scope and scheme give the responder's direct topic. */
  target: RequestTarget;
  /** The responder's direct topic, built on the first follow-up (most tasks have none). */
  topic?: string;
}

type Phase = 'waiting' | 'backoff' | 'streaming' | 'recovering' | 'done';

const SILENT_LOGGER: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const EMPTY_USER_PROPERTIES: UserProperties = Object.freeze({}) as UserProperties;

/**
 * The process-wide requester of one MQTT session: one reply subscription
 * (`{prefix}/reply/{org}/{unit}/{requesterId}/{suffix}`), subscribed before the first
 * publish, and an in-flight map keyed by Correlation Data that serves every transport and
 * request of the session. Obtain it with {@link getRequester}.
 *
 * @example
 * ```ts
 * const requester = getRequester(session);
 * const transport = new MqttTransport({ requester, agent: { org: 'acme', unit: 'eng', agent: 'coder' } });
 * try {
 *   const task = await transport.getTask({ tenant: '', id: taskId });
 * } finally {
 *   await requester.close(); // rejects what is still in flight with CLOSED
 * }
 * ```
 */
export class MqttRequester {
  /** The reply topic named in every request's Response Topic. */
  readonly replyTopic: string;
  /** The default policy of requests. */
  readonly policy: ResolvedRequestPolicy;
  /** @internal */ readonly session: RequesterSession;
  /** The topic prefix of the reply topic (the scheme the requester was created with). */
  readonly prefix: string;
  /** @internal */ readonly pending = new Map<string, PendingCall>();
  /** @internal */ readonly counters: Omit<RequesterStats, 'inFlight'> = {
    requests: 0,
    retries: 0,
    timeouts: 0,
    unknownCorrelation: 0,
    missingCorrelation: 0,
    duplicates: 0,
    malformedReplies: 0,
    protocolErrors: 0,
    stallRecoveries: 0,
  };
  /** @internal */ readonly scheduler: Scheduler;
  /** @internal */ readonly random: () => number;
  /** @internal */ readonly logger: Logger;
  /** @internal */ readonly failOnNoSubscribers: boolean;
  /** @internal */ readonly messageExpiryInterval: number | undefined;
  /** @internal */ readonly maxBufferedStreamItems: number;
  /** @internal */ readonly dedupeWindow: number;
  /** @internal */ activeCalls = 0;
  private readonly responders = new Map<string, TrackedResponder>();
  private readonly maxTrackedTasks: number;
  private readonly onClose: (() => void) | undefined;
  private readonly onUnmatchedReply: ((reply: UnmatchedReply) => void) | undefined;
  private subscription: { unsubscribe(): Promise<void> } | undefined;
  private starting: Promise<void> | undefined;
  private subscribed = false;
  private closed = false;
  private nextId = 1;

  /** Prefer {@link getRequester}, which shares one requester per session. */
  constructor(session: RequesterSession, options: MqttRequesterOptions = {}, onClose?: () => void) {
    this.session = session;
    this.onClose = onClose;
    const identity = requesterIdentity(session, options);
    const topics = options.topics ?? createTopics();
    this.prefix = topics.prefix;
    this.replyTopic = topics.reply({
      org: identity.org,
      unit: identity.unit,
      requester: identity.requesterId,
      suffix: validateIdentifier(options.replySuffix ?? createReplySuffix(), 'replySuffix'),
    });
    this.policy = resolveRequestPolicy(options.policy);
    this.scheduler = options.scheduler ?? DEFAULT_SCHEDULER;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.failOnNoSubscribers = options.failOnNoSubscribers ?? true;
    this.maxTrackedTasks = options.maxTrackedTasks ?? DEFAULT_MAX_TRACKED_TASKS;
    this.maxBufferedStreamItems =
      options.maxBufferedStreamItems ?? DEFAULT_MAX_BUFFERED_STREAM_ITEMS;
    this.dedupeWindow = options.dedupeWindow ?? DEFAULT_DEDUPE_WINDOW;
    this.onUnmatchedReply = options.onUnmatchedReply;
    this.messageExpiryInterval = options.messageExpiryIntervalSeconds;
    if (
      this.messageExpiryInterval !== undefined &&
      !(this.messageExpiryInterval * 1000 > this.policy.firstReplyTimeoutMs)
    ) {
      throw new A2AMqttError({
        code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS,
        message: `messageExpiryIntervalSeconds (${this.messageExpiryInterval}) must exceed the first-reply timeout (${this.policy.firstReplyTimeoutMs} ms)`,
      });
    }
  }

  /** A snapshot of the counters. */
  get stats(): RequesterStats {
    return { inFlight: this.activeCalls, ...this.counters };
  }

  /** True once the reply subscription is in place. */
  get ready(): boolean {
    return this.subscribed;
  }

  /**
   * Subscribes to the reply topic (idempotent; requests call it before their first publish).
   */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    this.starting ??= this.session
      .subscribe(this.replyTopic, (message) => this.dispatch(message), { qos: 1 })
      .then(
        (subscription) => {
          this.subscription = subscription;
          this.subscribed = true;
          if (this.closed) void subscription.unsubscribe().catch(() => undefined);
        },
        (error: unknown) => {
          this.starting = undefined;
          throw error;
        },
      );
    return this.starting;
  }

  /** The responder recorded for a task (pool member or handover target), if any. */
  responderOf(taskId: string): string | undefined {
    return this.responders.get(taskId)?.agent;
  }

  /** Sends one request and resolves with its JSON-RPC `result` (retries per the policy). */
  async request(call: RequesterCall): Promise<unknown> {
    if (!this.subscribed) await this.start();
    if (this.closed) throw closedError();
    if (call.signal?.aborted) throw abortedError(call.signal);
    return new Promise<unknown>((resolve, reject) => {
      new PendingCall(this, call, { resolve, reject }).begin();
    });
  }

  /**
   * Sends one streaming request and yields its items until a final one (terminal or
   * interrupted status, or a message). An aborted `signal` ends the stream without error.
   */
  async *stream(call: RequesterCall): AsyncGenerator<StreamResponseType, void, undefined> {
    if (!this.subscribed) await this.start();
    if (this.closed) throw closedError();
    if (call.signal?.aborted) return;
    const pendingCall = new PendingCall(this, call, undefined);
    pendingCall.begin();
    try {
      while (true) {
        const item = pendingCall.take();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (pendingCall.failure) throw pendingCall.failure;
        if (pendingCall.phase === 'done') return;
        await pendingCall.wait();
      }
    } finally {
      pendingCall.finish();
    }
  }

  /**
   * Rejects every in-flight request with `CLOSED`, ends every stream, removes the reply
   * subscription and forgets this requester (a later {@link getRequester} makes a new one).
   * Does not close the session.
   *
   * `keepSubscription: true` leaves the reply subscription on the broker (no UNSUBSCRIBE): for
   * a persistent session that is closed right after, so the broker keeps queueing replies for
   * the next process with the same client id and reply suffix (see `onUnmatchedReply`). On a
   * session that stays open, its handler stays registered until the session closes.
   */
  async close(options: { keepSubscription?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.();
    const calls = new Set(this.pending.values());
    for (const call of calls) call.fail(closedError());
    this.responders.clear();
    const subscription = this.subscription;
    this.subscription = undefined;
    this.subscribed = false;
    if (subscription && options.keepSubscription !== true) {
      await subscription.unsubscribe().catch(() => undefined);
    }
  }

  /** @internal */
  allocateId(): number {
    return this.nextId++;
  }

  /** @internal Where a request goes now: the recorded responder of its task, or the target. */
  route(call: RequesterCall): { topic: string; pooled: boolean } {
    if (call.taskId !== undefined) {
      const responder = this.responders.get(call.taskId);
      if (responder) {
        const { target, agent } = responder;
        responder.topic ??= target.topics.request({
          org: target.scope.org,
          unit: target.scope.unit,
          agent,
        });
        return { topic: responder.topic, pooled: false };
      }
    }
    return call.target;
  }

  /** @internal Records the latest responder of a task (latest value wins). */
  recordResponder(taskId: string, agent: string, target: RequestTarget): void {
    const existing = this.responders.get(taskId);
    if (existing?.agent === agent) return;
    if (existing) this.responders.delete(taskId);
    this.responders.set(taskId, { agent, target });
    if (this.responders.size > this.maxTrackedTasks) {
      const oldest = this.responders.keys().next().value;
      if (oldest !== undefined) this.responders.delete(oldest);
    }
  }

  private dispatch(message: InboundMessage): void {
    const correlationData = message.properties?.correlationData;
    if (!correlationData || correlationData.length === 0) {
      this.counters.missingCorrelation++;
      return;
    }
    const key = correlationData.toString('latin1');
    const call = this.pending.get(key);
    if (!call) {
      this.counters.unknownCorrelation++;
      const hook = this.onUnmatchedReply;
      if (hook !== undefined) this.reportUnmatched(hook, message, correlationData);
      return;
    }
    // A unary reply ends its call: its PUBACK may wait for what the caller sends next. Stream
    // items are acknowledged at once (held PUBACKs stall the broker's in-flight window).
    if (call.isUnary) this.session.coalesceWritesThisTurn?.();
    call.onReply(key, message);
  }

  /**
   * Hands an unmatched reply to `onUnmatchedReply`. A hook that throws (or an async one that
   * rejects) is logged, never rethrown.
   */
  private reportUnmatched(
    hook: (reply: UnmatchedReply) => void,
    message: InboundMessage,
    correlationData: Buffer,
  ): void {
    const topic = message.topic;
    const failed = (error: unknown): void =>
      this.logger.error({ err: error, topic }, 'a2a-mqtt onUnmatchedReply hook threw');
    try {
      const returned = hook(decodeUnmatchedReply(message, correlationData)) as unknown;
      if (returned !== null && typeof returned === 'object' && 'then' in returned) {
        (returned as Promise<unknown>).then(undefined, failed);
      }
    } catch (error) {
      failed(error);
    }
  }
}

const requesters = new WeakMap<object, Map<string, MqttRequester>>();

/**
 * Returns the requester shared by every transport of `session` with the same reply identity
 * (prefix, org, unit, requester id), creating it on first use. The options of the first call
 * win (`replySuffix` and `onUnmatchedReply` included); later calls with the same identity get
 * the same object.
 *
 * The session need not be connected yet: `start()` on a session that has not connected
 * registers the reply subscription at once and sends it on connect, so it is in place before
 * the first CONNACK (what a persistent session with a fixed `replySuffix` needs to receive the
 * replies queued while the process was away, see `onUnmatchedReply`).
 *
 * @example
 * ```ts
 * const requester = getRequester(session, { org: 'acme', unit: 'eng', requesterId: 'ui' });
 * await requester.start(); // optional: requests subscribe on first use
 * console.log(requester.replyTopic, requester.stats);
 * ```
 */
export function getRequester(
  session: RequesterSession,
  options: MqttRequesterOptions = {},
): MqttRequester {
  const identity = requesterIdentity(session, options);
  const prefix = (options.topics ?? createTopics()).prefix;
  const key = `${prefix}\n${identity.org}\n${identity.unit}\n${identity.requesterId}`;
  let bySession = requesters.get(session);
  if (!bySession) {
    bySession = new Map();
    requesters.set(session, bySession);
  }
  const existing = bySession.get(key);
  if (existing) return existing;
  const map = bySession;
  const requester = new MqttRequester(session, options, () => {
    if (map.get(key) === requester) map.delete(key);
  });
  map.set(key, requester);
  return requester;
}

function requesterIdentity(
  session: RequesterSession,
  options: MqttRequesterOptions,
): { org: string; unit: string; requesterId: string } {
  const parts = typeof session.clientId === 'string' ? session.clientId.split('/') : [];
  const fromClientId = parts.length === 3 && parts.every(isValidIdentifier);
  const org = options.org ?? (fromClientId ? parts[0] : undefined);
  const unit = options.unit ?? (fromClientId ? parts[1] : undefined);
  const requesterId = options.requesterId ?? (fromClientId ? parts[2] : undefined);
  if (org === undefined || unit === undefined || requesterId === undefined) {
    throw new A2AMqttError({
      code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS,
      message:
        'The requester needs org, unit and requesterId: pass them, or use a session whose client id is {org}/{unit}/{agent}',
    });
  }
  return {
    org: validateIdentifier(org, 'org'),
    unit: validateIdentifier(unit, 'unit'),
    requesterId: validateIdentifier(requesterId, 'requester'),
  };
}

function closedError(): A2AMqttError {
  return new A2AMqttError({
    code: A2A_MQTT_ERROR_CODE.CLOSED,
    message: 'The requester was closed',
  });
}

function abortedError(signal: AbortSignal): A2AMqttError {
  return new A2AMqttError({
    code: A2A_MQTT_ERROR_CODE.ABORTED,
    message: 'The request was aborted',
    cause: signal.reason,
  });
}

/** Publish failures that a retry cannot fix: fail the request at once. */
const FAIL_FAST_CODES: ReadonlySet<string> = new Set([
  A2A_MQTT_ERROR_CODE.NO_MATCHING_SUBSCRIBERS,
  A2A_MQTT_ERROR_CODE.NOT_AUTHORIZED,
  A2A_MQTT_ERROR_CODE.PACKET_TOO_LARGE,
  A2A_MQTT_ERROR_CODE.INVALID_TOPIC,
  A2A_MQTT_ERROR_CODE.CLOSED,
]);

interface UnaryHandlers {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Decoded = { ok: true; result: unknown } | { ok: false; error: Error };

/**
 * One logical request: its attempts (each with fresh Correlation Data), its single timer
 * (first-reply timeout, then backoff, then stream idle) and, for streams, the item queue.
 */
class PendingCall {
  phase: Phase = 'waiting';
  failure: Error | undefined;
  private readonly requester: MqttRequester;
  private readonly call: RequesterCall;
  private readonly unary: UnaryHandlers | undefined;
  private readonly policy: ResolvedRequestPolicy;
  private readonly id: number;
  private readonly payload: string;
  private readonly keys: string[] = [];
  private pooledKeys: Set<string> | undefined;
  private attempts = 0;
  private timer: unknown;
  // Streams only.
  private lockedKey: string | undefined;
  private queue: StreamResponseType[] = [];
  private waiter: (() => void) | undefined;
  private seen: Set<string> | undefined;
  private lastItemAt = 0;
  private stalls = 0;
  private recovery: AbortController | undefined;
  private readonly onAbort = (): void => this.abort();
  private readonly onTimer = (): void => this.timerFired();

  constructor(requester: MqttRequester, call: RequesterCall, unary: UnaryHandlers | undefined) {
    this.requester = requester;
    this.call = call;
    this.unary = unary;
    this.policy = call.policy ?? requester.policy;
    this.id = requester.allocateId();
    this.payload = JSON.stringify({
      jsonrpc: '2.0',
      id: this.id,
      method: call.method,
      params: call.params,
    });
  }

  begin(): void {
    this.requester.activeCalls++;
    this.requester.counters.requests++;
    this.call.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.publishAttempt();
  }

  private publishAttempt(): void {
    const requester = this.requester;
    const correlationData = nextCorrelationData();
    const key = correlationData.toString('latin1');
    this.keys.push(key);
    requester.pending.set(key, this);
    const route = requester.route(this.call);
    if (route.pooled) {
      this.pooledKeys ??= new Set();
      this.pooledKeys.add(key);
    }
    const attempt = ++this.attempts;
    this.phase = 'waiting';
    this.timer = requester.scheduler.setTimeout(this.onTimer, this.policy.firstReplyTimeoutMs);
    const properties: RequestPublishProperties = {
      responseTopic: requester.replyTopic,
      correlationData,
      userProperties: this.call.userProperties ?? EMPTY_USER_PROPERTIES,
    };
    if (requester.messageExpiryInterval !== undefined) {
      properties.messageExpiryInterval = requester.messageExpiryInterval;
    }
    let publishing: Promise<unknown>;
    try {
      publishing = requester.session.publish(route.topic, this.payload, {
        qos: 1,
        properties,
        failOnNoSubscribers: requester.failOnNoSubscribers,
      });
    } catch (error) {
      publishing = Promise.reject(error);
    }
    publishing.then(undefined, (error: unknown) => this.publishFailed(error, attempt));
  }

  private publishFailed(error: unknown, attempt: number): void {
    // Only the current attempt, still waiting for its first reply, reacts to its publish.
    if (this.phase !== 'waiting' || attempt !== this.attempts) return;
    const code = isA2AMqttError(error) ? error.code : undefined;
    if (code !== undefined && FAIL_FAST_CODES.has(code)) {
      this.fail(error as Error);
      return;
    }
    this.requester.logger.debug(
      { method: this.call.method, attempt, code },
      'a2a-mqtt request publish failed',
    );
    this.clearTimer();
    if (this.attempts < this.policy.maxAttempts) {
      this.scheduleRetry();
      return;
    }
    this.fail(
      isA2AMqttError(error)
        ? error
        : new A2AMqttError({
            code: A2A_MQTT_ERROR_CODE.PUBLISH_FAILED,
            message: `Publishing ${this.call.method} failed after ${this.attempts} attempt(s)`,
            retryable: true,
            cause: error,
          }),
    );
  }

  private scheduleRetry(): void {
    this.phase = 'backoff';
    const delay = computeRetryDelayMs(this.attempts - 1, this.policy, this.requester.random);
    this.timer = this.requester.scheduler.setTimeout(this.onTimer, delay);
  }

  private timerFired(): void {
    this.timer = undefined;
    switch (this.phase) {
      case 'waiting':
        if (this.attempts < this.policy.maxAttempts) {
          this.scheduleRetry();
        } else {
          this.requester.counters.timeouts++;
          this.fail(
            new A2AMqttError({
              code: A2A_MQTT_ERROR_CODE.REQUEST_TIMEOUT,
              message: `No reply to ${this.call.method} within ${this.policy.firstReplyTimeoutMs} ms after ${this.attempts} attempt(s)`,
              retryable: true,
              details: { method: this.call.method, attempts: this.attempts },
            }),
          );
        }
        return;
      case 'backoff':
        this.requester.counters.retries++;
        this.publishAttempt();
        return;
      case 'streaming': {
        const idleMs = this.requester.scheduler.now() - this.lastItemAt;
        const remaining = this.policy.streamIdleTimeoutMs - idleMs;
        if (remaining > 0) {
          this.timer = this.requester.scheduler.setTimeout(this.onTimer, remaining);
        } else {
          this.stalled();
        }
        return;
      }
      default:
        return;
    }
  }

  /** Whether the call takes one reply (not a stream). */
  get isUnary(): boolean {
    return this.unary !== undefined;
  }

  onReply(key: string, message: InboundMessage): void {
    if (this.phase === 'done') return;
    if (this.unary) {
      const decoded = this.decode(key, message, message.payload.toString('utf8'));
      this.finish();
      if (decoded.ok) this.unary.resolve(decoded.result);
      else this.unary.reject(decoded.error);
      return;
    }
    this.onStreamReply(key, message);
  }

  private onStreamReply(key: string, message: InboundMessage): void {
    const counters = this.requester.counters;
    // Once a stream runs on one correlation, items of the other attempts' correlations are
    // copies of the same stream (a responder joining a retry to the running stream).
    if (this.lockedKey !== undefined && key !== this.lockedKey) {
      counters.duplicates++;
      return;
    }
    const text = message.payload.toString('utf8');
    const decoded = this.decode(key, message, text);
    if (!decoded.ok) {
      this.fail(decoded.error);
      return;
    }
    const item = StreamResponse.fromJSON(decoded.result);
    if (!item.payload) {
      counters.malformedReplies++;
      this.fail(protocolError(`Stream item of ${this.call.method} has no known payload`));
      return;
    }
    const dedupeKey = streamItemKey(message, text, item);
    if (dedupeKey !== undefined) {
      this.seen ??= new Set();
      const seen = this.seen;
      if (seen.has(dedupeKey)) {
        counters.duplicates++;
        return;
      }
      seen.add(dedupeKey);
      if (seen.size > this.requester.dedupeWindow) {
        const oldest = seen.values().next().value;
        if (oldest !== undefined) seen.delete(oldest);
      }
    }
    const first = this.lockedKey === undefined;
    this.lockedKey = key;
    this.stalls = 0;
    this.lastItemAt = this.requester.scheduler.now();
    if (isStreamFinalItem(item)) {
      this.push(item);
      this.complete();
      return;
    }
    if (first || this.phase === 'recovering') {
      this.clearTimer();
      if (this.recovery) {
        this.recovery.abort();
        this.recovery = undefined;
      }
      this.phase = 'streaming';
      this.timer = this.requester.scheduler.setTimeout(
        this.onTimer,
        this.policy.streamIdleTimeoutMs,
      );
    }
    this.push(item);
  }

  /** Parses a reply and checks its binding metadata; records the responder it names. */
  private decode(key: string, message: InboundMessage, text: string): Decoded {
    const counters = this.requester.counters;
    const responder = readUserProperty(
      message.properties?.userProperties,
      USER_PROPERTY.RESPONDER_AGENT_ID,
    );
    if (responder === undefined) {
      if (this.pooledKeys?.has(key)) {
        counters.protocolErrors++;
        return {
          ok: false,
          error: protocolError(
            `Pooled reply to ${this.call.method} lacks the ${USER_PROPERTY.RESPONDER_AGENT_ID} user property`,
          ),
        };
      }
    } else if (!isValidIdentifier(responder)) {
      counters.protocolErrors++;
      return {
        ok: false,
        error: protocolError(`Reply names an invalid responder agent id`, { responder }),
      };
    } else if (this.call.taskId !== undefined) {
      this.requester.recordResponder(this.call.taskId, responder, this.call.target);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      counters.malformedReplies++;
      return {
        ok: false,
        error: protocolError(`Reply to ${this.call.method} is not JSON`, {
          cause: (error as Error).message,
        }),
      };
    }
    if (
      typeof json !== 'object' ||
      json === null ||
      (json as { jsonrpc?: unknown }).jsonrpc !== '2.0'
    ) {
      counters.malformedReplies++;
      return {
        ok: false,
        error: protocolError(`Reply to ${this.call.method} is not JSON-RPC 2.0`),
      };
    }
    const response = json as { id?: unknown; result?: unknown; error?: unknown };
    if (response.id !== undefined && response.id !== null && response.id !== this.id) {
      counters.malformedReplies++;
      return {
        ok: false,
        error: protocolError(`Reply to ${this.call.method} carries another JSON-RPC id`, {
          expected: this.id,
          received: response.id,
        }),
      };
    }
    if (response.error !== undefined) {
      const error = response.error as Partial<ReceivedJsonRpcError> | null;
      if (
        typeof error !== 'object' ||
        error === null ||
        typeof error.code !== 'number' ||
        typeof error.message !== 'string'
      ) {
        counters.malformedReplies++;
        return {
          ok: false,
          error: protocolError(`Reply to ${this.call.method} has a malformed error`),
        };
      }
      return { ok: false, error: errorFromJsonRpcReply(error as ReceivedJsonRpcError, this.id) };
    }
    if (!('result' in response)) {
      counters.malformedReplies++;
      return { ok: false, error: protocolError(`Reply to ${this.call.method} has no result`) };
    }
    return { ok: true, result: response.result };
  }

  private stalled(): void {
    const taskId = this.call.taskId;
    const counters = this.requester.counters;
    if (taskId === undefined || this.stalls >= this.policy.maxStallRecoveries) {
      this.fail(this.idleError());
      return;
    }
    this.stalls++;
    counters.stallRecoveries++;
    this.phase = 'recovering';
    this.recovery = new AbortController();
    this.requester.logger.debug({ taskId, method: this.call.method }, 'a2a-mqtt stream stalled');
    this.requester
      .request({
        method: 'GetTask',
        params: { id: taskId },
        target: this.call.target,
        taskId,
        userProperties: this.call.userProperties,
        signal: this.recovery.signal,
        policy: this.policy,
      })
      .then(
        (result) => {
          if (this.phase !== 'recovering') return;
          const task = TaskCodec.fromJSON(result);
          this.push({ payload: { $case: 'task', value: task } });
          if (isTaskStreamFinal(task)) {
            this.complete();
            return;
          }
          // Not finished: keep listening on the stream's correlation for another idle period.
          this.phase = 'streaming';
          this.lastItemAt = this.requester.scheduler.now();
          this.timer = this.requester.scheduler.setTimeout(
            this.onTimer,
            this.policy.streamIdleTimeoutMs,
          );
        },
        (error: unknown) => {
          if (this.phase !== 'recovering') return;
          this.fail(this.idleError(error));
        },
      );
  }

  private idleError(cause?: unknown): A2AMqttError {
    return new A2AMqttError({
      code: A2A_MQTT_ERROR_CODE.STREAM_IDLE_TIMEOUT,
      message: `Stream of ${this.call.method} stalled for ${this.policy.streamIdleTimeoutMs} ms${
        this.stalls > 0 ? ` (after ${this.stalls} GetTask recovery attempt(s))` : ''
      }`,
      retryable: true,
      cause,
      details: { taskId: this.call.taskId },
    });
  }

  private push(item: StreamResponseType): void {
    if (this.queue.length >= this.requester.maxBufferedStreamItems) {
      this.fail(
        protocolError(
          `Stream of ${this.call.method} buffered ${this.queue.length} unread items: the consumer is too slow`,
        ),
      );
      return;
    }
    this.queue.push(item);
    this.wake();
  }

  take(): StreamResponseType | undefined {
    return this.queue.length > 0 ? this.queue.shift() : undefined;
  }

  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter();
    }
  }

  private complete(): void {
    this.finish();
    this.wake();
  }

  private abort(): void {
    if (this.phase === 'done') return;
    if (this.unary) {
      this.fail(abortedError(this.call.signal as AbortSignal));
      return;
    }
    // A stream ends cleanly on abort: drop what was not read and return.
    this.queue.length = 0;
    this.complete();
  }

  fail(error: Error): void {
    if (this.phase === 'done') return;
    this.finish();
    if (this.unary) {
      this.unary.reject(error);
    } else {
      this.failure = error;
      this.wake();
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      this.requester.scheduler.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Releases everything (idempotent): timer, correlations, abort listener, recovery. */
  finish(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.clearTimer();
    const pending = this.requester.pending;
    for (const key of this.keys) {
      if (pending.get(key) === this) pending.delete(key);
    }
    this.call.signal?.removeEventListener('abort', this.onAbort);
    if (this.recovery) {
      this.recovery.abort();
      this.recovery = undefined;
    }
    this.requester.activeCalls--;
  }
}

/**
 * The duplicate-detection key of a stream item (QoS 1 may deliver an item twice).
 *
 * - A binary artifact chunk: its task, artifact and `a2a-chunk-seqno` user properties.
 * - An artifact chunk with `append: true` and no sequence number: no key (never dropped),
 *   because a stream may legitimately append the same text twice and losing a chunk is
 *   worse than showing a redelivered one.
 * - Any other item: its exact payload. A redelivery is byte-identical, and two identical
 *   status updates, task snapshots, messages or replacing artifacts carry the same state,
 *   so dropping the second loses nothing.
 *
 * Keys are remembered per stream in a bounded window ({@link DEFAULT_DEDUPE_WINDOW}).
 */
function streamItemKey(
  message: InboundMessage,
  text: string,
  item: StreamResponseType,
): string | undefined {
  const userProperties = message.properties?.userProperties;
  if (userProperties !== undefined) {
    const seqno = readUserProperty(userProperties, USER_PROPERTY.CHUNK_SEQNO);
    if (seqno !== undefined) {
      return `\u0000seq\u0000${readUserProperty(userProperties, USER_PROPERTY.TASK_ID) ?? ''}\u0000${
        readUserProperty(userProperties, USER_PROPERTY.ARTIFACT_ID) ?? ''
      }\u0000${seqno}`;
    }
  }
  if (item.payload?.$case === 'artifactUpdate' && item.payload.value.append) return undefined;
  return text;
}

/**
 * Where a transport (or transport factory) gets its requester: a shared `requester`, or a
 * `session` for which `getRequester(session, requesterOptions)` provides one.
 */
export interface RequesterSourceOptions {
  /**
   * The shared requester. When omitted, `getRequester(session, requesterOptions)` provides it.
   * @default getRequester(session, requesterOptions)
   */
  requester?: MqttRequester;
  /**
   * The connected session (an `MqttSession`) used when `requester` is omitted.
   * @default undefined (required when `requester` is omitted)
   */
  session?: RequesterSession;
  /**
   * Options of the requester created when `requester` is omitted.
   * @default {}
   */
  requesterOptions?: MqttRequesterOptions;
}

/**
 * The requester of {@link RequesterSourceOptions}; throws `INVALID_OPTIONS` naming `owner` when
 * neither a requester nor a session is given. Internal (not exported from the package entry).
 */
export function requesterFrom(options: RequesterSourceOptions, owner: string): MqttRequester {
  if (options.requester) return options.requester;
  if (options.session) return getRequester(options.session, options.requesterOptions);
  throw new A2AMqttError({
    code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS,
    message: `${owner} needs a requester or a session`,
  });
}
