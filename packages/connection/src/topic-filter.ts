/**
 * MQTT topic-name and topic-filter rules (MQTT v5 §4.7 and §4.8.2), shared by the router and
 * the session's input validation. Pure functions: no I/O.
 */
import { A2AMqttError } from '@a2a-mqtt/protocol';

const SHARE_PREFIX = '$share/';

/** A topic filter split into its optional shared-subscription group and the filter proper. */
export interface ParsedTopicFilter {
  /** The filter as given (with any `$share/{group}/` prefix). */
  readonly filter: string;
  /** The filter that topics are matched against (without the `$share/{group}/` prefix). */
  readonly matchFilter: string;
  /** The shared-subscription group, when the filter starts with `$share/{group}/`. */
  readonly shareGroup?: string;
  /** Whether the filter contains `+` or `#`. */
  readonly hasWildcard: boolean;
}

function invalidFilter(filter: string, reason: string): A2AMqttError {
  return new A2AMqttError({
    code: 'INVALID_TOPIC',
    message: `Invalid MQTT topic filter ${JSON.stringify(filter)}: ${reason}`,
    details: { filter },
  });
}

/**
 * Parses and validates a topic filter; throws `INVALID_TOPIC` naming the filter and the rule
 * it breaks.
 */
export function parseTopicFilter(filter: string): ParsedTopicFilter {
  if (typeof filter !== 'string' || filter.length === 0) {
    throw invalidFilter(String(filter), 'a filter must be a non-empty string');
  }
  if (filter.includes('\u0000')) throw invalidFilter(filter, 'contains a NUL character');
  let matchFilter = filter;
  let shareGroup: string | undefined;
  if (filter.startsWith(SHARE_PREFIX)) {
    const rest = filter.slice(SHARE_PREFIX.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) {
      throw invalidFilter(filter, 'a shared subscription needs `$share/{group}/{filter}`');
    }
    shareGroup = rest.slice(0, slash);
    if (/[+#]/.test(shareGroup)) {
      throw invalidFilter(filter, 'a share group name cannot contain `+` or `#`');
    }
    matchFilter = rest.slice(slash + 1);
    if (matchFilter.length === 0) throw invalidFilter(filter, 'the shared filter is empty');
  }
  const levels = matchFilter.split('/');
  let hasWildcard = false;
  for (let index = 0; index < levels.length; index += 1) {
    const level = levels[index] as string;
    if (level === '+') {
      hasWildcard = true;
    } else if (level === '#') {
      if (index !== levels.length - 1) {
        throw invalidFilter(filter, '`#` must be the last level');
      }
      hasWildcard = true;
    } else if (level.includes('+') || level.includes('#')) {
      throw invalidFilter(filter, 'a wildcard must occupy a whole level');
    }
  }
  return shareGroup === undefined
    ? { filter, matchFilter, hasWildcard }
    : { filter, matchFilter, shareGroup, hasWildcard };
}

/**
 * Validates a topic name to publish to (non-empty, no wildcards, no NUL); throws
 * `INVALID_TOPIC`.
 */
export function assertTopicName(topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new A2AMqttError({
      code: 'INVALID_TOPIC',
      message: 'An MQTT topic name must be a non-empty string',
      details: { topic: String(topic) },
    });
  }
  if (topic.includes('+') || topic.includes('#') || topic.includes('\u0000')) {
    throw new A2AMqttError({
      code: 'INVALID_TOPIC',
      message: `Invalid MQTT topic name ${JSON.stringify(topic)}: wildcards and NUL are not allowed`,
      details: { topic },
    });
  }
}

/**
 * Whether the topic name `topic` matches the topic filter `filter`, with the MQTT rules:
 * `+` matches exactly one level, a trailing `#` matches the parent level and any number of
 * levels below it, a `$share/{group}/` prefix is ignored for matching, and a filter starting
 * with a wildcard never matches a topic starting with `$` (such as `$a2a/v1/...` or
 * `$SYS/...`). An invalid filter matches nothing.
 *
 * @example
 * ```ts
 * topicMatchesFilter('$a2a/v1/discovery/acme/+/+', '$a2a/v1/discovery/acme/ops/planner'); // true
 * topicMatchesFilter('#', '$a2a/v1/discovery/acme/ops/planner'); // false ($-topic rule)
 * topicMatchesFilter('$share/g/a2a/v1/request/acme/ops/pool/p', 'a2a/v1/request/acme/ops/pool/p'); // true
 * ```
 */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  let parsed: ParsedTopicFilter;
  try {
    parsed = parseTopicFilter(filter);
  } catch {
    return false;
  }
  return matchLevels(parsed.matchFilter, topic);
}

/** Matches a validated filter (without `$share`) against a topic name. */
export function matchLevels(matchFilter: string, topic: string): boolean {
  if (!parsedHasWildcard(matchFilter)) return matchFilter === topic;
  const filterLevels = matchFilter.split('/');
  const topicLevels = topic.split('/');
  if (topic.startsWith('$')) {
    const first = filterLevels[0];
    if (first === '+' || first === '#') return false;
  }
  for (let index = 0; index < filterLevels.length; index += 1) {
    const level = filterLevels[index];
    if (level === '#') return true;
    if (index >= topicLevels.length) return false;
    if (level !== '+' && level !== topicLevels[index]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

function parsedHasWildcard(matchFilter: string): boolean {
  return matchFilter.includes('+') || matchFilter.includes('#');
}
