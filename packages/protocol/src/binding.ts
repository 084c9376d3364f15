/**
 * The MQTT protocol binding as an Agent Card advertises it: one `supportedInterfaces` entry
 * whose `protocolBinding` is {@link MQTT_PROTOCOL_BINDING} and whose URL names the broker and
 * the agent's request topic.
 */
import type { AgentCardLike, AgentInterfaceLike } from './agent-card.js';
import {
  type BrokerEndpoint,
  DEFAULT_WEBSOCKET_PATH,
  formatUrlHost,
  parseBrokerUrl,
  toBrokerEndpoint,
} from './broker-url.js';
import { DEFAULT_A2A_VERSION } from './defaults.js';
import { isA2AMqttError } from './errors.js';
import { type AgentAddress, isValidIdentifier } from './identifiers.js';
import { createTopics, type TopicScheme, validateTopicPrefix } from './topics.js';

/**
 * The canonical `protocolBinding` of this SDK (the name the EMQX A2A registry uses).
 */
export const MQTT_PROTOCOL_BINDING = 'MQTT5+JSONRPC';

/**
 * Every `protocolBinding` accepted as the MQTT binding (compared case-insensitively):
 * the canonical name and the names other implementations write (the reference Python SDK
 * writes `MQTTv5+JSONRPCv2`).
 */
export const MQTT_PROTOCOL_BINDING_ALIASES: readonly string[] = Object.freeze([
  MQTT_PROTOCOL_BINDING,
  'MQTTv5+JSONRPCv2',
  'MQTTv5+JSONRPC',
  'MQTT5+JSONRPCv2',
]);

const ALIASES_LOWER: ReadonlySet<string> = new Set(
  MQTT_PROTOCOL_BINDING_ALIASES.map((name) => name.toLowerCase()),
);

/**
 * Whether `name` designates the MQTT binding ({@link MQTT_PROTOCOL_BINDING} or an alias, any
 * case).
 *
 * @example
 * ```ts
 * isMqttProtocolBinding('mqttv5+jsonrpcv2'); // true
 * isMqttProtocolBinding('JSONRPC');          // false
 * ```
 */
export function isMqttProtocolBinding(name: unknown): boolean {
  if (typeof name !== 'string') return false;
  // Fast path for the canonical spelling (the discovery hot path validates every card).
  return name === MQTT_PROTOCOL_BINDING || ALIASES_LOWER.has(name.trim().toLowerCase());
}

/** An `AgentInterface` entry in the exact shape of `@a2a-js/sdk`'s `AgentInterface`. */
export interface MqttAgentInterface {
  /** `mqtt[s]://host:port/{requestTopic}` (or `ws[s]://host:port{path}?topic={requestTopic}`), without credentials. */
  url: string;
  /** Always {@link MQTT_PROTOCOL_BINDING} (`MQTT5+JSONRPC`). */
  protocolBinding: string;
  /** The A2A protocol version served, e.g. `1.0`. */
  protocolVersion: string;
  /** Always `''` (the MQTT binding addresses agents by topic, not by tenant). */
  tenant: string;
}

/** Arguments of {@link buildMqttInterface}. */
export interface BuildMqttInterfaceOptions {
  /** The broker the agent is connected to; credentials are never put in the URL. */
  broker: BrokerEndpoint | string;
  /**
   * The topic scheme the agent uses.
   * @default createTopics() (prefix '$a2a/v1')
   */
  topics?: TopicScheme;
  /** The agent's address. */
  agent: AgentAddress;
  /**
   * The A2A protocol version served on this interface.
   * @default DEFAULT_A2A_VERSION ('1.0')
   */
  protocolVersion?: string;
}

/** Percent-encodes each topic level, keeping `/` separators and the `$` of `$`-prefixes. */
function encodeTopicPath(topic: string): string {
  return topic
    .split('/')
    .map((level) => encodeURIComponent(level).replace(/%24/g, '$'))
    .join('/');
}

