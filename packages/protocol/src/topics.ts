/**
 * The topic model of the profile, under a configurable prefix (default `$a2a/v1`):
 *
 * | purpose | topic |
 * |---|---|
 * | discovery | `{prefix}/discovery/{org}/{unit}/{agent}` |
 * | direct request | `{prefix}/request/{org}/{unit}/{agent}` |
 * | pool request | `{prefix}/request/{org}/{unit}/pool/{pool}` |
 * | reply | `{prefix}/reply/{org}/{unit}/{requester}/{suffix}` |
 * | event | `{prefix}/event/{org}/{unit}/{agent}` |
 */
import { A2AMqttError } from './errors.js';
import {
  type AgentAddress,
  describeValue,
  isValidIdentifier,
  type PoolAddress,
  poolGroupId,
  type UnitScope,
  validateAgentAddress,
  validateIdentifier,
} from './identifiers.js';

/**
 * The profile's topic prefix. Several brokers mishandle `$`-topics (mosquitto 2.0 never
 * delivers shared subscriptions on them), so the prefix is configurable, e.g. `a2a/v1`.
 */
export const DEFAULT_TOPIC_PREFIX = '$a2a/v1';

/** Options of {@link createTopics} and {@link TopicScheme}. */
export interface TopicSchemeOptions {
  /**
   * The topic prefix: non-empty, no `+`/`#` wildcards, no leading or trailing `/`, no empty
   * level, not a `$share`/`$queue` topic.
   * @default DEFAULT_TOPIC_PREFIX ('$a2a/v1')
   */
  prefix?: string;
}

/** The scope of a discovery or event filter; `unit` omitted means every unit of the org. */
export interface OrgScope {
  /** The organisation. */
  org: string;
  /** The unit; omitted means every unit of the organisation (`+`). */
  unit?: string;
}

/** The parts of a reply topic. */
export interface ReplyAddress {
  /** Organisation of the requester. */
  org: string;
  /** Unit of the requester. */
  unit: string;
  /** The requester's agent id. */
  requester: string;
  /** A per-requester suffix, see `createReplySuffix()`. */
  suffix: string;
}

/** The parts of a reply filter (every suffix of one requester). */
export interface ReplyScope {
  /** Organisation of the requester. */
  org: string;
  /** Unit of the requester. */
  unit: string;
  /** The requester's agent id. */
  requester: string;
}

/** Fields every {@link ParsedTopic} has. */
interface ParsedTopicBase {
  /** The topic without any `$share/{group}/` prefix. */
  topic: string;
  /** The prefix the topic was parsed with. */
  prefix: string;
  /** The shared-subscription group when the input started with `$share/{group}/`. */
  shareGroup?: string;
}

/** A parsed discovery topic. */
export interface ParsedDiscoveryTopic extends ParsedTopicBase, AgentAddress {
  /** Discriminant: `'discovery'`. */
  kind: 'discovery';
}
/** A parsed direct request topic. */
export interface ParsedRequestTopic extends ParsedTopicBase, AgentAddress {
  /** Discriminant: `'request'`. */
  kind: 'request';
}
/** A parsed pool request topic. */
export interface ParsedPoolRequestTopic extends ParsedTopicBase, PoolAddress {
  /** Discriminant: `'pool-request'`. */
  kind: 'pool-request';
}
/** A parsed reply topic. */
export interface ParsedReplyTopic extends ParsedTopicBase, ReplyAddress {
  /** Discriminant: `'reply'`. */
  kind: 'reply';
}
/** A parsed event topic. */
export interface ParsedEventTopic extends ParsedTopicBase, AgentAddress {
  /** Discriminant: `'event'`. */
  kind: 'event';
}

/** The result of {@link TopicScheme.parse}, discriminated by `kind`. */
export type ParsedTopic =
  | ParsedDiscoveryTopic
  | ParsedRequestTopic
  | ParsedPoolRequestTopic
  | ParsedReplyTopic
  | ParsedEventTopic;

/** The kinds of topic of the profile. */
export type TopicKind = ParsedTopic['kind'];

/**
 * Returns `prefix` when it is usable as a topic prefix, else throws `INVALID_TOPIC`.
 *
 * @example
 * ```ts
 * validateTopicPrefix('a2a/v1'); // 'a2a/v1'
 * validateTopicPrefix('a2a/#');  // throws INVALID_TOPIC
 * ```
 */
