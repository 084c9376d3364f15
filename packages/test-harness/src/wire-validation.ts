/**
 * Pure validation of one MQTT message against the A2A over MQTT profile, used by the wire
 * sniffer. Each problem is a {@link WireViolation} with a stable `rule` id.
 */
import {
  PRESENCE_STATUS,
  readUserProperty,
  STATUS_SOURCE,
  type TopicScheme,
  USER_PROPERTY,
  type UserProperties,
  validateAgentCard,
} from '@a2a-mqtt/protocol';

/** The rules the sniffer checks. */
export const WIRE_RULE = {
  TOPIC_UNPARSEABLE: 'topic-unparseable',
  DISCOVERY_INVALID_CARD: 'discovery-invalid-card',
  DISCOVERY_NOT_RETAINED: 'discovery-not-retained',
  DISCOVERY_PRESENCE_MISSING: 'discovery-presence-missing',
  PRESENCE_INVALID: 'presence-invalid',
  REQUEST_RESPONSE_TOPIC_MISSING: 'request-response-topic-missing',
  REQUEST_RESPONSE_TOPIC_NOT_REPLY: 'request-response-topic-not-reply',
  REQUEST_CORRELATION_MISSING: 'request-correlation-missing',
  REQUEST_INVALID_JSON_RPC: 'request-invalid-json-rpc',
  REQUEST_QOS: 'request-qos',
  REPLY_CORRELATION_MISSING: 'reply-correlation-missing',
  REPLY_INVALID_JSON_RPC: 'reply-invalid-json-rpc',
  REPLY_UNCORRELATED: 'reply-uncorrelated',
  REPLY_QOS: 'reply-qos',
  /** A reply to a pooled request without `a2a-responder-agent-id` (profile: pools, item 10). */
  REPLY_RESPONDER_MISSING: 'reply-responder-missing',
  /** A bearer token seen on a request appears in a reply, card or event (payload or property). */
  TOKEN_ECHOED: 'token-echoed',
} as const;

/** A rule id of {@link WIRE_RULE}. */
export type WireRule = (typeof WIRE_RULE)[keyof typeof WIRE_RULE];

/** The MQTT v5 properties the sniffer records. */
export interface SniffedProperties {
  /** Response Topic (requests). */
  responseTopic?: string;
  /** Correlation Data (requests and replies). */
  correlationData?: Buffer;
  /** User properties. */
  userProperties?: UserProperties;
  /** Message Expiry Interval in seconds. */
  messageExpiryInterval?: number;
  /** Content Type. */
  contentType?: string;
  /** Payload Format Indicator (`true`: UTF-8). */
  payloadFormatIndicator?: boolean;
}

/** One message seen on the wire. */
export interface SniffedMessage {
  /** Position in arrival order (0-based). */
  index: number;
  /** The topic it was published on. */
  topic: string;
  /** The payload, copied. */
  payload: Buffer;
  /** QoS as published (the sniffer subscribes at QoS 2). */
  qos: 0 | 1 | 2;
  /** Retain flag as published (the sniffer subscribes with Retain As Published). */
  retain: boolean;
  /** Its MQTT v5 properties. */
  properties: SniffedProperties;
  /** `Date.now()` at arrival. */
  receivedAt: number;
  /** The parsed topic, `undefined` when it does not follow the profile's grammar. */
  parsed: ReturnType<TopicScheme['parse']>;
  /** The payload parsed as JSON, `undefined` when empty or not JSON. */
  json?: unknown;
}

/** A problem the sniffer found. */
export interface WireViolation {
  /** Which rule of {@link WIRE_RULE} is broken. */
  rule: WireRule;
  /** The topic of the offending message. */
  topic: string;
  /** {@link SniffedMessage.index} of the offending message. */
  index: number;
  /** What is wrong, precisely (field paths, values). */
  message: string;
}

/** What the validator remembers across messages (requests seen, to correlate replies). */
export interface WireValidationState {
  /** responseTopic -> correlation data (hex) of the requests that named it. */
  requestsByResponseTopic: Map<string, Set<string>>;
  /** `${responseTopic} ${correlation hex}` of the requests published on a pool topic. */
  pooledRequests?: Set<string>;
  /** Bearer tokens seen in `a2a-authorization` on requests (never to be echoed). */
  bearerTokens?: Set<string>;
}

/** A fresh {@link WireValidationState}. */
export function createWireValidationState(): WireValidationState {
  return { requestsByResponseTopic: new Map(), pooledRequests: new Set(), bearerTokens: new Set() };
}

