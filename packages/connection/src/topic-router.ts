/**
 * The in-process topic router: many handlers share one MQTT session. Pure bookkeeping (no
 * I/O): the session turns its answers into SUBSCRIBE / UNSUBSCRIBE packets.
 *
 * - One {@link RouteEntry} per distinct filter string, with a reference count (its handler
 *   set): the broker subscription exists while at least one handler uses the filter.
 * - Each SUBSCRIBE the session sends carries a fresh MQTT v5 Subscription Identifier mapped
 *   back to its entry. An inbound message names the subscriptions it matched, so routing is a
 *   map lookup (no scan of the filters), and two overlapping broker subscriptions that each
 *   deliver a copy of the same message reach each handler once (a handler is reached only
 *   through the copies of the filter it registered).
 * - Messages without a known identifier (a broker without identifiers, or a persistent
 *   session's queue from a previous process) are routed by matching the topic against a
 *   trie of the filters, with a small cache.
 */
import { type ParsedTopicFilter, parseTopicFilter } from './topic-filter.js';

/** One handler registration (one `subscribe()` call). */
export interface RouteHandler<M> {
  readonly deliver: (message: M) => void;
}

/** The router's record of one filter. */
export interface RouteEntry<M> {
  readonly parsed: ParsedTopicFilter;
  readonly handlers: Set<RouteHandler<M>>;
  /** The highest QoS any handler asked for. */
  qos: 0 | 1 | 2;
  /** Whether the broker acknowledged a SUBSCRIBE for it in the current session. */
  subscribed: boolean;
}

interface SubscriptionIdRoute<M> {
  readonly entry: RouteEntry<M>;
  /** The handlers that receive the retained messages this SUBSCRIBE triggers. */
  readonly retainedRecipients: ReadonlySet<RouteHandler<M>>;
}

interface TrieNode<M> {
  readonly children: Map<string, TrieNode<M>>;
  /** Entries whose filter ends at this node. */
  readonly entries: Set<RouteEntry<M>>;
  /** Entries whose filter ends with `#` right below this node. */
  readonly multiLevel: Set<RouteEntry<M>>;
}

function createNode<M>(): TrieNode<M> {
  return { children: new Map(), entries: new Set(), multiLevel: new Set() };
}

/** The largest MQTT v5 Subscription Identifier (a variable byte integer). */
export const MAX_SUBSCRIPTION_IDENTIFIER = 268_435_455;
const ROUTE_CACHE_LIMIT = 1_024;

/** The topic router. `M` is the message type handed to handlers. */
export class TopicRouter<M> {
  private readonly entries = new Map<string, RouteEntry<M>>();
  private readonly subscriptionIds = new Map<number, SubscriptionIdRoute<M>>();
  private readonly root: TrieNode<M> = createNode();
  private readonly routeCache = new Map<string, RouteEntry<M>[]>();
  private nextSubscriptionId = 1;

  /** Number of distinct filters in use. */
  get size(): number {
    return this.entries.size;
  }

  /** Every entry (for resubscription). */
  allEntries(): RouteEntry<M>[] {
    return [...this.entries.values()];
  }

  /** The entry of `filter`, if any handler uses it. */
  get(filter: string): RouteEntry<M> | undefined {
    return this.entries.get(filter);
  }

  /**
   * Adds a handler to `filter` (validating it: `INVALID_TOPIC`). `created` says whether the
   * filter is new (the broker has no subscription yet); `qosRaised` whether the entry's QoS
   * went up (the broker subscription needs a new SUBSCRIBE).
   */
  add(
    filter: string,
    handler: RouteHandler<M>,
    qos: 0 | 1 | 2,
  ): { entry: RouteEntry<M>; created: boolean; qosRaised: boolean } {
    let entry = this.entries.get(filter);
    let created = false;
    let qosRaised = false;
    if (entry === undefined) {
      entry = { parsed: parseTopicFilter(filter), handlers: new Set(), qos, subscribed: false };
      this.entries.set(filter, entry);
      this.insert(entry);
      created = true;
    } else if (qos > entry.qos) {
      entry.qos = qos;
      qosRaised = true;
    }
    entry.handlers.add(handler);
    return { entry, created, qosRaised };
  }

  /**
   * Removes a handler. Returns `true` when it was the last handler of its filter: the entry
   * is gone and the broker subscription should be removed.
   */
  remove(filter: string, handler: RouteHandler<M>): boolean {
    const entry = this.entries.get(filter);
    if (entry === undefined || !entry.handlers.delete(handler)) return false;
    if (entry.handlers.size > 0) return false;
    this.entries.delete(filter);
    this.erase(entry);
    for (const [id, route] of this.subscriptionIds) {
      if (route.entry === entry) this.subscriptionIds.delete(id);
    }
    return true;
  }

