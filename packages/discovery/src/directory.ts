/**
 * The live agent directory: a scoped subscription to retained discovery cards, held as a map
 * of parsed cards with presence, and a stream of change events.
 */
import type { AgentCard } from '@a2a-js/sdk';
import type { InboundMessage, Logger, MqttSession, Subscription } from '@a2a-mqtt/connection';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  type AgentAddress,
  createReplySuffix,
  createTopics,
  parseClientId,
  type TopicScheme,
  USER_PROPERTY,
  validateIdentifier,
} from '@a2a-mqtt/protocol';
import { AsyncQueue } from './async-queue.js';
import { decodeAgentCard } from './card-codec.js';
import {
  DEFAULT_DIRECTORY_QOS,
  DEFAULT_MAX_CARD_BYTES,
  DEFAULT_SETTLE_MAX_MS,
  DEFAULT_SETTLE_QUIET_MS,
  DEFAULT_SETTLE_TIMEOUT_MS,
  DEFAULT_WATCH_BUFFER_SIZE,
} from './defaults.js';
import type { DirectoryEntry, DirectoryEvent, DirectoryInvalidEvent } from './directory-types.js';
import {
  type AgentFilter,
  type AgentReference,
  matchesFilter,
  matchesReference,
} from './filter.js';
import { type PresenceStatus, readPresence, type StatusSource } from './presence.js';
import { SILENT_LOGGER } from './silent-logger.js';

/**
 * How a directory decides that the broker has delivered the retained set (when `start()`
 * resolves).
 *
 * - `probe` (default): after the SUBACK of the discovery subscription, the directory
 *   subscribes to a private probe topic and publishes one non-retained QoS 1 message on it.
 *   The broker queues the retained cards at SUBACK time and delivers one session's messages
 *   in order, so the probe arrives right after the last retained card (verified on
 *   mosquitto 2.0 with 10 000 cards). If the probe cannot be published (e.g. refused by an
 *   ACL) the directory falls back to `quiet`; if it does not arrive within `timeoutMs`,
 *   `start()` resolves with a warning. The probe cannot detect a retained set the broker
 *   truncated (mosquitto `max_queued_messages`): size that limit above the agent count.
 *   It assumes the broker delivers a new subscription's retained set before a message
 *   published after the SUBACK: a broker that dispatches retained messages asynchronously
 *   (EMQX 5 hands them to retainer worker processes) can let the probe overtake part of a
 *   large set. Check it on your broker (the package's integration suite does, per broker
 *   target) or use `quiet` there.
 * - `quiet`: the retained set counts as delivered after `quietMs` without a discovery
 *   message, at most `maxMs` after SUBACK. Works with any permissions; slower and a guess.
 */
export type SettleOptions =
  | {
      strategy: 'probe';
      /**
       * Topic of the probe (each run appends a random level). Must be publishable and
       * subscribable by the session and outside the discovery filter.
       * @default `{prefix}/reply/{org}/{unit}/{agent}` of the session's client id
       *   (`{org}/{unit}/{agent}`), else `{prefix}/reply/{scope.org}/{scope.unit ?? '_all'}/_directory`
       */
      probeTopic?: string;
      /**
       * Upper bound of the wait for the probe.
       * @default DEFAULT_SETTLE_TIMEOUT_MS (5 000)
       */
      timeoutMs?: number;
      /**
       * Quiet period used if the probe cannot be published.
       * @default DEFAULT_SETTLE_QUIET_MS (100)
       */
      fallbackQuietMs?: number;
    }
  | {
      strategy: 'quiet';
      /** @default DEFAULT_SETTLE_QUIET_MS (100) */
      quietMs?: number;
      /** @default DEFAULT_SETTLE_MAX_MS (5 000) */
      maxMs?: number;
    };