/**
 * Builds the MQTT `AgentInterface` entry of an agent's card. Its URL is
 * `mqtt[s]://host:port/{requestTopic}`; for WebSocket brokers
 * `ws[s]://host:port{path}?topic={requestTopic}`. Credentials never appear.
 *
 * @example
 * ```ts
 * buildMqttInterface({
 *   broker: 'mqtts://broker.example.com',
 *   topics: createTopics(),
 *   agent: { org: 'acme', unit: 'support', agent: 'triage' },
 * });
 * // { url: 'mqtts://broker.example.com:8883/$a2a/v1/request/acme/support/triage',
 * //   protocolBinding: 'MQTT5+JSONRPC', protocolVersion: '1.0', tenant: '' }
 * ```
 */
export function buildMqttInterface(options: BuildMqttInterfaceOptions): MqttAgentInterface {
  const broker = toBrokerEndpoint(options.broker);
  const topics = options.topics ?? createTopics();
  const requestTopic = topics.request(options.agent);
  const authority = `${broker.protocol}://${formatUrlHost(broker.host)}:${broker.port}`;
  const url =
    broker.protocol === 'ws' || broker.protocol === 'wss'
      ? `${authority}${broker.path ?? DEFAULT_WEBSOCKET_PATH}?topic=${encodeURIComponent(requestTopic)}`
      : `${authority}/${encodeTopicPath(requestTopic)}`;
  return {
    url,
    protocolBinding: MQTT_PROTOCOL_BINDING,
    protocolVersion: options.protocolVersion ?? DEFAULT_A2A_VERSION,
    tenant: '',
  };
}

/** What an MQTT interface URL designates. */
export interface MqttInterfaceTarget {
  /** The broker (no credentials, no namespace). */
  broker: BrokerEndpoint;
  /** The agent's direct request topic. */
  requestTopic: string;
  /** The topic prefix the agent uses. */
  prefix: string;
  /** The agent's address. */
  agent: AgentAddress;
}

