import { StreamResponse, type StreamResponse as StreamResponseType } from '@a2a-js/sdk';
import type { InboundMessage } from '@a2a-mqtt/connection';
import { isValidIdentifier, readUserProperty, USER_PROPERTY } from '@a2a-mqtt/protocol';

/**
 * A reply on the requester's reply topic whose Correlation Data belongs to no request in
 * flight, decoded for {@link MqttRequesterOptions.onUnmatchedReply}.
 *
 * Exactly one of `result` (with `item` when it is a stream item), `error` or `malformed` is set.
 */
export interface UnmatchedReply {
  /** The topic the reply arrived on (the requester's reply topic). */
  readonly topic: string;
  /**
   * The reply's MQTT Correlation Data, byte for byte (the request it answers was published by
   * an earlier requester, or by this one for a call that has finished).
   */
  readonly correlationData: Buffer;
  /**
   * The responder that sent the reply: its `a2a-responder-agent-id` user property. Omitted when
   * the reply carries none, or one that is not a valid identifier.
   */
  readonly responderAgentId?: string;
  /**
   * The JSON-RPC `result` decoded as an `@a2a-js/sdk` stream item, when it is one with a payload:
   * a Task, a Message, a status update or an artifact update. A unary `SendMessage` result
   * (`{ task }` / `{ message }`) decodes as one too; a bare `GetTask` task does not (see `result`).
   */
  readonly item?: StreamResponseType;
  /** The JSON-RPC `result` as received (parsed JSON), set for every successful reply. */
  readonly result?: unknown;
  /**
   * The JSON-RPC `error` of an error reply. `errorFromJsonRpcReply(error, null)` turns it into
   * the error a request would have rejected with.
   */
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown };
  /**
   * Set when the payload is not a JSON-RPC 2.0 response (not JSON, no `jsonrpc: "2.0"`, neither
   * `result` nor a well-formed `error`).
   */
  readonly malformed?: true;
}

/**
 * Decodes a reply nobody waits for into an {@link UnmatchedReply}. Internal (the requester calls
 * it only when `onUnmatchedReply` is set); never throws.
 */
export function decodeUnmatchedReply(
  message: InboundMessage,
  correlationData: Buffer,
): UnmatchedReply {
  const responder = readUserProperty(
    message.properties?.userProperties,
    USER_PROPERTY.RESPONDER_AGENT_ID,
  );
  const head: { topic: string; correlationData: Buffer; responderAgentId?: string } = {
    topic: message.topic,
    correlationData,
  };
  if (responder !== undefined && isValidIdentifier(responder)) head.responderAgentId = responder;
  let json: unknown;
  try {
    json = JSON.parse(message.payload.toString('utf8'));
  } catch {
    return { ...head, malformed: true };
  }
  if (
    typeof json !== 'object' ||
    json === null ||
    (json as { jsonrpc?: unknown }).jsonrpc !== '2.0'
  ) {
    return { ...head, malformed: true };
  }
  const response = json as { result?: unknown; error?: unknown };
  if (response.error !== undefined) {
    const error = response.error as { code?: unknown; message?: unknown; data?: unknown } | null;
    if (
      typeof error !== 'object' ||
      error === null ||
      typeof error.code !== 'number' ||
      typeof error.message !== 'string'
    ) {
      return { ...head, malformed: true };
    }
    return {
      ...head,
      error: {
        code: error.code,
        message: error.message,
        ...(error.data === undefined ? {} : { data: error.data }),
      },
    };
  }
  if (!('result' in response)) return { ...head, malformed: true };
  const result = response.result;
  const item = streamItemOf(result);
  return item === undefined ? { ...head, result } : { ...head, item, result };
}

/** The stream item a JSON-RPC result encodes, when it is one with a known payload. */
function streamItemOf(result: unknown): StreamResponseType | undefined {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return undefined;
  try {
    const item = StreamResponse.fromJSON(result);
    return item.payload === undefined ? undefined : item;
  } catch {
    return undefined;
  }
}