/** Shortest bearer token remembered: shorter values would match by accident. */
const MIN_REMEMBERED_TOKEN_LENGTH = 8;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Problems of a JSON-RPC 2.0 request body, empty when valid. */
export function jsonRpcRequestProblems(body: unknown): string[] {
  if (!isRecord(body)) return [`body is ${describe(body)}, expected a JSON-RPC 2.0 request object`];
  const problems: string[] = [];
  if (body.jsonrpc !== '2.0') problems.push(`jsonrpc is ${describe(body.jsonrpc)}, expected "2.0"`);
  if (typeof body.method !== 'string' || body.method.length === 0) {
    problems.push(`method is ${describe(body.method)}, expected a non-empty string`);
  }
  if (!(typeof body.id === 'string' || (typeof body.id === 'number' && Number.isFinite(body.id)))) {
    problems.push(
      `id is ${describe(body.id)}, expected a string or number (a request expects a reply)`,
    );
  }
  if ('params' in body && !(isRecord(body.params) || Array.isArray(body.params))) {
    problems.push(`params is ${describe(body.params)}, expected an object or array`);
  }
  return problems;
}

/** Problems of a JSON-RPC 2.0 response body, empty when valid. */
export function jsonRpcResponseProblems(body: unknown): string[] {
  if (!isRecord(body)) {
    return [`body is ${describe(body)}, expected a JSON-RPC 2.0 response object`];
  }
  const problems: string[] = [];
  if (body.jsonrpc !== '2.0') problems.push(`jsonrpc is ${describe(body.jsonrpc)}, expected "2.0"`);
  if (
    !('id' in body) ||
    !(typeof body.id === 'string' || typeof body.id === 'number' || body.id === null)
  ) {
    problems.push(`id is ${describe(body.id)}, expected a string, number or null`);
  }
  const hasResult = 'result' in body;
  const hasError = 'error' in body;
  if (hasResult === hasError) {
    problems.push('expected exactly one of "result" and "error"');
  }
  if (hasError) {
    const error = body.error;
    if (!isRecord(error)) {
      problems.push(`error is ${describe(error)}, expected an object`);
    } else {
      if (typeof error.code !== 'number' || !Number.isInteger(error.code)) {
        problems.push(`error.code is ${describe(error.code)}, expected an integer`);
      }
      if (typeof error.message !== 'string') {
        problems.push(`error.message is ${describe(error.message)}, expected a string`);
      }
    }
  }
  return problems;
}