export function validateTopicPrefix(prefix: unknown): string {
  const fail = (reason: string): never => {
    throw new A2AMqttError({
      code: 'INVALID_TOPIC',
      message: `Invalid topic prefix ${describeValue(prefix)}: ${reason}`,
      details: { prefix: typeof prefix === 'string' ? prefix : undefined },
    });
  };
  if (typeof prefix !== 'string') return fail('must be a string');
  if (prefix.length === 0) return fail('must not be empty');
  if (prefix.includes('+') || prefix.includes('#')) return fail('must not contain + or #');
  if (prefix.startsWith('/') || prefix.endsWith('/')) {
    return fail('must not start or end with /');
  }
  if (prefix.includes('//')) return fail('must not contain an empty level');
  if (prefix.includes('\u0000')) return fail('must not contain U+0000');
  const first = prefix.split('/')[0];
  if (first === '$share' || first === '$queue') return fail(`must not start with ${first}/`);
  return prefix;
}

function invalidScope(what: string, value: unknown): never {
  throw new A2AMqttError({
    code: 'INVALID_IDENTIFIER',
    message: `Invalid ${what}: got ${describeValue(value)}`,
  });
}

function requireObject(value: unknown, what: string): void {
  if (typeof value !== 'object' || value === null) invalidScope(what, value);
}

/**
 * Builds and parses the topics of the profile under one prefix. Every builder validates the
 * identifiers it is given and throws `INVALID_IDENTIFIER` naming the bad part.
 *
 * @example
 * ```ts
 * const topics = createTopics({ prefix: 'a2a/v1' });
 * const agent = { org: 'acme', unit: 'support', agent: 'triage' };
 * topics.request(agent);            // 'a2a/v1/request/acme/support/triage'
 * topics.parse('a2a/v1/event/acme/support/triage'); // { kind: 'event', org: 'acme', ... }
 * ```
 */
export class TopicScheme {
  readonly #prefix: string;

  /**
   * Creates a topic scheme under `options.prefix` (`createTopics(options)` does the same).
   *
   * @param options - The topic prefix; defaults to {@link DEFAULT_TOPIC_PREFIX} (`$a2a/v1`).
   * @throws {A2AMqttError} `INVALID_TOPIC` when the prefix is empty, has a wildcard, an empty
   *   level or a leading/trailing `/`, or is a `$share`/`$queue` topic.
   */
  constructor(options: TopicSchemeOptions = {}) {
    this.#prefix = validateTopicPrefix(options.prefix ?? DEFAULT_TOPIC_PREFIX);
  }

  /** The prefix every topic of this scheme starts with. */
  get prefix(): string {
    return this.#prefix;
  }

  /** `{prefix}/discovery/{org}/{unit}/{agent}`: where the agent's card is retained. */
  discovery(agent: AgentAddress): string {
    return this.#agentTopic('discovery', agent);
  }

  /**
   * The discovery filter of an org (`{prefix}/discovery/{org}/+/+`) or of one unit
   * (`{prefix}/discovery/{org}/{unit}/+`).
   */
  discoveryFilter(scope: OrgScope): string {
    return this.#orgFilter('discovery', scope);
  }

  /** `{prefix}/request/{org}/{unit}/{agent}`: the agent's direct request topic. */
  request(agent: AgentAddress): string {
    return this.#agentTopic('request', agent);
  }

  /**
   * `{prefix}/request/{org}/{unit}/+`: every direct request topic of a unit (a host serving
   * several agents). Pool request topics have one more level and do not match.
   */
  requestFilter(scope: UnitScope): string {
    requireObject(scope, 'unit scope');
    const org = validateIdentifier(scope.org, 'org');
    const unit = validateIdentifier(scope.unit, 'unit');
    return `${this.#prefix}/request/${org}/${unit}/+`;
  }

  /**
   * `{prefix}/request/{org}/{unit}/pool/{pool}`: where requesters publish pooled requests
   * (never to the `$share/...` form).
   */
  poolRequest(pool: PoolAddress): string {
    requireObject(pool, 'pool address');
    const org = validateIdentifier(pool.org, 'org');
    const unit = validateIdentifier(pool.unit, 'unit');
    const name = validateIdentifier(pool.pool, 'pool');
    return `${this.#prefix}/request/${org}/${unit}/pool/${name}`;
  }

  /**
   * `$share/{group}/{prefix}/request/{org}/{unit}/pool/{pool}`: the filter pool members
   * subscribe to. `group` defaults to the deterministic {@link poolGroupId}.
   */
  sharedPoolRequest(pool: PoolAddress, group?: string): string {
    const topic = this.poolRequest(pool);
    const shareGroup = group === undefined ? poolGroupId(pool) : validateIdentifier(group, 'group');
    return `$share/${shareGroup}/${topic}`;
  }

