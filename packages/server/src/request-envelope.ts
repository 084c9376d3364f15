/**
 * Pure checks of an inbound MQTT request: the reply path, the binding metadata and the
 * JSON-RPC envelope. No I/O here, so every rule is unit-tested without a broker.
 */
import {
  buildBindingError,
  buildJsonRpcError,
  JSON_RPC_ERROR_CODE,
  type JsonRpcId,
  readUserProperty,
  USER_PROPERTY,
  type UserProperties,
} from '@a2a-mqtt/protocol';
import type { RejectReason } from './metrics.js';

/** A JSON-RPC error response object as published on the reply topic. */
export interface JsonRpcErrorReply {
  jsonrpc: '2.0';
  id: JsonRpcId;
  error: { code: number; message: string; data?: unknown };
}

/** A JSON-RPC request that passed the envelope checks (method and params still unchecked). */
export interface JsonRpcRequestObject {
  jsonrpc: '2.0';
  id?: JsonRpcId;
  method: string;
  params?: unknown;
  [key: string]: unknown;
}

/** Outcome of {@link parseJsonRpcRequest}. */
export type ParsedRequest =
  | { ok: true; request: JsonRpcRequestObject; id: JsonRpcId }
  | { ok: false; reason: RejectReason; reply: JsonRpcErrorReply };

/**
 * Whether a Response Topic can be published to: non-empty, no wildcard, no NUL, not a shared
 * subscription filter, at most 65 535 UTF-8 bytes. Anything else cannot carry a reply, so the
 * request is dropped.
 */
export function isUsableResponseTopic(topic: unknown): topic is string {
  if (typeof topic !== 'string' || topic.length === 0) return false;
  if (topic.includes('+') || topic.includes('#') || topic.includes('\u0000')) return false;
  if (topic.startsWith('$share/')) return false;
  return Buffer.byteLength(topic, 'utf8') <= 65_535;
}

/** Whether a JSON-RPC id is valid on a request: a string, an integer or `null`. */
export function isValidJsonRpcId(id: unknown): id is JsonRpcId {
  return typeof id === 'string' || id === null || (typeof id === 'number' && Number.isInteger(id));
}

/**
 * Parses and checks a request payload the way JSON-RPC 2.0 says: unparsable JSON gets
 * `-32700` with id `null`; a payload that is not a request object (arrays, i.e. batches, are
 * not supported by A2A) or whose id has an invalid type gets `-32600` with id `null`; a wrong
 * `jsonrpc` or a missing method gets `-32600` echoing the (valid) id; a payload above
 * `maxBytes` gets `-32600` without being parsed.
 */
export function parseJsonRpcRequest(payload: Buffer, maxBytes: number): ParsedRequest {
  if (payload.length > maxBytes) {
    return reject(
      'invalid-request',
      null,
      JSON_RPC_ERROR_CODE.INVALID_REQUEST,
      `Request payload exceeds ${maxBytes} bytes.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return reject(
      'parse-error',
      null,
      JSON_RPC_ERROR_CODE.PARSE_ERROR,
      'Parse error: payload is not valid JSON.',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject(
      'invalid-request',
      null,
      JSON_RPC_ERROR_CODE.INVALID_REQUEST,
      Array.isArray(value)
        ? 'Invalid Request: batch requests are not supported.'
        : 'Invalid Request: payload must be a JSON-RPC request object.',
    );
  }
  const record = value as Record<string, unknown>;
  if ('id' in record && !isValidJsonRpcId(record.id)) {
    return reject(
      'invalid-request',
      null,
      JSON_RPC_ERROR_CODE.INVALID_REQUEST,
      'Invalid Request: id must be a string, an integer or null.',
    );
  }
  const id = (record.id ?? null) as JsonRpcId;
  if (record.jsonrpc !== '2.0') {
    return reject(
      'invalid-request',
      id,
      JSON_RPC_ERROR_CODE.INVALID_REQUEST,
      'Invalid Request: jsonrpc must be "2.0".',
    );
  }
  if (typeof record.method !== 'string' || record.method.length === 0) {
    return reject(
      'invalid-request',
      id,
      JSON_RPC_ERROR_CODE.INVALID_REQUEST,
      'Invalid Request: method must be a non-empty string.',
    );
  }
  return { ok: true, request: record as JsonRpcRequestObject, id };
}

/** Methods that carry a `Message` whose `taskId` the requester generates. */
export const SEND_METHODS: ReadonlySet<string> = new Set(['SendMessage', 'SendStreamingMessage']);

/** Security profiles this runtime can serve (none yet: `ubsp-v1` is refused with `-32005`). */
const SUPPORTED_SECURITY_PROFILES: ReadonlySet<string> = new Set();

/** Reads `params.message` of a send request when it is an object. */
export function messageOf(request: JsonRpcRequestObject): Record<string, unknown> | undefined {
  const params = request.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return undefined;
  const message = (params as Record<string, unknown>).message;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  return message as Record<string, unknown>;
}

/**
 * Checks the binding user properties of a parsed request and returns the `-32005` reply when
 * one is invalid: an unsupported `a2a-security-profile`, an `a2a-recipient-agent-id` naming
 * another agent, an `a2a-context-id` that differs from `Message.contextId`, or an
 * `a2a-authorization` that is not `Bearer <token>`.
 */
export function checkBindingProperties(
  userProperties: UserProperties | undefined,
  request: JsonRpcRequestObject,
  id: JsonRpcId,
  agentId: string,
): JsonRpcErrorReply | undefined {
  if (!userProperties) return undefined;
  const profile = readUserProperty(userProperties, USER_PROPERTY.SECURITY_PROFILE);
  if (profile !== undefined && !SUPPORTED_SECURITY_PROFILES.has(profile)) {
    return protocolError(id, `Security profile '${profile}' is not supported by this responder.`);
  }
  const recipient = readUserProperty(userProperties, USER_PROPERTY.RECIPIENT_AGENT_ID);
  if (recipient !== undefined && recipient !== agentId) {
    return protocolError(id, 'a2a-recipient-agent-id does not name this responder.');
  }
  const authorization = readUserProperty(userProperties, USER_PROPERTY.AUTHORIZATION);
  if (authorization !== undefined && bearerTokenOf(authorization) === undefined) {
    return protocolError(id, 'a2a-authorization must be "Bearer <token>".');
  }
  const contextProperty = readUserProperty(userProperties, USER_PROPERTY.CONTEXT_ID);
  if (contextProperty !== undefined && SEND_METHODS.has(request.method)) {
    const contextId = messageOf(request)?.contextId;
    if (typeof contextId === 'string' && contextId.length > 0 && contextId !== contextProperty) {
      return protocolError(id, 'a2a-context-id does not match Message.contextId.');
    }
  }
  return undefined;
}

/** The token of a `Bearer <token>` value (scheme case-insensitive), or `undefined`. */
export function bearerTokenOf(value: string): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
  return match?.[1];
}

/** A `-32005 transport_protocol_error` reply. */
export function protocolError(id: JsonRpcId, message: string): JsonRpcErrorReply {
  return buildBindingError('TRANSPORT_PROTOCOL_ERROR', { id, message }) as JsonRpcErrorReply;
}

function reject(reason: RejectReason, id: JsonRpcId, code: number, message: string): ParsedRequest {
  return {
    ok: false,
    reason,
    reply: buildJsonRpcError({ id, code, message }) as JsonRpcErrorReply,
  };
}