/** Options of {@link createAgentDirectory}. */
export interface AgentDirectoryOptions {
  /** A connected session (the directory only subscribes and, for the probe, publishes). */
  session: MqttSession;
  /** One unit (`{ org, unit }`) or every unit of an org (`{ org }`). */
  scope: { org: string; unit?: string };
  /**
   * Topic scheme (prefix).
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * How `start()` decides the retained set is delivered.
   * @default { strategy: 'probe' }
   */
  settle?: SettleOptions;
  /**
   * Cards larger than this are reported as `invalid` and skipped.
   * @default DEFAULT_MAX_CARD_BYTES (262 144)
   */
  maxCardBytes?: number;
  /**
   * QoS of the discovery subscription. Cards are state, not events, and the directory re-reads
   * the retained set after every reconnect (with or without a resumed session), so QoS 0 loses
   * nothing a reconnect does not restore, and spares a PUBACK per card (a fresh directory of
   * 10 000 cards loads about 15 % faster). With 1, a persistent session also has the broker
   * queue card changes while the directory is offline (they arrive before the re-read).
   * @default DEFAULT_DIRECTORY_QOS (0)
   */
  qos?: 0 | 1;
  /**
   * Events buffered per `watch()` iterator whose consumer has not read them yet. Beyond it the
   * oldest are dropped (the directory itself never loses a card): each drop is counted in
   * {@link DirectoryWatch.dropped} and {@link AgentDirectory.droppedEvents}, and each overflow
   * episode logs one `warn` line (and one `info` line when the consumer has caught up).
   * @default DEFAULT_WATCH_BUFFER_SIZE (10 000)
   */
  watchBufferSize?: number;
  /**
   * Logger (skipped cards at `warn`, without payloads; per-card details at `debug`).
   * @default NOOP_LOGGER
   */
  logger?: Logger;
  /** @internal Subscribe to this exact filter instead of the scope's (single-agent lookups). */
  filter?: string;
}

/** Options of {@link AgentDirectory.watch}. */
export interface WatchOptions {
  /**
   * First yield an `added` event for every entry already known (a snapshot of the directory at
   * the call), then the live changes. Without it, only the changes after the call.
   * @default false
   */
  replay?: boolean;
}

/**
 * What {@link AgentDirectory.watch} returns: an `AsyncIterableIterator` of
 * {@link DirectoryEvent}s that also says how many events it lost.
 *
 * Each iterator buffers up to `watchBufferSize` events its consumer has not read yet. When a
 * consumer falls further behind, the oldest buffered events are dropped so that the MQTT message
 * path never blocks or grows without bound. The directory's map (`list()`, `get()`) is always
 * complete; only this iterator's view has gaps. A consumer that sees `dropped` grow should
 * re-read `list()` to resynchronise.
 *
 * @example
 * ```ts
 * const events = directory.watch({ replay: true });
 * let seen = 0;
 * for await (const event of events) {
 *   if (events.dropped > seen) {
 *     seen = events.dropped;
 *     rebuildFrom(directory.list()); // some events were lost: start over from the snapshot
 *   }
 *   handle(event);
 * }
 * ```
 */
export interface DirectoryWatch extends AsyncIterableIterator<DirectoryEvent> {
  /**
   * Events dropped from this iterator so far because its buffer was full (the oldest go first).
   * Stays 0 while the consumer keeps up.
   */
  readonly dropped: number;
}

