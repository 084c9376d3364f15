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
  /**
   * A request of a known A2A method whose `params` do not have the shape the method takes (A2A
   * v1.0 JSON as `@a2a-js/sdk` writes it): `GetTask`, `CancelTask` and `SubscribeToTask` need a
   * task `id`; `ListTasks` takes optional typed filters; the push-notification config methods
   * need a `taskId` (and `url` to create, `id` to get or delete); `GetExtendedAgentCard` takes
   * no params or an object; the message of `SendMessage` / `SendStreamingMessage` needs a role
   * and parts (its `messageId` and `taskId` have rules of their own). Unknown methods are not
   * judged.
   */
  REQUEST_INVALID_PARAMS: 'request-invalid-params',
  /**
   * A request publish that reuses the Correlation Data of an earlier request publish on the same
   * Response Topic. The profile wants fresh Correlation Data per publish, retries included.
   * (A QoS 1 retransmission of one publish after a reconnect looks the same on the wire: a test
   * that cuts a requester's connection mid-request declares it.)
   */
  REQUEST_CORRELATION_REUSED: 'request-correlation-reused',
  REPLY_CORRELATION_MISSING: 'reply-correlation-missing',
  REPLY_INVALID_JSON_RPC: 'reply-invalid-json-rpc',
  REPLY_UNCORRELATED: 'reply-uncorrelated',
  REPLY_QOS: 'reply-qos',
  /**
   * A successful reply whose `result` is not the A2A object its request's method returns
   * (`SendMessage`: `{ task }` / `{ message }`; `SendStreamingMessage` and `SubscribeToTask`: a
   * StreamResponse `{ task | message | statusUpdate | artifactUpdate }`; `GetTask` and
   * `CancelTask`: a Task; `ListTasks`: `{ tasks: Task[] }`; `CreateTaskPushNotificationConfig` and
   * `GetTaskPushNotificationConfig`: a TaskPushNotificationConfig;
   * `ListTaskPushNotificationConfigs`: `{ configs?: TaskPushNotificationConfig[] }`;
   * `DeleteTaskPushNotificationConfig`: `null` or `{}`; `GetExtendedAgentCard`: an Agent Card
   * that `validateAgentCard` accepts). Checked only when the request was seen.
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
  /**
   * A reply on a correlation whose final reply was already seen: an item after a stream-final
   * item of a `SendStreamingMessage` / `SubscribeToTask` stream (a status update in a terminal or
   * interrupted state, a message, or an error; a task snapshot is never final), or a second reply
   * to a request of any other method. Checked only when the request was seen.
   */
  REPLY_AFTER_FINAL: 'reply-after-final',
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
  /** `${responseTopic} ${correlation hex}` of the requests whose final reply was seen. */
  finishedCorrelations?: Set<string>;
}

