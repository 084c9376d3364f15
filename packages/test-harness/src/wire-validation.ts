/**
 * Pure validation of one MQTT message against the A2A over MQTT profile, used by the wire
 * sniffer. Each problem is a {@link WireViolation} with a stable `rule` id.
 */
import {
  A2A_BINDING_ERROR,
  bindingErrorKindOf,
  isUuidV4,
  PRESENCE_STATUS,
  readUserProperty,
  SERVICE_PARAMETER,
  STATUS_SOURCE,
  type TopicScheme,
  USER_PROPERTY,
  type UserProperties,
  userPropertiesToServiceParameters,
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
  /**
   * A request without the `A2A-Version` service parameter (user property, any case): the
   * contract says always send it, `@a2a-js/sdk` servers treat a missing version as 0.3.
   */
  REQUEST_VERSION_MISSING: 'request-version-missing',
  /** A `SendMessage` / `SendStreamingMessage` request without `params.message.messageId`. */
  REQUEST_MESSAGE_ID_MISSING: 'request-message-id-missing',
  /**
   * A `SendMessage` / `SendStreamingMessage` request without `params.message.taskId`: the profile's
   * requester-generated Task.id is mandatory (the responder rejects a missing one).
   */
  REQUEST_TASK_ID_MISSING: 'request-task-id-missing',
  /** A `SendMessage` / `SendStreamingMessage` request whose `params.message.taskId` is not a UUIDv4. */
  REQUEST_TASK_ID_INVALID: 'request-task-id-invalid',
  REPLY_CORRELATION_MISSING: 'reply-correlation-missing',
  REPLY_INVALID_JSON_RPC: 'reply-invalid-json-rpc',
  REPLY_UNCORRELATED: 'reply-uncorrelated',
  REPLY_QOS: 'reply-qos',
  /**
   * A successful reply whose `result` is not the A2A object its request's method returns
   * (`SendMessage`: `{ task }` / `{ message }`; `SendStreamingMessage` and `SubscribeToTask`: a
   * StreamResponse `{ task | message | statusUpdate | artifactUpdate }`; `GetTask` and
   * `CancelTask`: a Task; `ListTasks`: `{ tasks: Task[] }`). Checked only when the request was seen.
   */
  REPLY_INVALID_RESULT: 'reply-invalid-result',
  /**
   * An error reply whose `error.data.a2a_error` does not match its code: a binding error
   * (`request_expired` -32003, `responder_unavailable` -32004, `transport_protocol_error` -32005)
   * with the wrong code, or an unknown `a2a_error` value. The bare codes are also core A2A codes
   * (PushNotificationNotSupported, UnsupportedOperation, ContentTypeNotSupported), so an error
   * without `a2a_error` is not flagged.
   */
  REPLY_BINDING_ERROR_MISMATCH: 'reply-binding-error-mismatch',
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
  /**
   * `${responseTopic} ${correlation hex}` -> JSON-RPC method of the request, to check the
   * `result` of its replies.
   */
  requestMethods?: Map<string, string>;
}