/** A live, scoped view of the agents registered on the broker; see {@link createAgentDirectory}. */
export interface AgentDirectory {
  /**
   * Subscribes and resolves once the retained set is delivered (see {@link SettleOptions}).
   * Idempotent.
   */
  start(): Promise<void>;
  /** The entries matching `filter` (all when omitted). */
  list(filter?: AgentFilter): DirectoryEntry[];
  /** One entry by address, `{org}/{unit}/{agent}`, agent id or card name. */
  get(reference: AgentReference): DirectoryEntry | undefined;
  /** Number of entries. */
  readonly size: number;
  /**
   * Change events from now on (`added`, `updated`, `online`, `offline`, `removed`,
   * `invalid`); with `replay: true`, first an `added` event per known entry. Ends when the
   * directory closes; `break` releases the iterator. A consumer slower than the message flow
   * loses the oldest events beyond `watchBufferSize`: see {@link DirectoryWatch.dropped}.
   */
  watch(options?: WatchOptions): DirectoryWatch;
  /**
   * Events dropped so far, over every `watch()` iterator of this directory (including released
   * ones), because a consumer fell more than `watchBufferSize` events behind.
   */
  readonly droppedEvents: number;
  /** Unsubscribes, ends every `watch()` iterator and stops listening to the session. */
  close(): Promise<void>;
  /** Same as {@link AgentDirectory.close}. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates a live directory of the agents of one unit (or all units of an org).
 *
 * @throws {A2AMqttError} `INVALID_IDENTIFIER` for a bad scope.
 * @example
 * ```ts
 * const directory = createAgentDirectory({ session, scope: { org: 'acme', unit: 'support' } });
 * try {
 *   await directory.start();
 *   console.log(directory.list({ status: 'online' }).map((entry) => entry.card.name));
 *   for await (const event of directory.watch()) {
 *     if (event.type !== 'invalid') console.log(event.type, event.entry.id, event.entry.statusSource);
 *   }
 * } finally {
 *   await directory.close();
 * }
 * ```
 */
export function createAgentDirectory(options: AgentDirectoryOptions): AgentDirectory {
  return new DefaultAgentDirectory(options);
}

/** Marks the settle probe as a control message (wire validators skip it). */
const PROBE_PROPERTIES = Object.freeze({ [USER_PROPERTY.PROBE]: 'discovery-settle' });

/** `{org}/{unit}/{agent}` after the discovery head, each an identifier (`IDENTIFIER_PATTERN`). */
const DISCOVERY_LEVELS = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

interface StoredEntry {
  entry: DirectoryEntry;
  /** The retained payload, to skip re-decoding an unchanged card. */
  payload: Buffer;
  /** The validated card; its SDK object is built on the first read of `entry.card`. */
  decoded: { readonly card: AgentCard };
}

/**
 * An entry whose `card` is an own enumerable getter reading `decoded.card`, so the SDK object
 * is only built when someone reads it (filters by name or skill, `get`, events, `{...entry}`,
 * `JSON.stringify`), and every entry of one card shares that one object.
 */
function createEntry(
  base: Pick<DirectoryEntry, 'id' | 'address' | 'topic'>,
  decoded: { readonly card: AgentCard },
  status: PresenceStatus,
  statusSource: StatusSource | undefined,
): DirectoryEntry {
  return {
    id: base.id,
    address: base.address,
    topic: base.topic,
    get card(): AgentCard {
      return decoded.card;
    },
    status,
    statusSource,
    updatedAt: Date.now(),
  };
}

class DefaultAgentDirectory implements AgentDirectory {
  private readonly session: MqttSession;
  private readonly topics: TopicScheme;
  private readonly scope: { org: string; unit?: string };
  private readonly filter: string;
  private readonly settle: SettleOptions;
  private readonly maxCardBytes: number;
  private readonly watchBufferSize: number;
  private readonly logger: Logger;
  private readonly entries = new Map<string, StoredEntry>();
  private readonly watchers = new Set<AsyncQueue<DirectoryEvent>>();
  /** Events dropped by the watchers that were released (the live ones count their own). */
  private releasedDropped = 0;
  private subscription: Subscription | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;
  /** Resolves when `close()` begins: ends a settle wait at once. */
  private readonly closing: Promise<'closed'>;
  private markClosing!: () => void;
  /** Messages seen since the current settle began (drives the quiet strategy). */
  private messageCount = 0;
  /** Ids seen during a resync after a reconnect without a session. */
  private resyncSeen: Set<string> | undefined;
  private readonly qos: 0 | 1;
  private readonly onConnect = (event?: { sessionPresent?: boolean }): void => {
    if (this.closed || !this.subscription) return;
    const resumed = event?.sessionPresent === true;
    // A resumed session kept the subscription: at QoS 1 the broker queued the changes, at
    // QoS 0 it did not, and only a new SUBSCRIBE makes it send the retained set again.
    if (resumed && this.qos === 1) return;
    this.resync(resumed).catch((error: unknown) => {
      this.logger.warn({ err: error, filter: this.filter }, 'a2a-mqtt discovery: resync failed');
    });
  };
  /** `{prefix}/discovery/`. */
  private readonly discoveryHead: string;
  /** `{prefix}/request/`: the expected request topic of an agent is this plus its id. */
  private readonly requestHead: string;
  private readonly onMessage = (message: InboundMessage): void => {
    this.handleMessage(message);
  };

