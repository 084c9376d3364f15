/**
 * MQTT v5 user properties of the profile, readers that cope with what mqtt.js delivers, and
 * the mapping of A2A service parameters onto user properties.
 */
import { DEFAULT_A2A_VERSION } from './defaults.js';

/** Every user property the profile names (all use the `a2a-` prefix). */
export const USER_PROPERTY = {
  /** Presence on discovery messages: `online` / `offline`. */
  STATUS: 'a2a-status',
  /** Who set `a2a-status`: `agent`, `lwt` or `broker`. */
  STATUS_SOURCE: 'a2a-status-source',
  /** The concrete responder of a pooled request or a handover; later operations go there. */
  RESPONDER_AGENT_ID: 'a2a-responder-agent-id',
  /** The requester's agent id (`ubsp-v1`). */
  REQUESTER_AGENT_ID: 'a2a-requester-agent-id',
  /** The intended responder's agent id (`ubsp-v1`). */
  RECIPIENT_AGENT_ID: 'a2a-recipient-agent-id',
  /** The JWK `kid` used for encryption (`ubsp-v1`). */
  RECIPIENT_KID: 'a2a-recipient-kid',
  /** `Bearer <access_token>` on requests; never echoed, never logged. */
  AUTHORIZATION: 'a2a-authorization',
  /** `Task.contextId` on native binary artifact messages. */
  CONTEXT_ID: 'a2a-context-id',
  /** `Task.id` on native binary artifact messages. */
  TASK_ID: 'a2a-task-id',
  /** Requested / chosen artifact encoding: `json` or `binary`. */
  ARTIFACT_MODE: 'a2a-artifact-mode',
  /** Event type of native binary artifact messages: `task-artifact-update`. */
  EVENT_TYPE: 'a2a-event-type',
  /** Artifact id of a native binary artifact chunk. */
  ARTIFACT_ID: 'a2a-artifact-id',
  /** Sequence number of a native binary artifact chunk. */
  CHUNK_SEQNO: 'a2a-chunk-seqno',
  /** `true` / `false`: whether the chunk completes the artifact. */
  LAST_CHUNK: 'a2a-last-chunk',
  /** Security profile of a request/reply: `ubsp-v1`. */
  SECURITY_PROFILE: 'a2a-security-profile',
  /**
   * Ours, not the profile's: marks a self-addressed control message on the sender's own reply
   * topic (the discovery directory's settle probe). It is neither a request nor a reply, so
   * wire validators skip it; its payload is empty.
   */
  PROBE: 'a2a-probe',
} as const;

/** Values of `a2a-status`. */
export const PRESENCE_STATUS = { ONLINE: 'online', OFFLINE: 'offline' } as const;

/** Values of `a2a-status-source`. */
export const STATUS_SOURCE = { AGENT: 'agent', LWT: 'lwt', BROKER: 'broker' } as const;

/** Values of `a2a-artifact-mode`. */
export const ARTIFACT_MODE = { JSON: 'json', BINARY: 'binary' } as const;

/** Values of `a2a-event-type`. */
export const EVENT_TYPE = { TASK_ARTIFACT_UPDATE: 'task-artifact-update' } as const;

/** Values of `a2a-security-profile`. */
export const SECURITY_PROFILE = { UBSP_V1: 'ubsp-v1' } as const;

/**
 * User properties as mqtt.js delivers them: a repeated key arrives as an array of values. The
 * object may have a null prototype.
 */
export type UserProperties = Record<string, string | string[]>;

/** What the readers accept: user properties, or nothing at all. */
export type UserPropertiesInput = Readonly<Record<string, unknown>> | null | undefined;

const hasOwn = (object: object, key: string): boolean => Object.hasOwn(object, key);

function valuesOf(raw: unknown): string[] {
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw)) return raw.filter((item): item is string => typeof item === 'string');
  return [];
}

/**
 * The value of a user property (exact key). A repeated key yields its last value. Tolerates
 * `undefined`/`null` property sets and null-prototype objects; non-string values are ignored.
 *
 * @example
 * ```ts
 * readUserProperty(message.properties.userProperties, USER_PROPERTY.STATUS); // 'online'
 * ```
 */
export function readUserProperty(props: UserPropertiesInput, key: string): string | undefined {
  if (typeof props !== 'object' || props === null || !hasOwn(props, key)) return undefined;
  const values = valuesOf(props[key]);
  return values[values.length - 1];
}

/**
 * Every value of a user property (exact key), in order; `[]` when absent.
 *
 * @example
 * ```ts
 * readUserPropertyAll({ tag: ['a', 'b'] }, 'tag'); // ['a', 'b']
 * ```
 */
export function readUserPropertyAll(props: UserPropertiesInput, key: string): string[] {
  if (typeof props !== 'object' || props === null || !hasOwn(props, key)) return [];
  return valuesOf(props[key]);
}

