/**
 * Structural Agent Card types (compatible with `@a2a-js/sdk`'s `AgentCard` and its JSON form,
 * without depending on the SDK) and a fast, precise validator of the A2A v1.0 JSON shape.
 *
 * The validator is hand-written rather than a zod schema: it runs on the discovery hot path
 * (every retained card of an org), must report every problem with its path, and must not
 * allocate anything on the success path.
 */
import { isMqttInterfaceUrl, isMqttProtocolBinding } from './binding.js';
import { A2AMqttError } from './errors.js';

/** The fields of an `AgentInterface` the MQTT helpers need (SDK `AgentInterface` fits). */
export interface AgentInterfaceLike {
  /** The interface URL; for MQTT `mqtt[s]://host:port/{requestTopic}` (no credentials). */
  url: string;
  /** The binding name, e.g. `MQTT5+JSONRPC` or `JSONRPC`. */
  protocolBinding: string;
  /** The A2A protocol version served on this interface, e.g. `1.0`. */
  protocolVersion: string;
  /** The tenant path segment; `''` (or absent) when the agent is not multi-tenant. */
  tenant?: string;
}

/** The part of an Agent Card the MQTT helpers need (SDK `AgentCard` and its JSON fit). */
export interface AgentCardLike {
  /** The interfaces the agent serves (absent: none). */
  supportedInterfaces?: readonly AgentInterfaceLike[];
}

/** `AgentCapabilities` in JSON form. */
export interface AgentCapabilitiesJson {
  /** Whether the agent serves `SendStreamingMessage` and `SubscribeToTask`. */
  streaming?: boolean;
  /** Whether the agent supports push notification configs. */
  pushNotifications?: boolean;
  /** Whether `GetExtendedAgentCard` returns a richer card to authenticated callers. */
  extendedAgentCard?: boolean;
  /** A2A extensions the agent supports (`uri`, and whether a client must support it). */
  extensions?: { uri: string; description?: string; required?: boolean; params?: object }[];
}

/** `AgentSkill` in JSON form. */
export interface AgentSkillJson {
  /** Unique id of the skill within the card. */
  id: string;
  /** Human-readable name. */
  name: string;
  /** What the skill does. */
  description: string;
  /** Keywords (absent: none); used by discovery filters. */
  tags?: string[];
  /** Example prompts (absent: none). */
  examples?: string[];
  /** Media types the skill accepts (absent: the card's `defaultInputModes`). */
  inputModes?: string[];
  /** Media types the skill produces (absent: the card's `defaultOutputModes`). */
  outputModes?: string[];
  /** Security requirements specific to this skill. */
  securityRequirements?: unknown[];
}

/**
 * An Agent Card in A2A v1.0 JSON form, as {@link validateAgentCard} guarantees it. Empty
 * lists may be absent: proto3 JSON (and so `AgentCard.toJSON`) omits them.
 */
export interface AgentCardJson {
  /** Human-readable agent name. */
  name: string;
  /** What the agent does. */
  description: string;
  /** Version of the agent (not of the protocol). */
  version: string;
  /** The interfaces the agent serves; MQTT ones use the `MQTT5+JSONRPC` binding. */
  supportedInterfaces: AgentInterfaceLike[];
  /** Optional protocol features the agent supports. */
  capabilities: AgentCapabilitiesJson;
  /** Media types accepted by default (absent: none). */
  defaultInputModes?: string[];
  /** Media types produced by default (absent: none). */
  defaultOutputModes?: string[];
  /** The skills the agent offers (absent: none). */
  skills?: AgentSkillJson[];
  /** The organisation that provides the agent. */
  provider?: { url: string; organization: string };
  /** A URL of human-readable documentation. */
  documentationUrl?: string;
  /** A URL of an icon for the agent. */
  iconUrl?: string;
  /** Security schemes by name (OpenAPI-style), referenced by `securityRequirements`. */
  securitySchemes?: Record<string, unknown>;
  /** Security requirements that apply to every call. */
  securityRequirements?: unknown[];
  /** JWS signatures of the card. */
  signatures?: { protected: string; signature: string; header?: object }[];
}

/** One problem found by {@link validateAgentCard}. */
export interface AgentCardIssue {
  /** Where: `name`, `supportedInterfaces[0].url`, `skills[2].tags[1]`; `''` for the card itself. */
  path: string;
  /** What is wrong. */
  message: string;
}

/** The result of {@link validateAgentCard}. */
export type AgentCardValidationResult =
  | {
      /** The card is valid. */
      ok: true;
      /** The card, typed as its A2A v1.0 JSON form. */
      card: AgentCardJson;
    }
  | {
      /** The card is not valid. */
      ok: false;
      /** Every problem found (never empty). */
      issues: AgentCardIssue[];
    };

/**
 * Collects issues. The current location is a stack of keys and indexes, turned into a path
 * string only when an issue is reported, so a valid card costs no string building at all.
 */