  constructor(options: AgentDirectoryOptions) {
    this.session = options.session;
    this.topics = options.topics ?? createTopics();
    const org = validateIdentifier(options.scope.org, 'org');
    const unit =
      options.scope.unit === undefined ? undefined : validateIdentifier(options.scope.unit, 'unit');
    this.scope = unit === undefined ? { org } : { org, unit };
    this.filter = options.filter ?? this.topics.discoveryFilter(this.scope);
    this.discoveryHead = `${this.topics.prefix}/discovery/`;
    this.requestHead = `${this.topics.prefix}/request/`;
    this.settle = options.settle ?? { strategy: 'probe' };
    this.maxCardBytes = options.maxCardBytes ?? DEFAULT_MAX_CARD_BYTES;
    this.watchBufferSize = options.watchBufferSize ?? DEFAULT_WATCH_BUFFER_SIZE;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.qos = options.qos ?? DEFAULT_DIRECTORY_QOS;
    this.closing = new Promise((resolve) => {
      this.markClosing = () => resolve('closed');
    });
  }

  get size(): number {
    return this.entries.size;
  }

  get droppedEvents(): number {
    let total = this.releasedDropped;
    for (const watcher of this.watchers) total += watcher.dropped;
    return total;
  }

  start(): Promise<void> {
    if (this.closed) {
      return Promise.reject(
        new A2AMqttError({
          code: A2A_MQTT_ERROR_CODE.CLOSED,
          message: 'the agent directory is closed',
        }),
      );
    }
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.messageCount = 0;
    const settleStart = performance.now();
    // The retained set arrives as one burst: coalesce its PUBACKs (one write per turn).
    const endBurst = this.session.beginBurst();
    try {
      this.subscription = await this.session.subscribe(this.filter, this.onMessage, {
        qos: this.qos,
      });
      if (this.closed) {
        await this.subscription.unsubscribe();
        return;
      }
      this.session.on('connect', this.onConnect);
      await this.waitForRetainedSet();
    } finally {
      endBurst();
    }
    this.logger.debug(
      {
        filter: this.filter,
        entries: this.entries.size,
        ms: Math.round(performance.now() - settleStart),
      },
      'a2a-mqtt discovery: retained set delivered',
    );
  }

  /**
   * Re-reads the retained set after a reconnect and drops the agents whose cards are gone.
   * Without a session the session's resubscription makes the broker send it; with a resumed
   * one (QoS 0) a second handler on the same filter does (the session re-sends SUBSCRIBE for a
   * new handler and routes the retained set to it alone), then the old handler leaves.
   */
  private async resync(resumed: boolean): Promise<void> {
    const seen = new Set<string>();
    this.resyncSeen = seen;
    const endBurst = this.session.beginBurst();
    try {
      if (resumed) {
        const previous = this.subscription;
        const fresh = await this.session.subscribe(this.filter, this.onMessage, { qos: this.qos });
        if (this.closed || this.subscription !== previous) {
          await fresh.unsubscribe();
          return;
        }
        this.subscription = fresh;
        await previous?.unsubscribe();
      }
      await this.waitForRetainedSet();
    } finally {
      endBurst();
    }
    if (this.resyncSeen !== seen || this.closed) return;
    this.resyncSeen = undefined;
    for (const [id, stored] of this.entries) {
      if (!seen.has(id)) {
        this.entries.delete(id);
        this.emit({ type: 'removed', entry: stored.entry });
      }
    }
  }

  private async waitForRetainedSet(): Promise<void> {
    const settle = this.settle;
    if (settle.strategy === 'quiet') {
      await this.waitQuiet(
        settle.quietMs ?? DEFAULT_SETTLE_QUIET_MS,
        settle.maxMs ?? DEFAULT_SETTLE_MAX_MS,
      );
      return;
    }
    const outcome = await this.waitProbe(
      settle.probeTopic ?? this.defaultProbeTopic(),
      settle.timeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS,
    );
    if (outcome === 'refused') {
      await this.waitQuiet(
        settle.fallbackQuietMs ?? DEFAULT_SETTLE_QUIET_MS,
        settle.timeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS,
      );
    } else if (outcome === 'timeout') {
      this.logger.warn(
        { filter: this.filter, entries: this.entries.size },
        'a2a-mqtt discovery: the settle probe did not come back in time; continuing with the cards received so far',
      );
    }
  }