/** A fresh {@link WireValidationState}. */
export function createWireValidationState(): WireValidationState {
  return {
    requestsByResponseTopic: new Map(),
    pooledRequests: new Set(),
    bearerTokens: new Set(),
    requestMethods: new Map(),
  };
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

/**
 * The `TaskState` values of A2A v1.0 JSON (`@a2a-js/sdk` `taskStateToJSON`), without
 * `TASK_STATE_UNSPECIFIED`, which no task may be in on the wire.
 */
export const A2A_TASK_STATES: readonly string[] = Object.freeze([
  'TASK_STATE_SUBMITTED',
  'TASK_STATE_WORKING',
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_AUTH_REQUIRED',
]);

/** The `Role` values of A2A v1.0 JSON, without `ROLE_UNSPECIFIED`. */
export const A2A_ROLES: readonly string[] = Object.freeze(['ROLE_USER', 'ROLE_AGENT']);

/** The kinds of A2A result {@link a2aResultProblems} checks. */
export type A2AResultKind =
  | 'Task'
  | 'Message'
  | 'TaskStatusUpdateEvent'
  | 'TaskArtifactUpdateEvent'
  | 'SendMessageResponse'
  | 'StreamResponse'
  | 'ListTasksResponse';

/** Pushes a problem when `value[key]` is not a non-empty string (`optional`: absent is fine). */
function checkString(
  value: Record<string, unknown>,
  key: string,
  path: string,
  problems: string[],
  optional = false,
): void {
  const field = value[key];
  if (optional && field === undefined) return;
  if (typeof field !== 'string' || (!optional && field.length === 0)) {
    problems.push(
      `${path}.${key} is ${describe(field)}, expected a ${optional ? '' : 'non-empty '}string`,
    );
  }
}

function checkArray(
  value: Record<string, unknown>,
  key: string,
  path: string,
  problems: string[],
  item: (entry: unknown, path: string) => string[],
  required: boolean,
): void {
  const field = value[key];
  if (field === undefined && !required) return;
  if (!Array.isArray(field) || (required && field.length === 0)) {
    problems.push(
      `${path}.${key} is ${describe(field)}, expected a ${required ? 'non-empty ' : ''}array`,
    );
    return;
  }
  field.forEach((entry, index) => {
    problems.push(...item(entry, `${path}.${key}[${index}]`));
  });
}

function notObject(value: unknown, path: string, what: string): string[] | undefined {
  return isRecord(value) ? undefined : [`${path} is ${describe(value)}, expected ${what} object`];
}

const PART_CONTENT_KEYS = ['text', 'raw', 'url', 'data'] as const;

function partProblems(value: unknown, path: string): string[] {
  const wrong = notObject(value, path, 'a Part');
  if (wrong || !isRecord(value)) return wrong ?? [];
  const problems: string[] = [];
  const contents = PART_CONTENT_KEYS.filter((key) => value[key] !== undefined);
  if (contents.length !== 1) {
    problems.push(
      `${path} has ${contents.length === 0 ? 'no content' : contents.join(' and ')}, expected exactly one of text, raw, url, data`,
    );
  }
  for (const key of ['text', 'raw', 'url'] as const) checkString(value, key, path, problems, true);
  checkString(value, 'mediaType', path, problems, true);
  checkString(value, 'filename', path, problems, true);
  return problems;
}

function messageProblems(value: unknown, path: string): string[] {
  const wrong = notObject(value, path, 'a Message');
  if (wrong || !isRecord(value)) return wrong ?? [];
  const problems: string[] = [];
  checkString(value, 'messageId', path, problems);
  if (typeof value.role !== 'string' || !A2A_ROLES.includes(value.role)) {
    problems.push(`${path}.role is ${describe(value.role)}, expected ${A2A_ROLES.join(' | ')}`);
  }
  checkArray(value, 'parts', path, problems, partProblems, true);
  checkString(value, 'taskId', path, problems, true);
  checkString(value, 'contextId', path, problems, true);
  return problems;
}

function taskStatusProblems(value: unknown, path: string): string[] {
  const wrong = notObject(value, path, 'a TaskStatus');
  if (wrong || !isRecord(value)) return wrong ?? [];
  const problems: string[] = [];
  if (typeof value.state !== 'string' || !A2A_TASK_STATES.includes(value.state)) {
    problems.push(`${path}.state is ${describe(value.state)}, expected a TASK_STATE_* value`);
  }
  if (value.message !== undefined)
    problems.push(...messageProblems(value.message, `${path}.message`));
  checkString(value, 'timestamp', path, problems, true);
  return problems;
}

function artifactProblems(value: unknown, path: string): string[] {
  const wrong = notObject(value, path, 'an Artifact');
  if (wrong || !isRecord(value)) return wrong ?? [];
  const problems: string[] = [];
  checkString(value, 'artifactId', path, problems);
  checkArray(value, 'parts', path, problems, partProblems, true);
  checkString(value, 'name', path, problems, true);
  checkString(value, 'description', path, problems, true);
  return problems;
}

function taskProblems(value: unknown, path: string): string[] {
  const wrong = notObject(value, path, 'a Task');
  if (wrong || !isRecord(value)) return wrong ?? [];
  const problems: string[] = [];
  checkString(value, 'id', path, problems);
  checkString(value, 'contextId', path, problems);
  problems.push(...taskStatusProblems(value.status, `${path}.status`));
  checkArray(value, 'artifacts', path, problems, artifactProblems, false);
  checkArray(value, 'history', path, problems, messageProblems, false);
  return problems;
}

function statusUpdateProblems(value: unknown, path: string): string[] {
  const wrong = notObject(value, path, 'a TaskStatusUpdateEvent');
  if (wrong || !isRecord(value)) return wrong ?? [];
  const problems: string[] = [];
  checkString(value, 'taskId', path, problems);
  checkString(value, 'contextId', path, problems);
  problems.push(...taskStatusProblems(value.status, `${path}.status`));
  return problems;
}

function artifactUpdateProblems(value: unknown, path: string): string[] {
  const wrong = notObject(value, path, 'a TaskArtifactUpdateEvent');
  if (wrong || !isRecord(value)) return wrong ?? [];
  const problems: string[] = [];
  checkString(value, 'taskId', path, problems);
  checkString(value, 'contextId', path, problems);
  problems.push(...artifactProblems(value.artifact, `${path}.artifact`));
  for (const key of ['append', 'lastChunk'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') {
      problems.push(`${path}.${key} is ${describe(value[key])}, expected a boolean`);
    }
  }
  return problems;
}

/** A oneof wrapper: exactly one of `cases` set, and that one valid. */
function oneOfProblems(
  value: unknown,
  path: string,
  what: string,
  cases: Record<string, (entry: unknown, path: string) => string[]>,
): string[] {
  const wrong = notObject(value, path, `a ${what}`);
  if (wrong || !isRecord(value)) return wrong ?? [];
  const names = Object.keys(cases);
  const present = names.filter((name) => value[name] !== undefined);
  if (present.length !== 1) {
    return [
      `${path} has ${present.length === 0 ? `none of ${names.join(', ')}` : present.join(' and ')}, expected exactly one of ${names.join(', ')} (a ${what})`,
    ];
  }
  const name = present[0] as string;
  return (cases[name] as (entry: unknown, path: string) => string[])(
    value[name],
    `${path}.${name}`,
  );
}

const RESULT_CHECKS: Record<A2AResultKind, (value: unknown, path: string) => string[]> = {
  Task: taskProblems,
  Message: messageProblems,
  TaskStatusUpdateEvent: statusUpdateProblems,
  TaskArtifactUpdateEvent: artifactUpdateProblems,
  SendMessageResponse: (value, path) =>
    oneOfProblems(value, path, 'SendMessageResponse', {
      task: taskProblems,
      message: messageProblems,
    }),
  StreamResponse: (value, path) =>
    oneOfProblems(value, path, 'StreamResponse', {
      task: taskProblems,
      message: messageProblems,
      statusUpdate: statusUpdateProblems,
      artifactUpdate: artifactUpdateProblems,
    }),
  ListTasksResponse: (value, path) => {
    const wrong = notObject(value, path, 'a ListTasksResponse');
    if (wrong || !isRecord(value)) return wrong ?? [];
    const problems: string[] = [];
    checkArray(value, 'tasks', path, problems, taskProblems, false);
    return problems;
  },
};

/**
 * Problems of an A2A v1.0 object in its JSON form (as `@a2a-js/sdk`'s `toJSON` writes it), empty
 * when valid. A minimal structural check of the fields the protocol requires (ids, TASK_STATE_*
 * and ROLE_* enum names, parts with exactly one content, oneof wrappers with exactly one case);
 * unknown fields are allowed. `@a2a-js/sdk`'s `fromJSON` decoders do not validate (they default
 * every missing field), hence this check.
 *
 * @example
 * ```ts
 * a2aResultProblems('StreamResponse', { statusUpdate: { taskId, contextId, status: { state: 'TASK_STATE_WORKING' } } }); // []
 * a2aResultProblems('Task', {}); // ['result.id is undefined, expected a non-empty string', ...]
 * ```
 */
export function a2aResultProblems(kind: A2AResultKind, value: unknown, path = 'result'): string[] {
  return RESULT_CHECKS[kind](value, path);
}

/** What a successful reply to each JSON-RPC method must carry as its `result`. */
const RESULT_KIND_BY_METHOD: Readonly<Record<string, A2AResultKind>> = {
  SendMessage: 'SendMessageResponse',
  SendStreamingMessage: 'StreamResponse',
  SubscribeToTask: 'StreamResponse',
  GetTask: 'Task',
  CancelTask: 'Task',
  ListTasks: 'ListTasksResponse',
};

/** Methods whose `params.message` carries the requester-generated Task.id. */
const MESSAGE_METHODS = new Set(['SendMessage', 'SendStreamingMessage']);

function parseJson(payload: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(payload.toString('utf8')) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** Checks `params.message` of a `SendMessage` / `SendStreamingMessage` request. */
function checkMessageParams(params: unknown, report: (rule: WireRule, text: string) => void): void {
  const message = isRecord(params) ? params.message : undefined;
  if (!isRecord(message)) {
    report(
      WIRE_RULE.REQUEST_MESSAGE_ID_MISSING,
      `params.message is ${describe(message)}, expected a Message with a messageId`,
    );
    return;
  }
  if (typeof message.messageId !== 'string' || message.messageId.length === 0) {
    report(
      WIRE_RULE.REQUEST_MESSAGE_ID_MISSING,
      `params.message.messageId is ${describe(message.messageId)}, expected a non-empty string`,
    );
  }
  if (message.taskId === undefined) {
    report(
      WIRE_RULE.REQUEST_TASK_ID_MISSING,
      'params.message.taskId is missing: the requester generates the Task.id (UUIDv4)',
    );
  } else if (!isUuidV4(message.taskId)) {
    report(
      WIRE_RULE.REQUEST_TASK_ID_INVALID,
      `params.message.taskId is ${describe(message.taskId)}, expected a UUIDv4`,
    );
  }
}

/**
 * What is wrong with the binding error data of a JSON-RPC error object, or `undefined`: an
 * `error.data.a2a_error` that is not a binding error string, or that belongs to another code.
 */
function bindingErrorMismatch(error: { code: number; data?: unknown }): string | undefined {
  const a2aError = isRecord(error.data) ? error.data.a2a_error : undefined;
  if (a2aError === undefined || bindingErrorKindOf(error) !== undefined) return undefined;
  const bindings = Object.values(A2A_BINDING_ERROR);
  const owner = bindings.find((binding) => binding.a2aError === a2aError);
  if (owner) {
    return `error.data.a2a_error "${owner.a2aError}" requires code ${owner.code}, got ${error.code}`;
  }
  const expected = bindings.find((binding) => binding.code === error.code);
  return expected
    ? `error.data.a2a_error is ${describe(a2aError)}, expected "${expected.a2aError}" for code ${error.code}`
    : `error.data.a2a_error is ${describe(a2aError)}, expected one of ${bindings.map((b) => `"${b.a2aError}"`).join(', ')}`;
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
        const body = json.value;
        if (isRecord(body) && typeof body.method === 'string') {
          if (props.responseTopic && props.correlationData && props.correlationData.length > 0) {
            state.requestMethods?.set(
              `${props.responseTopic} ${props.correlationData.toString('hex')}`,
              body.method,
            );
          }
          if (MESSAGE_METHODS.has(body.method)) checkMessageParams(body.params, report);
        }
      }
      const version = userPropertiesToServiceParameters(userProperties)[SERVICE_PARAMETER.VERSION];
      if (version === undefined || version.trim() === '') {
        report(
          WIRE_RULE.REQUEST_VERSION_MISSING,
          `request without the ${SERVICE_PARAMETER.VERSION} user property (a server then assumes 0.3)`,
        );
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
        if (problems.length > 0) {
          report(WIRE_RULE.REPLY_INVALID_JSON_RPC, problems.join('; '));
        } else {
          const body = json.value as Record<string, unknown>;
          if ('error' in body) {
            const mismatch = bindingErrorMismatch(body.error as { code: number; data?: unknown });
            if (mismatch) report(WIRE_RULE.REPLY_BINDING_ERROR_MISMATCH, mismatch);
          } else if (correlation && correlation.length > 0) {
            const method = state.requestMethods?.get(
              `${message.topic} ${correlation.toString('hex')}`,
            );
            const kind = method === undefined ? undefined : RESULT_KIND_BY_METHOD[method];
            if (kind) {
              const resultProblems = a2aResultProblems(kind, body.result);
              if (resultProblems.length > 0) {
                report(
                  WIRE_RULE.REPLY_INVALID_RESULT,
                  `${method} reply: ${resultProblems.join('; ')}`,
                );
              }
            }
          }
        }
      }
      break;
    }
    case 'event':
      break;
  }
  return violations;
}
