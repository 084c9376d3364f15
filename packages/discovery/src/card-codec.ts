/**
 * Agent Card encoding (registration side) and decoding (directory side).
 *
 * The decode path runs once per retained card (10 000 cards must load in well under half a
 * second), so it parses JSON once, uses protocol's `validateAgentCard` (no error formatting
 * unless the card is bad) and never logs.
 */
import { AgentCard } from '@a2a-js/sdk';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  type AgentAddress,
  type BrokerEndpoint,
  buildMqttInterface,
  isMqttProtocolBinding,
  readMqttInterface,
  type TopicScheme,
  validateAgentCard,
  withMqttInterface,
} from '@a2a-mqtt/protocol';

/** A card ready to publish: the SDK object and its wire JSON. */
export interface PreparedAgentCard {
  card: AgentCard;
  payload: string;
}

/**
 * Adds (or replaces) the MQTT interface entry of `agent` to a copy of `card`, checks the
 * result against the A2A v1.0 Agent Card shape and returns it with its wire payload.
 *
 * @throws {A2AMqttError} `INVALID_AGENT_CARD` listing every problem (schema issues, a missing
 * MQTT interface when no broker is known, an interface naming another agent or prefix).
 */
export function prepareAgentCard(options: {
  card: AgentCard;
  agent: AgentAddress;
  topics: TopicScheme;
  broker?: BrokerEndpoint | string | undefined;
}): PreparedAgentCard {
  const { agent, topics, broker } = options;
  let card: AgentCard;
  try {
    card = AgentCard.fromJSON(AgentCard.toJSON(options.card));
  } catch (cause) {
    throw invalidCard(`the agent card cannot be encoded: ${(cause as Error).message}`, cause);
  }
  if (broker !== undefined) {
    card = withMqttInterface(card, buildMqttInterface({ broker, topics, agent }));
  }
  const json = AgentCard.toJSON(card);
  const iface = readMqttInterface(json as Parameters<typeof readMqttInterface>[0]);
  const expectedTopic = topics.request(agent);
  if (!iface) {
    throw invalidCard(
      `the agent card of ${agent.org}/${agent.unit}/${agent.agent} has no MQTT interface entry ` +
        'and no broker is known to build one (pass `broker`, or connect the session first)',
    );
  }
  if (iface.requestTopic !== expectedTopic) {
    throw invalidCard(
      `the MQTT interface of the agent card points at "${iface.requestTopic}", expected "${expectedTopic}"`,
    );
  }
  const result = validateAgentCard(json);
  if (!result.ok) {
    throw invalidCard(
      `invalid agent card for ${agent.org}/${agent.unit}/${agent.agent}: ${result.issues
        .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
        .join('; ')}`,
      undefined,
      { issues: result.issues },
    );
  }
  return { card, payload: JSON.stringify(json) };
}

function invalidCard(
  message: string,
  cause?: unknown,
  details?: Record<string, unknown>,
): A2AMqttError {
  return new A2AMqttError({
    code: A2A_MQTT_ERROR_CODE.INVALID_AGENT_CARD,
    message,
    ...(cause === undefined ? {} : { cause }),
    ...(details === undefined ? {} : { details }),
  });
}

/** Why a discovery message was skipped. */
export type InvalidCardReason = 'oversize' | 'not-json' | 'schema' | 'topic-mismatch';

/**
 * The outcome of decoding one discovery payload. On success, `card` is built from the
 * validated JSON on its first read and kept (the conversion to the SDK object costs about as
 * much as the validation, and a directory of 10 000 agents rarely reads every card).
 */
export type DecodedCard =
  | { ok: true; readonly card: AgentCard }
  | {
      ok: false;
      reason: InvalidCardReason;
      message: string;
      issues?: { path: string; message: string }[];
    };

/**
 * Decodes the payload of a (non-empty) discovery message for `agent`: size limit, one
 * `JSON.parse`, schema check, and the MQTT interface (when present) must name the agent of
 * the topic under the same prefix. Validation runs here; the SDK `AgentCard` is built on the
 * first read of `card` (it cannot fail then).
 */
export function decodeAgentCard(
  payload: Buffer,
  agent: AgentAddress,
  expectedRequestTopic: string,
  maxBytes: number,
): DecodedCard {
  if (payload.length > maxBytes) {
    return {
      ok: false,
      reason: 'oversize',
      message: `card of ${payload.length} bytes exceeds the limit of ${maxBytes} bytes`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not-json', message: 'payload is not JSON' };
  }
  const result = validateAgentCard(json);
  if (!result.ok) {
    return {
      ok: false,
      reason: 'schema',
      message: `card fails the Agent Card schema (${result.issues.length} issue(s))`,
      issues: result.issues,
    };
  }
  // Fast path (no URL parsing): the MQTT entry's topic is the expected one. Only a card that
  // disagrees pays for the full parse, which also names the other agent in the message.
  if (mqttRequestTopicOf(json) === expectedRequestTopic) return validated(json);
  const iface = readMqttInterface(json as Parameters<typeof readMqttInterface>[0]);
  if (iface && iface.requestTopic !== expectedRequestTopic) {
    return {
      ok: false,
      reason: 'topic-mismatch',
      message: `card's MQTT interface names ${iface.agent.org}/${iface.agent.unit}/${iface.agent.agent} (topic "${iface.requestTopic}"), not ${agent.org}/${agent.unit}/${agent.agent}`,
    };
  }
  return validated(json);
}

/** A success whose `card` getter converts `json` once, then drops it. */
function validated(json: unknown): DecodedCard {
  let source: unknown = json;
  let card: AgentCard | undefined;
  return {
    ok: true,
    get card(): AgentCard {
      if (card === undefined) {
        card = AgentCard.fromJSON(source);
        source = undefined;
      }
      return card;
    },
  };
}

/** The request topic of the first MQTT interface entry, read without URL parsing. */
function mqttRequestTopicOf(json: unknown): string | undefined {
  const interfaces = (json as { supportedInterfaces?: unknown }).supportedInterfaces;
  if (!Array.isArray(interfaces)) return undefined;
  for (const entry of interfaces as { url?: unknown; protocolBinding?: unknown }[]) {
    if (!entry || typeof entry.url !== 'string' || !isMqttProtocolBinding(entry.protocolBinding)) {
      continue;
    }
    const url = entry.url;
    try {
      const query = url.indexOf('?topic=');
      if (query >= 0) return decodeURIComponent(url.slice(query + 7).split('&')[0] ?? '');
      const authority = url.indexOf('://');
      if (authority < 0) return undefined;
      const path = url.indexOf('/', authority + 3);
      if (path < 0) return undefined;
      const topic = url.slice(path + 1);
      return topic.includes('%') ? decodeURIComponent(topic) : topic;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