/** A fresh {@link WireValidationState}. */
export function createWireValidationState(): WireValidationState {
  return {
    requestsByResponseTopic: new Map(),
    pooledRequests: new Set(),
    bearerTokens: new Set(),
    requestMethods: new Map(),
    finishedCorrelations: new Set(),
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
  | 'ListTasksResponse'
  | 'TaskPushNotificationConfig'
  | 'ListTaskPushNotificationConfigsResponse'
  | 'AgentCard'
  | 'Empty';

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

/** Pushes a problem when `value[key]` is set and not an integer. */
function checkInteger(
  value: Record<string, unknown>,
  key: string,
  path: string,
  problems: string[],
): void {
  const field = value[key];
  if (field !== undefined && !(typeof field === 'number' && Number.isInteger(field))) {
    problems.push(`${path}.${key} is ${describe(field)}, expected an integer`);
  }
}

/** Pushes a problem when `value[key]` is set and not a boolean. */
function checkBoolean(
  value: Record<string, unknown>,
  key: string,
  path: string,
  problems: string[],
): void {
  const field = value[key];
  if (field !== undefined && typeof field !== 'boolean') {
    problems.push(`${path}.${key} is ${describe(field)}, expected a boolean`);
  }
}

/** Pushes a problem when `value[key]` is set and not an object (a map, `metadata`...). */
function checkObject(
  value: Record<string, unknown>,
  key: string,
  path: string,
  problems: string[],
): void {
  const field = value[key];
  if (field !== undefined && !isRecord(field)) {
    problems.push(`${path}.${key} is ${describe(field)}, expected an object`);
  }
}

/** The parts of a Message other than its ids: role, parts, contextId. */
function messageBodyProblems(value: Record<string, unknown>, path: string): string[] {
  const problems: string[] = [];
  if (typeof value.role !== 'string' || !A2A_ROLES.includes(value.role)) {
    problems.push(`${path}.role is ${describe(value.role)}, expected ${A2A_ROLES.join(' | ')}`);
  }
  checkArray(value, 'parts', path, problems, partProblems, true);
  checkString(value, 'contextId', path, problems, true);
  return problems;
}

function messageProblems(value: unknown, path: string): string[] {
  const wrong = notObject(value, path, 'a Message');
  if (wrong || !isRecord(value)) return wrong ?? [];
  const problems: string[] = [];
  checkString(value, 'messageId', path, problems);
  problems.push(...messageBodyProblems(value, path));
  checkString(value, 'taskId', path, problems, true);
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

function authenticationProblems(value: unknown, path: string): string[] {
  const wrong = notObject(value, path, 'an AuthenticationInfo');
  if (wrong || !isRecord(value)) return wrong ?? [];
  const problems: string[] = [];
  checkString(value, 'scheme', path, problems);
  checkString(value, 'credentials', path, problems, true);
  return problems;
}

/**
 * A TaskPushNotificationConfig (`@a2a-js/sdk` writes it flat: tenant, id, taskId, url, token,
 * authentication). `requireId`: a stored config (a result) has its id; a create request may
 * leave it to the server.
 */
function pushConfigProblems(value: unknown, path: string, requireId: boolean): string[] {
  const wrong = notObject(value, path, 'a TaskPushNotificationConfig');
  if (wrong || !isRecord(value)) return wrong ?? [];
  const problems: string[] = [];
  checkString(value, 'id', path, problems, !requireId);
  checkString(value, 'taskId', path, problems);
  checkString(value, 'url', path, problems);
  checkString(value, 'token', path, problems, true);
  checkString(value, 'tenant', path, problems, true);
  if (value.authentication !== undefined) {
    problems.push(...authenticationProblems(value.authentication, `${path}.authentication`));
  }
  return problems;
}

const storedPushConfigProblems = (value: unknown, path: string): string[] =>
  pushConfigProblems(value, path, true);

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
    checkString(value, 'nextPageToken', path, problems, true);
    checkInteger(value, 'pageSize', path, problems);
    checkInteger(value, 'totalSize', path, problems);
    return problems;
  },
  TaskPushNotificationConfig: storedPushConfigProblems,
  ListTaskPushNotificationConfigsResponse: (value, path) => {
    const wrong = notObject(value, path, 'a ListTaskPushNotificationConfigsResponse');
    if (wrong || !isRecord(value)) return wrong ?? [];
    const problems: string[] = [];
    // proto3 JSON: an empty list is left out.
    checkArray(value, 'configs', path, problems, storedPushConfigProblems, false);
    checkString(value, 'nextPageToken', path, problems, true);
    return problems;
  },
  AgentCard: (value, path) => {
    const result = validateAgentCard(value);
    return result.ok
      ? []
      : result.issues.map(
          (issue) => `${issue.path ? `${path}.${issue.path}` : path}: ${issue.message}`,
        );
  },
  // google.protobuf.Empty: `@a2a-js/sdk` writes `null`, the proto3 JSON form is `{}`.
  Empty: (value, path) =>
    value === null || (isRecord(value) && Object.keys(value).length === 0)
      ? []
      : [`${path} is ${describe(value)}, expected null or {} (no result)`],
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
  CreateTaskPushNotificationConfig: 'TaskPushNotificationConfig',
  GetTaskPushNotificationConfig: 'TaskPushNotificationConfig',
  ListTaskPushNotificationConfigs: 'ListTaskPushNotificationConfigsResponse',
  DeleteTaskPushNotificationConfig: 'Empty',
  GetExtendedAgentCard: 'AgentCard',
};

/** Methods whose `params.message` carries the requester-generated Task.id. */
const MESSAGE_METHODS = new Set(['SendMessage', 'SendStreamingMessage']);

/** Methods answered by a stream of items (every other method gets exactly one reply). */
const STREAM_METHODS = new Set(['SendStreamingMessage', 'SubscribeToTask']);

/** Task states after which a stream's status update ends it (terminal and interrupted). */
const STREAM_FINAL_STATES = new Set([
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_AUTH_REQUIRED',
]);

/**
 * Whether a (valid JSON-RPC) reply to `method` ends its correlation: any reply to a unary
 * method; for a stream, an error, a message, or a status update in a terminal or interrupted
 * state (a task snapshot never ends a stream).
 */
function isFinalReply(method: string, body: Record<string, unknown>): boolean {
  if (!STREAM_METHODS.has(method) || 'error' in body) return true;
  const result = body.result;
  if (!isRecord(result)) return false;
  if (result.message !== undefined) return true;
  const update = result.statusUpdate;
  const state = isRecord(update) && isRecord(update.status) ? update.status.state : undefined;
  return typeof state === 'string' && STREAM_FINAL_STATES.has(state);
}

/** `params` must be an object; then `check` looks at its fields. */
function paramsObject(
  check: (params: Record<string, unknown>, problems: string[]) => void,
  optional = false,
): (params: unknown) => string[] {
  return (params) => {
    if (params === undefined && optional) return [];
    if (!isRecord(params)) return [`params is ${describe(params)}, expected an object`];
    const problems: string[] = [];
    checkString(params, 'tenant', 'params', problems, true);
    check(params, problems);
    return problems;
  };
}

const TASK_STATE_FILTERS = ['TASK_STATE_UNSPECIFIED', ...A2A_TASK_STATES];

/**
 * The `params` shape of each A2A method (A2A v1.0 JSON as `@a2a-js/sdk` writes it; unknown
 * fields allowed, proto3 defaults may be left out). `SendMessage` / `SendStreamingMessage`: the
 * message's `messageId` and `taskId` have rules of their own.
 */
const PARAMS_CHECKS: Readonly<Record<string, (params: unknown) => string[]>> = {
  SendMessage: sendParams,
  SendStreamingMessage: sendParams,
  GetTask: paramsObject((params, problems) => {
    checkString(params, 'id', 'params', problems);
    checkInteger(params, 'historyLength', 'params', problems);
  }),
  CancelTask: paramsObject((params, problems) => {
    checkString(params, 'id', 'params', problems);
    checkObject(params, 'metadata', 'params', problems);
  }),
  SubscribeToTask: paramsObject((params, problems) => {
    checkString(params, 'id', 'params', problems);
  }),
  ListTasks: paramsObject((params, problems) => {
    checkString(params, 'contextId', 'params', problems, true);
    const status = params.status;
    if (
      status !== undefined &&
      !(typeof status === 'string' && TASK_STATE_FILTERS.includes(status))
    ) {
      problems.push(`params.status is ${describe(status)}, expected a TASK_STATE_* value`);
    }
    checkInteger(params, 'pageSize', 'params', problems);
    checkString(params, 'pageToken', 'params', problems, true);
    checkInteger(params, 'historyLength', 'params', problems);
    checkString(params, 'statusTimestampAfter', 'params', problems, true);
    checkBoolean(params, 'includeArtifacts', 'params', problems);
  }),
  CreateTaskPushNotificationConfig: (params) =>
    isRecord(params)
      ? pushConfigProblems(params, 'params', false)
      : [`params is ${describe(params)}, expected a TaskPushNotificationConfig object`],
  GetTaskPushNotificationConfig: paramsObject((params, problems) => {
    checkString(params, 'taskId', 'params', problems);
    checkString(params, 'id', 'params', problems);
  }),
  DeleteTaskPushNotificationConfig: paramsObject((params, problems) => {
    checkString(params, 'taskId', 'params', problems);
    checkString(params, 'id', 'params', problems);
  }),
  ListTaskPushNotificationConfigs: paramsObject((params, problems) => {
    checkString(params, 'taskId', 'params', problems);
    checkInteger(params, 'pageSize', 'params', problems);
    checkString(params, 'pageToken', 'params', problems, true);
  }),
  GetExtendedAgentCard: paramsObject(() => undefined, true),
};

/**
 * `SendMessage` / `SendStreamingMessage` params besides `message.messageId` / `message.taskId`.
 * Params that are no object at all, or a missing message, are REQUEST_MESSAGE_ID_MISSING only.
 */
function sendParams(params: unknown): string[] {
  if (!isRecord(params)) return [];
  return paramsObject(sendParamsProblems)(params);
}

function sendParamsProblems(params: Record<string, unknown>, problems: string[]): void {
  if (isRecord(params.message)) {
    problems.push(...messageBodyProblems(params.message, 'params.message'));
  }
  const configuration = params.configuration;
  if (configuration !== undefined) {
    if (!isRecord(configuration)) {
      problems.push(`params.configuration is ${describe(configuration)}, expected an object`);
    } else {
      const path = 'params.configuration';
      const modes = configuration.acceptedOutputModes;
      if (
        modes !== undefined &&
        !(Array.isArray(modes) && modes.every((mode) => typeof mode === 'string'))
      ) {
        problems.push(`${path}.acceptedOutputModes is ${describe(modes)}, expected a string array`);
      }
      checkInteger(configuration, 'historyLength', path, problems);
      checkBoolean(configuration, 'returnImmediately', path, problems);
      checkObject(configuration, 'taskPushNotificationConfig', path, problems);
    }
  }
  checkObject(params, 'metadata', 'params', problems);
}

/**
 * Problems of the `params` of a request to `method`, empty when valid; `undefined` for a
 * method this validator does not model.
 *
 * @example
 * ```ts
 * requestParamsProblems('GetTask', { id: taskId }); // []
 * requestParamsProblems('GetTask', {}); // ['params.id is undefined, expected a non-empty string']
 * requestParamsProblems('tasks/get', {}); // undefined
 * ```
 */
export function requestParamsProblems(method: string, params: unknown): string[] | undefined {
  const check = PARAMS_CHECKS[method];
  return check === undefined ? undefined : check(params);
}

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
        const hex = props.correlationData.toString('hex');
        if (set.has(hex)) {
          report(
            WIRE_RULE.REQUEST_CORRELATION_REUSED,
            `Correlation Data ${hex} was already used by an earlier request on Response Topic "${props.responseTopic}": every publish, retries included, needs fresh Correlation Data`,
          );
        }
        set.add(hex);
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
          const paramsProblems = requestParamsProblems(body.method, body.params);
          if (paramsProblems && paramsProblems.length > 0) {
            report(
              WIRE_RULE.REQUEST_INVALID_PARAMS,
              `${body.method} request: ${paramsProblems.join('; ')}`,
            );
          }
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
          const key =
            correlation && correlation.length > 0
              ? `${message.topic} ${correlation.toString('hex')}`
              : undefined;
          const method = key === undefined ? undefined : state.requestMethods?.get(key);
          if (key !== undefined && method !== undefined && state.finishedCorrelations) {
            if (state.finishedCorrelations.has(key)) {
              report(
                WIRE_RULE.REPLY_AFTER_FINAL,
                STREAM_METHODS.has(method)
                  ? `${method} stream item after the stream-final item of Correlation Data ${correlation?.toString('hex')}`
                  : `second reply to the ${method} request of Correlation Data ${correlation?.toString('hex')}`,
              );
            } else if (isFinalReply(method, body)) {
              state.finishedCorrelations.add(key);
            }
          }
          if ('error' in body) {
            const mismatch = bindingErrorMismatch(body.error as { code: number; data?: unknown });
            if (mismatch) report(WIRE_RULE.REPLY_BINDING_ERROR_MISMATCH, mismatch);
          } else if (method !== undefined) {
            const kind = RESULT_KIND_BY_METHOD[method];
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