/** Names of the A2A service parameters with their own constants. */
export const SERVICE_PARAMETER = {
  VERSION: 'A2A-Version',
  EXTENSIONS: 'A2A-Extensions',
} as const;

/** A2A service parameters, as `@a2a-js/sdk` models them (`ServiceParameters`). */
export type ServiceParameterRecord = Record<string, string>;

const CANONICAL_SERVICE_PARAMETER: Readonly<Record<string, string>> = {
  'a2a-version': SERVICE_PARAMETER.VERSION,
  'a2a-extensions': SERVICE_PARAMETER.EXTENSIONS,
};

/**
 * The service-parameter name of a user-property key, or `undefined` when the key is not a
 * service parameter: `A2A-Version` and `A2A-Extensions` match case-insensitively and get their
 * canonical spelling; every other key starting with `a2a-` (any case) belongs to the binding.
 */
function serviceParameterName(key: string): string | undefined {
  const lower = key.toLowerCase();
  const canonical = CANONICAL_SERVICE_PARAMETER[lower];
  if (canonical !== undefined) return canonical;
  return lower.startsWith('a2a-') ? undefined : key;
}

/** Options of {@link serviceParametersToUserProperties}. */
export interface ServiceParametersToUserPropertiesOptions {
  /**
   * The `A2A-Version` to send when `params` has none (`@a2a-js/sdk` servers treat a missing
   * version as 0.3). `false` sends none.
   * @default DEFAULT_A2A_VERSION ('1.0')
   */
  defaultVersion?: string | false;
}

/**
 * Maps A2A service parameters to MQTT user properties under their A2A names (`A2A-Version`,
 * `A2A-Extensions` and any other key). `A2A-Version` is always present unless
 * `defaultVersion: false`. Keys starting with `a2a-` (other than the version and extensions)
 * are binding properties, not service parameters, and are left out so a caller cannot forge
 * them. Undefined values are skipped.
 *
 * @example
 * ```ts
 * serviceParametersToUserProperties({ 'A2A-Extensions': 'https://ext.example/v1' });
 * // { 'A2A-Extensions': 'https://ext.example/v1', 'A2A-Version': '1.0' }
 * ```
 */
export function serviceParametersToUserProperties(
  params: Readonly<Record<string, string | undefined>> | null | undefined,
  options: ServiceParametersToUserPropertiesOptions = {},
): Record<string, string> {
  const result: Record<string, string> = {};
  if (typeof params === 'object' && params !== null) {
    for (const key of Object.keys(params)) {
      const value = params[key];
      const name = serviceParameterName(key);
      if (name !== undefined && typeof value === 'string') result[name] = value;
    }
  }
  const defaultVersion = options.defaultVersion ?? DEFAULT_A2A_VERSION;
  if (defaultVersion !== false && result[SERVICE_PARAMETER.VERSION] === undefined) {
    result[SERVICE_PARAMETER.VERSION] = defaultVersion;
  }
  return result;
}

/**
 * Reads A2A service parameters back from MQTT user properties: `A2A-Version` and
 * `A2A-Extensions` (case-insensitive, returned under their canonical names) and every key that
 * does not start with `a2a-`. The binding's `a2a-*` properties are not service parameters.
 *
 * Repeated properties (an array from mqtt.js, or the same name in several spellings):
 * - `A2A-Extensions` is a comma-separated list, so every value is kept: the values are joined
 *   with `,` in the order they are listed (blank values skipped; only blank values give `''`).
 * - `A2A-Version` and every other parameter take the **last** value listed (the repository's
 *   rule for a repeated user property); with several spellings, the key listed last wins.
 *
 * @example
 * ```ts
 * userPropertiesToServiceParameters({ 'a2a-version': '1.0', 'a2a-status': 'online', trace: 'x' });
 * // { 'A2A-Version': '1.0', trace: 'x' }
 * userPropertiesToServiceParameters({ 'A2A-Extensions': ['https://e/1', 'https://e/2'] });
 * // { 'A2A-Extensions': 'https://e/1,https://e/2' }
 * ```
 */
export function userPropertiesToServiceParameters(
  props: UserPropertiesInput,
): ServiceParameterRecord {
  const result: ServiceParameterRecord = {};
  if (typeof props !== 'object' || props === null) return result;
  for (const key of Object.keys(props)) {
    const name = serviceParameterName(key);
    if (name === undefined) continue;
    const values = valuesOf(props[key]);
    if (values.length === 0) continue;
    if (name === SERVICE_PARAMETER.EXTENSIONS) {
      result[name] = joinListValues(result[name], values);
      continue;
    }
    result[name] = values[values.length - 1] as string;
  }
  return result;
}

/** Appends the non-blank `values` to a comma-separated list (`previous` may be undefined). */
function joinListValues(previous: string | undefined, values: readonly string[]): string {
  const parts = previous === undefined || previous.trim() === '' ? [] : [previous];
  for (const value of values) if (value.trim() !== '') parts.push(value);
  return parts.join(',');
}
