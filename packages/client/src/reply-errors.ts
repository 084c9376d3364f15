import { fromJsonRpcErrorResponse } from '@a2a-js/sdk/errors';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  bindingErrorKindOf,
  isRetryableBindingCode,
} from '@a2a-mqtt/protocol';

/** A JSON-RPC error object as received on the reply path. */
export interface ReceivedJsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * Turns a JSON-RPC error reply into the error the caller sees.
 *
 * The binding errors `-32003` / `-32004` / `-32005` share their numbers with A2A errors
 * (`PushNotificationNotSupported`, `UnsupportedOperation`, `ContentTypeNotSupported`), so
 * they are told apart by `error.data.a2a_error`: with it they become an {@link A2AMqttError}
 * (`REQUEST_EXPIRED` and `RESPONDER_UNAVAILABLE` are `retryable`, `TRANSPORT_PROTOCOL_ERROR`
 * is not); everything else goes through `@a2a-js/sdk`'s own `fromJsonRpcErrorResponse`, the
 * mapping `JsonRpcTransport` uses, so `TaskNotFoundError` and friends keep their classes.
 */
export function errorFromJsonRpcReply(
  error: ReceivedJsonRpcError,
  id: string | number | null,
): Error {
  const kind = bindingErrorKindOf(error as { code: number; data?: unknown });
  if (kind) {
    return new A2AMqttError({
      code: A2A_MQTT_ERROR_CODE[kind],
      message: `Responder answered ${error.code} (${kind.toLowerCase()}): ${error.message}`,
      retryable: isRetryableBindingCode(error.code),
      details: { jsonRpcCode: error.code, data: error.data },
    });
  }
  return fromJsonRpcErrorResponse({
    jsonrpc: '2.0',
    id,
    error: error as Parameters<typeof fromJsonRpcErrorResponse>[0]['error'],
  });
}

/** Builds the error for a reply that cannot be used (not JSON, not JSON-RPC, ...). */
export function protocolError(message: string, details?: Record<string, unknown>): A2AMqttError {
  return new A2AMqttError({
    code: A2A_MQTT_ERROR_CODE.TRANSPORT_PROTOCOL_ERROR,
    message,
    retryable: false,
    details,
  });
}
