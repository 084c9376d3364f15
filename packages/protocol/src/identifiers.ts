/**
 * Identifiers of the profile (`org_id`, `unit_id`, `agent_id`, `pool_id`, `group_id`) and the
 * values derived from them: the MQTT Client ID and the shared-subscription group id.
 */
import { A2AMqttError } from './errors.js';

/** The profile's identifier grammar: `^[A-Za-z0-9_.-]+$`. */
export const IDENTIFIER_PATTERN: RegExp = /^[A-Za-z0-9_.-]+$/;

/** What an identifier names; it appears in validation errors. */
export type IdentifierKind =
  | 'org'
  | 'unit'
  | 'agent'
  | 'pool'
  | 'group'
  | 'requester'
  | 'replySuffix';

/** The address of one agent: `{org}/{unit}/{agent}`. */
export interface AgentAddress {
  /** The organisation (an identifier, `^[A-Za-z0-9_.-]+$`). */
  org: string;
  /** The unit inside the organisation. */
  unit: string;
  /** The agent id inside the unit. */
  agent: string;
}

/** A unit of an organisation: the scope of discovery filters, pools and multi-agent hosts. */
export interface UnitScope {
  /** The organisation. */
  org: string;
  /** The unit inside the organisation. */
  unit: string;
}

/** The address of a pool of interchangeable responders in one unit. */
export interface PoolAddress {
  /** The organisation. */
  org: string;
  /** The unit inside the organisation. */
  unit: string;
  /** The pool id inside the unit. */
  pool: string;
}

/** Maximum length of a shared-subscription group id (the profile's recommended broker limit). */
export const MAX_POOL_GROUP_ID_LENGTH = 64;

/** Renders an untrusted value for an error message: quoted, escaped and bounded. */
export function describeValue(value: unknown): string {
  if (typeof value !== 'string') {
    return value === null ? 'null' : `a value of type ${typeof value}`;
  }
  const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return JSON.stringify(shown);
}

/**
 * Whether `value` is a string that matches {@link IDENTIFIER_PATTERN}.
 *
 * @example
 * ```ts
 * isValidIdentifier('weather-agent'); // true
 * isValidIdentifier('weather/agent'); // false
 * ```
 */
export function isValidIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER_PATTERN.test(value);
}

/**
 * Returns `value` when it is a valid identifier, else throws an `INVALID_IDENTIFIER`
 * {@link A2AMqttError} whose message names the kind and the offending value.
 *
 * @example
 * ```ts
 * validateIdentifier('acme', 'org'); // 'acme'
 * validateIdentifier('a b', 'unit'); // throws: Invalid unit identifier "a b": ...
 * ```
 */
export function validateIdentifier(value: unknown, kind: IdentifierKind): string {
  if (isValidIdentifier(value)) return value;
  const reason =
    typeof value === 'string'
      ? value.length === 0
        ? 'must not be empty'
        : 'must match ^[A-Za-z0-9_.-]+$'
      : 'must be a string';
  throw new A2AMqttError({
    code: 'INVALID_IDENTIFIER',
    message: `Invalid ${kind} identifier ${describeValue(value)}: ${reason}`,
    details: { kind, value: typeof value === 'string' ? value : undefined },
  });
}

/** Validates the three parts of an agent address and returns them as a fresh object. */
export function validateAgentAddress(agent: AgentAddress): AgentAddress {
  if (typeof agent !== 'object' || agent === null) {
    throw new A2AMqttError({
      code: 'INVALID_IDENTIFIER',
      message: `Invalid agent address: expected { org, unit, agent }, got ${describeValue(agent)}`,
    });
  }
  return {
    org: validateIdentifier(agent.org, 'org'),
    unit: validateIdentifier(agent.unit, 'unit'),
    agent: validateIdentifier(agent.agent, 'agent'),
  };
}

/**
 * The MQTT Client ID the profile requires: `{org}/{unit}/{agent}`.
 *
 * @example
 * ```ts
 * clientIdFor({ org: 'acme', unit: 'support', agent: 'triage' }); // 'acme/support/triage'
 * ```
 */
export function clientIdFor(agent: AgentAddress): string {
  const valid = validateAgentAddress(agent);
  return `${valid.org}/${valid.unit}/${valid.agent}`;
}

/**
 * Parses a Client ID of the form `{org}/{unit}/{agent}`; `undefined` when it has another form.
 *
 * @example
 * ```ts
 * parseClientId('acme/support/triage'); // { org: 'acme', unit: 'support', agent: 'triage' }
 * ```
 */
export function parseClientId(clientId: string): AgentAddress | undefined {
  if (typeof clientId !== 'string') return undefined;
  const parts = clientId.split('/');
  if (parts.length !== 3 || !parts.every(isValidIdentifier)) return undefined;
  const [org, unit, agent] = parts as [string, string, string];
  return { org, unit, agent };
}

/** FNV-1a 32-bit hash of the UTF-16 code units of `value`, as 8 lowercase hex digits. */
export function fnv1a32Hex(value: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index++) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * The deterministic shared-subscription group id of a pool: `a2a.{org}.{unit}.{pool}` with
 * characters outside `[A-Za-z0-9._]` replaced by `_`, at most
 * {@link MAX_POOL_GROUP_ID_LENGTH} characters. A longer id is truncated and ends with `.` and
 * the 8 hex digits of the FNV-1a 32-bit hash of the unsanitised id, so distinct pools keep
 * distinct groups and the whole id stays within `[A-Za-z0-9._]`. Every member of a pool
 * computes the same id; it is never random.
 *
 * @example
 * ```ts
 * poolGroupId({ org: 'acme', unit: 'support', pool: 'triage-pool' }); // 'a2a.acme.support.triage_pool'
 * ```
 */
export function poolGroupId(pool: PoolAddress): string {
  if (typeof pool !== 'object' || pool === null) {
    throw new A2AMqttError({
      code: 'INVALID_IDENTIFIER',
      message: `Invalid pool address: expected { org, unit, pool }, got ${describeValue(pool)}`,
    });
  }
  const base = `a2a.${validateIdentifier(pool.org, 'org')}.${validateIdentifier(pool.unit, 'unit')}.${validateIdentifier(pool.pool, 'pool')}`;
  const sanitised = base.replace(/[^A-Za-z0-9._]/g, '_');
  if (sanitised.length <= MAX_POOL_GROUP_ID_LENGTH) return sanitised;
  const suffix = `.${fnv1a32Hex(base)}`;
  return `${sanitised.slice(0, MAX_POOL_GROUP_ID_LENGTH - suffix.length)}${suffix}`;
}