  private defaultProbeTopic(): string {
    const own = this.session.clientId ? parseClientId(this.session.clientId) : undefined;
    if (own) {
      return this.topics.reply({
        org: own.org,
        unit: own.unit,
        requester: own.agent,
        suffix: '_probe',
      });
    }
    return this.topics.reply({
      org: this.scope.org,
      unit: this.scope.unit ?? '_all',
      requester: '_directory',
      suffix: '_probe',
    });
  }

  private async waitProbe(
    baseTopic: string,
    timeoutMs: number,
  ): Promise<'arrived' | 'refused' | 'timeout'> {
    const topic = `${baseTopic}.${createReplySuffix()}`;
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let probeSubscription: Subscription | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      probeSubscription = await this.session.subscribe(topic, () => arrived(), { qos: 1 });
      await this.session.publish(topic, '', {
        qos: 1,
        properties: { userProperties: PROBE_PROPERTIES },
      });
    } catch (error) {
      this.logger.info(
        { err: error, topic },
        'a2a-mqtt discovery: the settle probe could not be used; falling back to a quiet period',
      );
      await probeSubscription?.unsubscribe().catch(() => undefined);
      return 'refused';
    }
    try {
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([
        arrival.then(() => 'arrived' as const),
        timeout,
        this.closing,
      ]);
      return outcome === 'closed' ? 'arrived' : outcome;
    } finally {
      clearTimeout(timer);
      await probeSubscription.unsubscribe().catch(() => undefined);
    }
  }