/** The MQTT interface of a card, as {@link readMqttInterface} returns it. */
export interface MqttInterfaceDetails extends MqttInterfaceTarget {
  /** The interface URL as written in the card. */
  url: string;
  /** The `protocolBinding` as written in the card. */
  protocolBinding: string;
  /** The interface's `protocolVersion` (empty string when the card has none). */
  protocolVersion: string;
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

const INTERFACE_URL_PATTERN = /^(mqtts?|wss?):\/\/([^/?#@]+)([^?#]*)(?:\?([^#]*))?$/i;

// The common form `mqtt[s]://host[:port]/{prefix}/request/{org}/{unit}/{agent}` without
// percent-encoding, checked with one regular expression: `validateAgentCard` runs on every
// discovered card and must not pay for a full parse.
const FAST_INTERFACE_URL_PATTERN =
  /^[mM][qQ][tT][tT][sS]?:\/\/(?:\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]|[A-Za-z0-9._~-]+)(?::(\d{1,5}))?\/((?:[^/+#%?@\s]+\/)+)request\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/**
 * Whether `url` is a valid MQTT interface URL (what {@link parseMqttInterfaceUrl} accepts),
 * without building the result.
 */
export function isMqttInterfaceUrl(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  const match = FAST_INTERFACE_URL_PATTERN.exec(url);
  if (match) {
    const port = match[1] === undefined ? 1 : Number(match[1]);
    const prefix = match[2]!;
    if (
      port >= 1 &&
      port <= 65_535 &&
      !prefix.startsWith('$share/') &&
      !prefix.startsWith('$queue/') &&
      !prefix.includes('\u0000')
    ) {
      return true;
    }
  }
  return parseMqttInterfaceUrl(url) !== undefined;
}

/**
 * Parses an MQTT interface URL (see {@link buildMqttInterface}); `undefined` when it is not
 * one (wrong scheme, credentials, no `{prefix}/request/{org}/{unit}/{agent}` topic, invalid
 * identifiers or prefix). Never throws.
 *
 * @example
 * ```ts
 * parseMqttInterfaceUrl('mqtt://localhost:1883/a2a/v1/request/acme/support/triage');
 * // { broker, requestTopic: 'a2a/v1/request/acme/support/triage', prefix: 'a2a/v1', agent }
 * ```
 */
export function parseMqttInterfaceUrl(url: string): MqttInterfaceTarget | undefined {
  if (typeof url !== 'string') return undefined;
  const match = INTERFACE_URL_PATTERN.exec(url.trim());
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const authority = match[2]!;
  const path = match[3] ?? '';
  const query = match[4] ?? '';
  let broker: BrokerEndpoint;
  let requestTopic: string | undefined;
  try {
    if (scheme === 'ws' || scheme === 'wss') {
      // The interface URL's path is the WebSocket path (a broker URL's path is a namespace).
      broker = parseBrokerUrl(
        path === ''
          ? `${scheme}://${authority}`
          : `${scheme}://${authority}?path=${encodeURIComponent(path)}`,
      );
      requestTopic = new URLSearchParams(query).get('topic') ?? undefined;
    } else {
      broker = parseBrokerUrl(`${scheme}://${authority}`);
      if (!path.startsWith('/')) return undefined;
      const levels = path.slice(1).split('/').map(safeDecode);
      if (levels.some((level) => level === undefined)) return undefined;
      requestTopic = levels.join('/');
    }
  } catch (error) {
    if (isA2AMqttError(error)) return undefined;
    throw error;
  }
  if (requestTopic === undefined) return undefined;
  const levels = requestTopic.split('/');
  if (levels.length < 5 || levels[levels.length - 4] !== 'request') return undefined;
  const [org, unit, agent] = levels.slice(-3) as [string, string, string];
  if (!isValidIdentifier(org) || !isValidIdentifier(unit) || !isValidIdentifier(agent)) {
    return undefined;
  }
  const prefix = levels.slice(0, -4).join('/');
  try {
    validateTopicPrefix(prefix);
  } catch {
    return undefined;
  }
  return { broker, requestTopic, prefix, agent: { org, unit, agent } };
}

/**
 * Finds the MQTT interface of a card: the first `supportedInterfaces` entry with an MQTT
 * `protocolBinding` (any alias) whose URL parses. `undefined` when there is none.
 *
 * @example
 * ```ts
 * const mqtt = readMqttInterface(card);
 * if (mqtt) await session.publish(mqtt.requestTopic, body, options);
 * ```
 */
export function readMqttInterface(card: AgentCardLike): MqttInterfaceDetails | undefined {
  if (typeof card !== 'object' || card === null) return undefined;
  const interfaces = card.supportedInterfaces;
  if (!Array.isArray(interfaces)) return undefined;
  for (const entry of interfaces as readonly AgentInterfaceLike[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    if (!isMqttProtocolBinding(entry.protocolBinding)) continue;
    const target = parseMqttInterfaceUrl(entry.url);
    if (target === undefined) continue;
    return {
      ...target,
      url: entry.url,
      protocolBinding: entry.protocolBinding,
      protocolVersion: typeof entry.protocolVersion === 'string' ? entry.protocolVersion : '',
    };
  }
  return undefined;
}

/**
 * Returns a copy of `card` whose MQTT interface is `iface`: every existing entry with an MQTT
 * binding is replaced (at the position of the first one); without one, `iface` is appended.
 * Other entries keep their order. The input card is not modified.
 *
 * @example
 * ```ts
 * const published = withMqttInterface(card, buildMqttInterface({ broker, topics, agent }));
 * ```
 */
export function withMqttInterface<T extends AgentCardLike>(card: T, iface: AgentInterfaceLike): T {
  const entry: MqttAgentInterface = {
    url: iface.url,
    protocolBinding: iface.protocolBinding,
    protocolVersion: iface.protocolVersion,
    tenant: iface.tenant ?? '',
  };
  const existing = Array.isArray(card.supportedInterfaces) ? card.supportedInterfaces : [];
  const next: AgentInterfaceLike[] = [];
  let placed = false;
  for (const current of existing) {
    if (isMqttProtocolBinding(current?.protocolBinding)) {
      if (!placed) next.push(entry);
      placed = true;
    } else {
      next.push(current);
    }
  }
  if (!placed) next.push(entry);
  return { ...card, supportedInterfaces: next };
}