class IssueCollector {
  readonly issues: AgentCardIssue[] = [];
  readonly #location: (string | number)[] = [];

  enter(segment: string | number): void {
    this.#location.push(segment);
  }

  leave(): void {
    this.#location.pop();
  }

  report(key: string | number | undefined, message: string): void {
    let path = '';
    const segments = key === undefined ? this.#location : [...this.#location, key];
    for (const segment of segments) {
      if (typeof segment === 'number') path += `[${segment}]`;
      else path += path === '' ? segment : `.${segment}`;
    }
    this.issues.push({ path, message });
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkNonEmptyString(out: IssueCollector, value: unknown, key: string): void {
  if (typeof value === 'string') {
    if (value.length === 0) out.report(key, 'must not be empty');
  } else if (value === undefined) {
    out.report(key, 'is required (a non-empty string)');
  } else {
    out.report(key, `expected a string, got ${typeName(value)}`);
  }
}

function checkOptionalString(out: IssueCollector, value: unknown, key: string): void {
  if (value !== undefined && typeof value !== 'string') {
    out.report(key, `expected a string, got ${typeName(value)}`);
  }
}

function checkOptionalBoolean(out: IssueCollector, value: unknown, key: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    out.report(key, `expected a boolean, got ${typeName(value)}`);
  }
}

/** An optional object. Returns it when present and valid, to check its fields. */
function checkOptionalObject(
  out: IssueCollector,
  value: unknown,
  key: string | number,
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    out.report(key, `expected an object, got ${typeName(value)}`);
    return undefined;
  }
  return value;
}

/** An optional list (absent = empty). Returns the array to check its items, if any. */
function checkOptionalArray(
  out: IssueCollector,
  value: unknown,
  key: string,
): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    out.report(key, `expected an array, got ${typeName(value)}`);
    return undefined;
  }
  return value;
}

function checkOptionalStringList(out: IssueCollector, value: unknown, key: string): void {
  const list = checkOptionalArray(out, value, key);
  if (list === undefined) return;
  for (let index = 0; index < list.length; index++) {
    const item = list[index];
    if (typeof item !== 'string' || item.length === 0) {
      out.enter(key);
      out.report(
        index,
        typeof item === 'string' ? 'must not be empty' : `expected a string, got ${typeName(item)}`,
      );
      out.leave();
    }
  }
}

/** Checks each item of an optional list as an object, with `check` for its fields. */
function checkObjectList(
  out: IssueCollector,
  list: unknown[],
  key: string,
  check: (out: IssueCollector, item: Record<string, unknown>) => void,
): void {
  out.enter(key);
  for (let index = 0; index < list.length; index++) {
    const item = list[index];
    if (!isRecord(item)) {
      out.report(index, `expected an object, got ${typeName(item)}`);
      continue;
    }
    out.enter(index);
    check(out, item);
    out.leave();
  }
  out.leave();
}

function checkInterface(out: IssueCollector, value: Record<string, unknown>): void {
  checkNonEmptyString(out, value.url, 'url');
  checkNonEmptyString(out, value.protocolBinding, 'protocolBinding');
  checkNonEmptyString(out, value.protocolVersion, 'protocolVersion');
  checkOptionalString(out, value.tenant, 'tenant');
  if (
    typeof value.url === 'string' &&
    value.url.length > 0 &&
    isMqttProtocolBinding(value.protocolBinding) &&
    !isMqttInterfaceUrl(value.url)
  ) {
    out.report(
      'url',
      'not a valid MQTT interface URL (expected mqtt[s]://host:port/{prefix}/request/{org}/{unit}/{agent}, without credentials)',
    );
  }
}

function checkExtension(out: IssueCollector, value: Record<string, unknown>): void {
  checkNonEmptyString(out, value.uri, 'uri');
  checkOptionalString(out, value.description, 'description');
  checkOptionalBoolean(out, value.required, 'required');
  checkOptionalObject(out, value.params, 'params');
}

function checkCapabilities(out: IssueCollector, value: unknown): void {
  if (value === undefined) {
    out.report('capabilities', 'is required (an object)');
    return;
  }
  const capabilities = checkOptionalObject(out, value, 'capabilities');
  if (capabilities === undefined) return;
  out.enter('capabilities');
  checkOptionalBoolean(out, capabilities.streaming, 'streaming');
  checkOptionalBoolean(out, capabilities.pushNotifications, 'pushNotifications');
  checkOptionalBoolean(out, capabilities.extendedAgentCard, 'extendedAgentCard');
  const extensions = checkOptionalArray(out, capabilities.extensions, 'extensions');
  if (extensions !== undefined) checkObjectList(out, extensions, 'extensions', checkExtension);
  out.leave();
}