  /** Removes everything. */
  clear(): void {
    this.entries.clear();
    this.subscriptionIds.clear();
    this.routeCache.clear();
    this.root.children.clear();
    this.root.entries.clear();
    this.root.multiLevel.clear();
  }

  /**
   * Allocates a Subscription Identifier for a SUBSCRIBE of `entry`. Retained messages that
   * arrive with it (the broker sends a filter's retained set on SUBSCRIBE) go to
   * `retainedRecipients` only, so handlers already on the filter do not see them twice; live
   * messages go to every handler of the entry.
   */
  allocateSubscriptionId(
    entry: RouteEntry<M>,
    retainedRecipients: ReadonlySet<RouteHandler<M>>,
  ): number {
    const id = this.nextSubscriptionId;
    this.nextSubscriptionId =
      this.nextSubscriptionId >= MAX_SUBSCRIPTION_IDENTIFIER ? 1 : this.nextSubscriptionId + 1;
    this.subscriptionIds.set(id, { entry, retainedRecipients });
    return id;
  }

  /** Forgets one Subscription Identifier (its SUBSCRIBE failed). */
  releaseSubscriptionId(id: number): void {
    this.subscriptionIds.delete(id);
  }

  /**
   * The handlers that must receive a message, each once. `subscriptionIds` are the
   * identifiers the broker attached; when none of them is known, the topic is matched
   * against every filter.
   */
  route(
    topic: string,
    retain: boolean,
    subscriptionIds: readonly number[] | undefined,
  ): Set<RouteHandler<M>> {
    const recipients = new Set<RouteHandler<M>>();
    let known = false;
    if (subscriptionIds !== undefined) {
      for (const id of subscriptionIds) {
        const route = this.subscriptionIds.get(id);
        if (route === undefined) continue;
        known = true;
        const handlers = retain ? route.retainedRecipients : route.entry.handlers;
        for (const handler of handlers) {
          if (route.entry.handlers.has(handler)) recipients.add(handler);
        }
      }
    }
    if (!known) {
      for (const entry of this.match(topic)) {
        for (const handler of entry.handlers) recipients.add(handler);
      }
    }
    return recipients;
  }

  /** The entries whose filter matches `topic` (trie walk, cached per topic). */
  match(topic: string): RouteEntry<M>[] {
    const cached = this.routeCache.get(topic);
    if (cached !== undefined) return cached;
    const found: RouteEntry<M>[] = [];
    const levels = topic.split('/');
    const dollar = topic.startsWith('$');
    const walk = (node: TrieNode<M>, depth: number): void => {
      // `#` below this node matches this level and everything under it, except that a
      // first-level wildcard never matches a `$` topic.
      if (!(dollar && depth === 0)) for (const entry of node.multiLevel) found.push(entry);
      if (depth === levels.length) {
        for (const entry of node.entries) found.push(entry);
        return;
      }
      const exact = node.children.get(levels[depth] as string);
      if (exact !== undefined) walk(exact, depth + 1);
      if (!(dollar && depth === 0)) {
        const plus = node.children.get('+');
        if (plus !== undefined) walk(plus, depth + 1);
      }
    };
    walk(this.root, 0);
    if (this.routeCache.size >= ROUTE_CACHE_LIMIT) this.routeCache.clear();
    this.routeCache.set(topic, found);
    return found;
  }

  private insert(entry: RouteEntry<M>): void {
    this.routeCache.clear();
    const levels = entry.parsed.matchFilter.split('/');
    let node = this.root;
    for (const level of levels) {
      if (level === '#') {
        node.multiLevel.add(entry);
        return;
      }
      let child = node.children.get(level);
      if (child === undefined) {
        child = createNode();
        node.children.set(level, child);
      }
      node = child;
    }
    node.entries.add(entry);
  }

  private erase(entry: RouteEntry<M>): void {
    this.routeCache.clear();
    const levels = entry.parsed.matchFilter.split('/');
    const path: [TrieNode<M>, string][] = [];
    let node: TrieNode<M> | undefined = this.root;
    for (const level of levels) {
      if (level === '#') {
        node.multiLevel.delete(entry);
        break;
      }
      const child: TrieNode<M> | undefined = node.children.get(level);
      if (child === undefined) return;
      path.push([node, level]);
      node = child;
    }
    node.entries.delete(entry);
    // Prune empty branches so the trie does not grow with every reply filter ever used.
    for (let index = path.length - 1; index >= 0; index -= 1) {
      const [parent, level] = path[index] as [TrieNode<M>, string];
      const child = parent.children.get(level) as TrieNode<M>;
      if (child.children.size > 0 || child.entries.size > 0 || child.multiLevel.size > 0) break;
      parent.children.delete(level);
    }
  }
}