  /** `{prefix}/reply/{org}/{unit}/{requester}/{suffix}`: a requester's reply topic. */
  reply(address: ReplyAddress): string {
    requireObject(address, 'reply address');
    const base = this.replyFilter(address).slice(0, -1);
    return `${base}${validateIdentifier(address.suffix, 'replySuffix')}`;
  }

  /** `{prefix}/reply/{org}/{unit}/{requester}/+`: every reply topic of one requester. */
  replyFilter(scope: ReplyScope): string {
    requireObject(scope, 'reply scope');
    const org = validateIdentifier(scope.org, 'org');
    const unit = validateIdentifier(scope.unit, 'unit');
    const requester = validateIdentifier(scope.requester, 'requester');
    return `${this.#prefix}/reply/${org}/${unit}/${requester}/+`;
  }

  /** `{prefix}/event/{org}/{unit}/{agent}`: the agent's event topic (outside request/reply). */
  event(agent: AgentAddress): string {
    return this.#agentTopic('event', agent);
  }

  /** The event filter of an org (`.../event/{org}/+/+`) or one unit (`.../event/{org}/{unit}/+`). */
  eventFilter(scope: OrgScope): string {
    return this.#orgFilter('event', scope);
  }

  /**
   * Parses a topic of this scheme (a `$share/{group}/` prefix is stripped and reported as
   * `shareGroup`). Returns `undefined` for anything else: another prefix, an unknown method,
   * the wrong number of levels, wildcards or invalid identifiers. Never throws.
   */
  parse(topic: string): ParsedTopic | undefined {
    if (typeof topic !== 'string') return undefined;
    let rest = topic;
    let shareGroup: string | undefined;
    if (rest.startsWith('$share/')) {
      const end = rest.indexOf('/', 7);
      if (end < 0) return undefined;
      shareGroup = rest.slice(7, end);
      if (!isValidIdentifier(shareGroup)) return undefined;
      rest = rest.slice(end + 1);
    }
    const head = `${this.#prefix}/`;
    if (!rest.startsWith(head)) return undefined;
    const levels = rest.slice(head.length).split('/');
    const [method, ...ids] = levels;
    if (!ids.every(isValidIdentifier)) return undefined;
    const base: ParsedTopicBase = { topic: rest, prefix: this.#prefix };
    if (shareGroup !== undefined) base.shareGroup = shareGroup;
    if (
      ids.length === 3 &&
      (method === 'discovery' || method === 'request' || method === 'event')
    ) {
      const [org, unit, agent] = ids as [string, string, string];
      return { kind: method, ...base, org, unit, agent };
    }
    if (method === 'request' && ids.length === 4 && ids[2] === 'pool') {
      const [org, unit, , pool] = ids as [string, string, string, string];
      return { kind: 'pool-request', ...base, org, unit, pool };
    }
    if (method === 'reply' && ids.length === 4) {
      const [org, unit, requester, suffix] = ids as [string, string, string, string];
      return { kind: 'reply', ...base, org, unit, requester, suffix };
    }
    return undefined;
  }

  #agentTopic(method: string, agent: AgentAddress): string {
    const valid = validateAgentAddress(agent);
    return `${this.#prefix}/${method}/${valid.org}/${valid.unit}/${valid.agent}`;
  }

  #orgFilter(method: string, scope: OrgScope): string {
    requireObject(scope, 'scope');
    const org = validateIdentifier(scope.org, 'org');
    const unit = scope.unit === undefined ? '+' : validateIdentifier(scope.unit, 'unit');
    return `${this.#prefix}/${method}/${org}/${unit}/+`;
  }
}

/**
 * Creates a {@link TopicScheme}.
 *
 * @example
 * ```ts
 * const topics = createTopics(); // prefix '$a2a/v1'
 * topics.discovery({ org: 'acme', unit: 'support', agent: 'triage' });
 * // '$a2a/v1/discovery/acme/support/triage'
 * topics.sharedPoolRequest({ org: 'acme', unit: 'support', pool: 'triage' });
 * // '$share/a2a.acme.support.triage/$a2a/v1/request/acme/support/pool/triage'
 * ```
 */
export function createTopics(options: TopicSchemeOptions = {}): TopicScheme {
  return new TopicScheme(options);
}