function parseJson(payload: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(payload.toString('utf8')) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/**
 * Validates one message (mutating `state` to correlate later replies) and returns its problems.
 * `message.json` is filled in when the payload parses as JSON.
 */
export function validateWireMessage(
  message: SniffedMessage,
  topics: TopicScheme,
  state: WireValidationState,
): WireViolation[] {
  const violations: WireViolation[] = [];
  const report = (rule: WireRule, text: string) =>
    violations.push({ rule, topic: message.topic, index: message.index, message: text });
  const props = message.properties;
  const userProperties = props.userProperties;

  // Presence properties, wherever they appear.
  const status = readUserProperty(userProperties, USER_PROPERTY.STATUS);
  const statusSource = readUserProperty(userProperties, USER_PROPERTY.STATUS_SOURCE);
  const statuses: string[] = Object.values(PRESENCE_STATUS);
  const sources: string[] = Object.values(STATUS_SOURCE);
  if (status !== undefined && !statuses.includes(status)) {
    report(
      WIRE_RULE.PRESENCE_INVALID,
      `${USER_PROPERTY.STATUS} is "${status}", expected ${statuses.join(' | ')}`,
    );
  }
  if (statusSource !== undefined && !sources.includes(statusSource)) {
    report(
      WIRE_RULE.PRESENCE_INVALID,
      `${USER_PROPERTY.STATUS_SOURCE} is "${statusSource}", expected ${sources.join(' | ')}`,
    );
  }

  // Bearer tokens travel on requests only (profile: responder behaviour, item 8).
  const isRequest = message.parsed?.kind === 'request' || message.parsed?.kind === 'pool-request';
  if (!isRequest && state.bearerTokens && state.bearerTokens.size > 0) {
    const haystacks = [
      message.payload.toString('utf8'),
      ...Object.values(userProperties ?? {}).flat(),
      props.responseTopic ?? '',
      props.contentType ?? '',
    ];
    if ([...state.bearerTokens].some((token) => haystacks.some((text) => text.includes(token)))) {
      report(WIRE_RULE.TOKEN_ECHOED, 'carries a bearer token seen on a request');
    }
  }

  const parsed = message.parsed;
  if (!parsed) {
    report(
      WIRE_RULE.TOPIC_UNPARSEABLE,
      `topic does not follow ${topics.prefix}/{discovery|request|reply|event}/...`,
    );
    return violations;
  }

  const json = message.payload.length > 0 ? parseJson(message.payload) : undefined;
  if (json?.ok) message.json = json.value;

  switch (parsed.kind) {
    case 'discovery': {
      if (message.payload.length === 0) break; // unregister
      if (!message.retain) {
        report(WIRE_RULE.DISCOVERY_NOT_RETAINED, 'agent card published without the retain flag');
      }
      if (!json?.ok) {
        report(WIRE_RULE.DISCOVERY_INVALID_CARD, `payload is not JSON: ${json?.error}`);
      } else {
        const result = validateAgentCard(json.value);
        if (!result.ok) {
          report(
            WIRE_RULE.DISCOVERY_INVALID_CARD,
            result.issues.map((issue) => `${issue.path || '(card)'}: ${issue.message}`).join('; '),
          );
        }
      }
      if (status === undefined || statusSource === undefined) {
        report(
          WIRE_RULE.DISCOVERY_PRESENCE_MISSING,
          `card without ${status === undefined ? USER_PROPERTY.STATUS : ''}${
            status === undefined && statusSource === undefined ? ' and ' : ''
          }${statusSource === undefined ? USER_PROPERTY.STATUS_SOURCE : ''} user property`,
        );
      }
      break;
    }
    case 'request':
    case 'pool-request': {
      if (message.qos === 0)
        report(WIRE_RULE.REQUEST_QOS, 'request published at QoS 0, expected QoS 1');
      if (!props.responseTopic) {
        report(WIRE_RULE.REQUEST_RESPONSE_TOPIC_MISSING, 'request without a Response Topic');
      } else if (topics.parse(props.responseTopic)?.kind !== 'reply') {
        report(
          WIRE_RULE.REQUEST_RESPONSE_TOPIC_NOT_REPLY,
          `Response Topic "${props.responseTopic}" is not a ${topics.prefix}/reply/{org}/{unit}/{requester}/{suffix} topic`,
        );
      }
      if (!props.correlationData || props.correlationData.length === 0) {
        report(WIRE_RULE.REQUEST_CORRELATION_MISSING, 'request without Correlation Data');
      }
      if (props.responseTopic && props.correlationData && props.correlationData.length > 0) {
        let set = state.requestsByResponseTopic.get(props.responseTopic);
        if (!set) {
          set = new Set();
          state.requestsByResponseTopic.set(props.responseTopic, set);
        }
        set.add(props.correlationData.toString('hex'));
        if (parsed.kind === 'pool-request') {
          state.pooledRequests?.add(
            `${props.responseTopic} ${props.correlationData.toString('hex')}`,
          );
        }
      }
      const authorization = readUserProperty(userProperties, USER_PROPERTY.AUTHORIZATION);
      const token = authorization?.replace(/^Bearer\s+/i, '').trim();
      if (token && token.length >= MIN_REMEMBERED_TOKEN_LENGTH) state.bearerTokens?.add(token);
      if (!json?.ok) {
        report(
          WIRE_RULE.REQUEST_INVALID_JSON_RPC,
          json
            ? `payload is not JSON: ${json.error}`
            : 'empty payload, expected a JSON-RPC 2.0 request',
        );
      } else {
        const problems = jsonRpcRequestProblems(json.value);
        if (problems.length > 0) report(WIRE_RULE.REQUEST_INVALID_JSON_RPC, problems.join('; '));
      }
      break;
    }
    case 'reply': {
      // A self-addressed control message (discovery's settle probe), not a reply.
      if (
        readUserProperty(userProperties, USER_PROPERTY.PROBE) !== undefined &&
        message.payload.length === 0
      ) {
        break;
      }
      if (message.qos === 0)
        report(WIRE_RULE.REPLY_QOS, 'reply published at QoS 0, expected QoS 1');
      const correlation = props.correlationData;
      if (!correlation || correlation.length === 0) {
        report(WIRE_RULE.REPLY_CORRELATION_MISSING, 'reply without Correlation Data');
      } else {
        const known = state.requestsByResponseTopic.get(message.topic);
        if (known && !known.has(correlation.toString('hex'))) {
          report(
            WIRE_RULE.REPLY_UNCORRELATED,
            `Correlation Data ${correlation.toString('hex')} matches no request seen for this reply topic`,
          );
        }
        if (
          state.pooledRequests?.has(`${message.topic} ${correlation.toString('hex')}`) &&
          !readUserProperty(userProperties, USER_PROPERTY.RESPONDER_AGENT_ID)
        ) {
          report(
            WIRE_RULE.REPLY_RESPONDER_MISSING,
            `reply to a pooled request without the ${USER_PROPERTY.RESPONDER_AGENT_ID} user property`,
          );
        }
      }
      // Binary artifact chunks are raw payloads described by user properties.
      if (readUserProperty(userProperties, USER_PROPERTY.EVENT_TYPE) !== undefined) break;
      if (!json?.ok) {
        report(
          WIRE_RULE.REPLY_INVALID_JSON_RPC,
          json
            ? `payload is not JSON: ${json.error}`
            : 'empty payload, expected a JSON-RPC 2.0 response',
        );
      } else {
        const problems = jsonRpcResponseProblems(json.value);
        if (problems.length > 0) report(WIRE_RULE.REPLY_INVALID_JSON_RPC, problems.join('; '));
      }
      break;
    }
    case 'event':
      break;
  }
  return violations;
}