  private waitQuiet(quietMs: number, maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const started = performance.now();
      let lastCount = this.messageCount;
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      // `close()` ends the wait at once (it awaits a pending `start()`).
      this.closing.then(done, done);
      const tick = (): void => {
        const elapsed = performance.now() - started;
        if (this.closed || this.messageCount === lastCount || elapsed >= maxMs) {
          done();
          return;
        }
        lastCount = this.messageCount;
        timer = setTimeout(tick, Math.min(quietMs, Math.max(1, maxMs - elapsed)));
      };
      timer = setTimeout(tick, Math.min(quietMs, maxMs));
    });
  }

  /**
   * The agent of a discovery topic of this prefix, or `undefined`. Same answer as
   * `topics.parse(topic)` with `kind: 'discovery'`, without its allocations (it runs once per
   * card: 10 000 times while a large directory loads).
   */
  private parseDiscoveryTopic(topic: string): AgentAddress | undefined {
    if (topic.startsWith(this.discoveryHead)) {
      const match = DISCOVERY_LEVELS.exec(topic.slice(this.discoveryHead.length));
      if (match === null) return undefined;
      return { org: match[1] as string, unit: match[2] as string, agent: match[3] as string };
    }
    // Anything else (a `$share/` form, another prefix) goes through the general parser.
    const parsed = this.topics.parse(topic);
    if (parsed?.kind !== 'discovery') return undefined;
    return { org: parsed.org, unit: parsed.unit, agent: parsed.agent };
  }

  private handleMessage(message: InboundMessage): void {
    if (this.closed) return;
    this.messageCount += 1;
    const { topic } = message;
    const address = this.parseDiscoveryTopic(topic);
    if (address === undefined) {
      this.invalid({
        type: 'invalid',
        topic,
        address: undefined,
        reason: 'bad-topic',
        message: 'not a discovery topic of this prefix',
      });
      return;
    }
    const id = `${address.org}/${address.unit}/${address.agent}`;
    this.resyncSeen?.add(id);
    const stored = this.entries.get(id);
    const payload = message.payload;
    if (payload.length === 0) {
      if (stored) {
        this.entries.delete(id);
        this.emit({ type: 'removed', entry: stored.entry });
      }
      return;
    }
    const presence = readPresence(message.properties.userProperties);
    let { status, statusSource } = presence;
    // Broker-managed status (connection tracking) is authoritative: an agent or LWT status
    // never overrides it; only a later broker status does.
    if (stored && stored.entry.statusSource === 'broker' && statusSource !== 'broker') {
      status = stored.entry.status;
      statusSource = 'broker';
    }
    if (stored?.payload.equals(payload)) {
      if (stored.entry.status === status && stored.entry.statusSource === statusSource) return;
      const entry = createEntry(stored.entry, stored.decoded, status, statusSource);
      this.entries.set(id, { entry, payload, decoded: stored.decoded });
      this.emitStatus(entry, stored.entry);
      return;
    }
    const decoded = decodeAgentCard(
      payload,
      address,
      `${this.requestHead}${id}`,
      this.maxCardBytes,
    );
    if (!decoded.ok) {
      this.invalid({
        type: 'invalid',
        topic,
        address,
        reason: decoded.reason,
        message: decoded.message,
        ...(decoded.issues ? { issues: decoded.issues } : {}),
      });
      return;
    }
    const entry = createEntry({ id, address, topic }, decoded, status, statusSource);
    this.entries.set(id, { entry, payload, decoded });
    if (this.watchers.size === 0) return;
    if (!stored) {
      this.emit({ type: 'added', entry });
      return;
    }
    this.emit({ type: 'updated', entry, previous: stored.entry });
    if (stored.entry.status !== status || stored.entry.statusSource !== statusSource) {
      this.emitStatus(entry, stored.entry);
    }
  }

  private emitStatus(entry: DirectoryEntry, previous: DirectoryEntry): void {
    if (entry.status === 'online' || entry.status === 'offline') {
      this.emit({ type: entry.status, entry, previous });
    } else {
      this.emit({ type: 'updated', entry, previous });
    }
  }

  private invalid(event: DirectoryInvalidEvent): void {
    this.logger.warn(
      { topic: event.topic, reason: event.reason, detail: event.message },
      'a2a-mqtt discovery: skipped a discovery message',
    );
    this.emit(event);
  }

  private emit(event: DirectoryEvent): void {
    for (const watcher of this.watchers) watcher.push(event);
  }

  list(filter?: AgentFilter): DirectoryEntry[] {
    const result: DirectoryEntry[] = [];
    for (const { entry } of this.entries.values()) {
      if (matchesFilter(entry, filter)) result.push(entry);
    }
    return result;
  }

  get(reference: AgentReference): DirectoryEntry | undefined {
    if (typeof reference === 'string' && reference.includes('/')) {
      return this.entries.get(reference)?.entry;
    }
    if (typeof reference !== 'string') {
      return this.entries.get(`${reference.org}/${reference.unit}/${reference.agent}`)?.entry;
    }
    for (const { entry } of this.entries.values()) {
      if (matchesReference(entry, reference)) return entry;
    }
    return undefined;
  }

  watch(options?: WatchOptions): DirectoryWatch {
    const queue: AsyncQueue<DirectoryEvent> = new AsyncQueue(this.watchBufferSize, {
      onReturn: () => this.release(queue),
      onOverflow: () => {
        this.logger.warn(
          {
            filter: this.filter,
            watchBufferSize: this.watchBufferSize,
            dropped: queue.dropped,
            droppedEvents: this.droppedEvents,
          },
          'a2a-mqtt discovery: a watch() consumer fell behind; dropping its oldest events until it catches up (the directory itself stays complete)',
        );
      },
      onRecover: (dropped) => {
        this.logger.info(
          { filter: this.filter, dropped, droppedEvents: this.droppedEvents },
          'a2a-mqtt discovery: a watch() consumer caught up after dropping events',
        );
      },
    });
    if (options?.replay) {
      for (const { entry } of this.entries.values()) queue.push({ type: 'added', entry });
    }
    if (this.closed) queue.end();
    else this.watchers.add(queue);
    return queue;
  }

  /** Forgets a watcher, keeping its drop count in {@link droppedEvents}. */
  private release(queue: AsyncQueue<DirectoryEvent>): void {
    if (this.watchers.delete(queue)) this.releasedDropped += queue.dropped;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.markClosing();
    this.session.off('connect', this.onConnect);
    for (const watcher of this.watchers) {
      watcher.end();
      this.releasedDropped += watcher.dropped;
    }
    this.watchers.clear();
    const subscription = this.subscription;
    this.subscription = undefined;
    await this.starting?.catch(() => undefined);
    await (subscription ?? this.subscription)?.unsubscribe().catch((error: unknown) => {
      this.logger.debug({ err: error }, 'a2a-mqtt discovery: unsubscribe failed on close');
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
