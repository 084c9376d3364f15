/**
 * JSON-RPC error objects of the reply path, including the three binding-specific errors of the
 * A2A over MQTT profile ("Mandatory Binding-Specific Error Mapping").
 *
 * Caution: the binding codes -32003..-32005 collide with core A2A codes
 * (PushNotificationNotSupported, UnsupportedOperation, ContentTypeNotSupported). A binding
 * error is therefore recognised by its `error.data.a2a_error` string, not by its code alone.
 */

/**
 * The binding-specific errors of the profile: JSON-RPC `error.code` and the
 * `error.data.a2a_error` string a responder must send with it.
 */
export const A2A_BINDING_ERROR = {
  /** The request expired before processing. Retry-eligible. */
  REQUEST_EXPIRED: { code: -32003, a2aError: 'request_expired' },
  /** The responder is temporarily unavailable or overloaded. Retry-eligible. */
  RESPONDER_UNAVAILABLE: { code: -32004, a2aError: 'responder_unavailable' },
  /** MQTT binding metadata is invalid or missing. Not retryable until the metadata is fixed. */
  TRANSPORT_PROTOCOL_ERROR: { code: -32005, a2aError: 'transport_protocol_error' },
} as const;

/** A key of {@link A2A_BINDING_ERROR}. */
export type BindingErrorKind = keyof typeof A2A_BINDING_ERROR;

/** The standard JSON-RPC 2.0 error codes. */
export const JSON_RPC_ERROR_CODE = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
} as const;

/** A JSON-RPC request id; `null` when the request id could not be read. */
export type JsonRpcId = string | number | null;

/** A JSON-RPC 2.0 error object. */
export interface JsonRpcErrorObject {
  /** The JSON-RPC error code (see {@link JSON_RPC_ERROR_CODE} and {@link A2A_BINDING_ERROR}). */
  code: number;
  /** A short human-readable message. */
  message: string;
  /** Structured data; binding errors carry `a2a_error` here. */
  data?: unknown;
}

/** A JSON-RPC 2.0 error response. */
export interface JsonRpcErrorResponse {
  /** Always `'2.0'`. */
  jsonrpc: '2.0';
  /** The id of the request answered (`null` when it could not be read). */
  id: JsonRpcId;
  /** The error. */
  error: JsonRpcErrorObject;
}

/** Arguments of {@link buildJsonRpcError}. */
export interface BuildJsonRpcErrorOptions {
  /** The id of the request being answered (`null` if unknown). */
  id: JsonRpcId;
  /** The JSON-RPC error code. */
  code: number;
  /** A short human-readable message. */
  message: string;
  /**
   * Optional structured data; omitted from the result when `undefined`.
   * @default undefined (no `data` field)
   */
  data?: unknown;
}

/**
 * Builds a JSON-RPC 2.0 error response.
 *
 * @example
 * ```ts
 * const reply = buildJsonRpcError({
 *   id: request.id ?? null,
 *   code: JSON_RPC_ERROR_CODE.INVALID_PARAMS,
 *   message: 'contextId does not match the task',
 * });
 * ```
 */
export function buildJsonRpcError(options: BuildJsonRpcErrorOptions): JsonRpcErrorResponse {
  const error: JsonRpcErrorObject = { code: options.code, message: options.message };
  if (options.data !== undefined) error.data = options.data;
  return { jsonrpc: '2.0', id: options.id, error };
}

const DEFAULT_BINDING_ERROR_MESSAGE: Record<BindingErrorKind, string> = {
  REQUEST_EXPIRED: 'Request expired before processing',
  RESPONDER_UNAVAILABLE: 'Responder temporarily unavailable',
  TRANSPORT_PROTOCOL_ERROR: 'MQTT binding metadata invalid or missing',
};

/** Arguments of {@link buildBindingError}. */
export interface BuildBindingErrorOptions {
  /** The id of the request being answered (`null` if unknown). */
  id: JsonRpcId;
  /**
   * A human-readable message.
   * @default a fixed description of the kind, e.g. 'Request expired before processing'
   */
  message?: string;
  /**
   * Extra fields of `error.data`; `a2a_error` is always set by this function.
   * @default {} (only `a2a_error`)
   */
  data?: Record<string, unknown>;
}

/**
 * Builds one of the profile's binding-specific error responses, with `error.data.a2a_error`
 * set exactly as the profile requires.
 *
 * @example
 * ```ts
 * const reply = buildBindingError('REQUEST_EXPIRED', { id: request.id });
 * // { jsonrpc: '2.0', id, error: { code: -32003, message: '...', data: { a2a_error: 'request_expired' } } }
 * ```
 */
export function buildBindingError(
  kind: BindingErrorKind,
  options: BuildBindingErrorOptions,
): JsonRpcErrorResponse {
  const binding = A2A_BINDING_ERROR[kind];
  return buildJsonRpcError({
    id: options.id,
    code: binding.code,
    message: options.message ?? DEFAULT_BINDING_ERROR_MESSAGE[kind],
    data: { ...options.data, a2a_error: binding.a2aError },
  });
}

const BINDING_ERROR_KINDS = Object.keys(A2A_BINDING_ERROR) as BindingErrorKind[];

/**
 * The binding error kind of a JSON-RPC error object, or `undefined` when it is not one.
 * Both the code and `data.a2a_error` must match: the bare codes are also core A2A codes.
 *
 * @example
 * ```ts
 * if (bindingErrorKindOf(response.error) === 'RESPONDER_UNAVAILABLE') scheduleRetry();
 * ```
 */
export function bindingErrorKindOf(error: {
  code: number;
  data?: unknown;
}): BindingErrorKind | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const data = error.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const a2aError = (data as { a2a_error?: unknown }).a2a_error;
  for (const kind of BINDING_ERROR_KINDS) {
    const binding = A2A_BINDING_ERROR[kind];
    if (binding.code === error.code && binding.a2aError === a2aError) return kind;
  }
  return undefined;
}

/**
 * Whether a binding error is retry-eligible (-32003 `request_expired`, -32004
 * `responder_unavailable`).
 *
 * Pass the whole error object when you have it: it is then recognised by
 * {@link bindingErrorKindOf} (code and `data.a2a_error`). A bare number only checks the code,
 * which is ambiguous with the core A2A codes -32003/-32004.
 */
export function isRetryableBindingCode(code: number | { code: number; data?: unknown }): boolean {
  if (typeof code === 'number') {
    return (
      code === A2A_BINDING_ERROR.REQUEST_EXPIRED.code ||
      code === A2A_BINDING_ERROR.RESPONDER_UNAVAILABLE.code
    );
  }
  const kind = bindingErrorKindOf(code);
  return kind === 'REQUEST_EXPIRED' || kind === 'RESPONDER_UNAVAILABLE';
}