function checkSkill(out: IssueCollector, value: Record<string, unknown>): void {
  checkNonEmptyString(out, value.id, 'id');
  checkNonEmptyString(out, value.name, 'name');
  checkNonEmptyString(out, value.description, 'description');
  checkOptionalStringList(out, value.tags, 'tags');
  checkOptionalStringList(out, value.examples, 'examples');
  checkOptionalStringList(out, value.inputModes, 'inputModes');
  checkOptionalStringList(out, value.outputModes, 'outputModes');
  checkOptionalArray(out, value.securityRequirements, 'securityRequirements');
}

function checkSignature(out: IssueCollector, value: Record<string, unknown>): void {
  checkNonEmptyString(out, value.protected, 'protected');
  checkNonEmptyString(out, value.signature, 'signature');
}

/**
 * Validates an Agent Card against the A2A v1.0 JSON shape and reports every problem with its
 * path. Required: `name`, `description`, `version` (non-empty strings), `supportedInterfaces`
 * (a non-empty array of `{ url, protocolBinding, protocolVersion, tenant? }`; an MQTT entry
 * must have a valid MQTT interface URL) and `capabilities` (an object). The lists
 * `defaultInputModes`, `defaultOutputModes` and `skills` (each skill with `id`, `name`,
 * `description`, `tags`) may be absent, because proto3 JSON omits empty lists, but are
 * type-checked when present; so are `provider`, `documentationUrl`, `iconUrl`,
 * `securitySchemes`, `securityRequirements` and `signatures`. Unknown fields are allowed.
 * Accepts both the JSON form and an `@a2a-js/sdk` `AgentCard` object (`undefined` fields).
 *
 * @example
 * ```ts
 * const result = validateAgentCard(JSON.parse(payload));
 * if (!result.ok) logger.warn({ issues: result.issues }, 'invalid card');
 * ```
 */
export function validateAgentCard(value: unknown): AgentCardValidationResult {
  const out = new IssueCollector();
  if (!isRecord(value)) {
    out.report(undefined, `expected an object, got ${typeName(value)}`);
    return { ok: false, issues: out.issues };
  }
  checkNonEmptyString(out, value.name, 'name');
  checkNonEmptyString(out, value.description, 'description');
  checkNonEmptyString(out, value.version, 'version');

  const interfaces = value.supportedInterfaces;
  if (interfaces === undefined) {
    out.report(
      'supportedInterfaces',
      typeof value.url === 'string'
        ? 'is required (a non-empty array); this looks like an A2A v0.3 card, which is not supported'
        : 'is required (a non-empty array)',
    );
  } else if (!Array.isArray(interfaces)) {
    out.report('supportedInterfaces', `expected an array, got ${typeName(interfaces)}`);
  } else if (interfaces.length === 0) {
    out.report('supportedInterfaces', 'must not be empty');
  } else {
    checkObjectList(out, interfaces, 'supportedInterfaces', checkInterface);
  }

  checkCapabilities(out, value.capabilities);
  checkOptionalStringList(out, value.defaultInputModes, 'defaultInputModes');
  checkOptionalStringList(out, value.defaultOutputModes, 'defaultOutputModes');
  const skills = checkOptionalArray(out, value.skills, 'skills');
  if (skills !== undefined) checkObjectList(out, skills, 'skills', checkSkill);

  const provider = checkOptionalObject(out, value.provider, 'provider');
  if (provider !== undefined) {
    out.enter('provider');
    checkNonEmptyString(out, provider.url, 'url');
    checkNonEmptyString(out, provider.organization, 'organization');
    out.leave();
  }
  checkOptionalString(out, value.documentationUrl, 'documentationUrl');
  checkOptionalString(out, value.iconUrl, 'iconUrl');
  checkOptionalObject(out, value.securitySchemes, 'securitySchemes');
  checkOptionalArray(out, value.securityRequirements, 'securityRequirements');
  const signatures = checkOptionalArray(out, value.signatures, 'signatures');
  if (signatures !== undefined) checkObjectList(out, signatures, 'signatures', checkSignature);

  if (out.issues.length > 0) return { ok: false, issues: out.issues };
  return { ok: true, card: value as unknown as AgentCardJson };
}

/** Formats validation issues on one line: `name: must not be empty; skills[0].id: ...`. */
export function formatAgentCardIssues(issues: readonly AgentCardIssue[]): string {
  return issues.map((issue) => `${issue.path || '(card)'}: ${issue.message}`).join('; ');
}

/**
 * Returns the card when {@link validateAgentCard} accepts it, else throws an
 * `INVALID_AGENT_CARD` {@link A2AMqttError} listing every issue (also in `details.issues`).
 *
 * @example
 * ```ts
 * const card = assertAgentCard(JSON.parse(payload));
 * ```
 */
export function assertAgentCard(value: unknown): AgentCardJson {
  const result = validateAgentCard(value);
  if (result.ok) return result.card;
  throw new A2AMqttError({
    code: 'INVALID_AGENT_CARD',
    message: `Invalid Agent Card: ${formatAgentCardIssues(result.issues)}`,
    details: { issues: result.issues },
  });
}
