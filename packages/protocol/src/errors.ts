/**
 * The error type of every `@a2a-mqtt/*` package.
 *
 * These are *local* errors: they never cross the wire. Errors that do cross the wire are
 * JSON-RPC error objects (see `binding-errors.ts`) or the A2A error classes of `@a2a-js/sdk`.
 */

/**
 * Stable machine-readable codes of {@link A2AMqttError}. Match on `error.code`, never on the
 * message text.
 *
 * @example
 * ```ts
 * if (isA2AMqttError(error, A2A_MQTT_ERROR_CODE.REQUEST_TIMEOUT)) retryLater();
 * ```
 */
export const A2A_MQTT_ERROR_CODE = {
  /** An org, unit, agent, pool, group, requester or reply-suffix identifier is malformed. */
  INVALID_IDENTIFIER: 'INVALID_IDENTIFIER',
  /** A topic or topic prefix is malformed. */
  INVALID_TOPIC: 'INVALID_TOPIC',
  /** A broker URL cannot be parsed. The message never contains the password. */
  INVALID_BROKER_URL: 'INVALID_BROKER_URL',
  /** An Agent Card does not have the A2A v1.0 shape (see `details.issues`). */
  INVALID_AGENT_CARD: 'INVALID_AGENT_CARD',
  /** MQTT binding metadata (Response Topic, Correlation Data, ...) or a payload is malformed. */
  INVALID_ENVELOPE: 'INVALID_ENVELOPE',
  /** The broker could not be reached or refused the connection. */
  CONNECT_FAILED: 'CONNECT_FAILED',
  /** The connection dropped while an operation was pending. */
  CONNECTION_CLOSED: 'CONNECTION_CLOSED',
  /** The broker refused an operation (CONNACK/PUBACK/SUBACK reason code 0x87 or 0x86). */
  NOT_AUTHORIZED: 'NOT_AUTHORIZED',
  /** PUBACK reason code 0x10: nobody subscribes to the request topic. */
  NO_MATCHING_SUBSCRIBERS: 'NO_MATCHING_SUBSCRIBERS',
  /** The packet exceeds the Maximum Packet Size the broker announced. */
  PACKET_TOO_LARGE: 'PACKET_TOO_LARGE',
  /** A publish was not accepted by the client or the broker. */
  PUBLISH_FAILED: 'PUBLISH_FAILED',
  /** The broker refused a subscription (SUBACK reason code >= 0x80). */
  SUBSCRIBE_REJECTED: 'SUBSCRIBE_REJECTED',
  /** No correlated reply arrived within the first-reply timeout. */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** A stream produced no item within the stream idle timeout. */
  STREAM_IDLE_TIMEOUT: 'STREAM_IDLE_TIMEOUT',
  /** The responder answered -32003 `request_expired`. */
  REQUEST_EXPIRED: 'REQUEST_EXPIRED',
  /** The responder answered -32004 `responder_unavailable`. */
  RESPONDER_UNAVAILABLE: 'RESPONDER_UNAVAILABLE',
  /** The responder answered -32005 `transport_protocol_error`, or a reply broke the binding. */
  TRANSPORT_PROTOCOL_ERROR: 'TRANSPORT_PROTOCOL_ERROR',
  /** Discovery found no agent with the requested name or address. */
  AGENT_NOT_FOUND: 'AGENT_NOT_FOUND',
  /** The caller aborted the operation (AbortSignal). */
  ABORTED: 'ABORTED',
  /** The object was closed before or during the operation. */
  CLOSED: 'CLOSED',
  /** An options object is invalid. */
  INVALID_OPTIONS: 'INVALID_OPTIONS',
} as const;

/** One of the values of {@link A2A_MQTT_ERROR_CODE}. */
export type A2AMqttErrorCode = (typeof A2A_MQTT_ERROR_CODE)[keyof typeof A2A_MQTT_ERROR_CODE];

/**
 * Codes that are retry-eligible by default: the profile's requester retry rules make a publish
 * that was not accepted, a first-reply timeout, -32003 and -32004 retry-eligible; a dropped or
 * failed connection is transient. Everything else (including a stream idle timeout, after
 * which the requester must recover with `GetTask` instead of republishing) is not.
 */
const RETRYABLE_BY_DEFAULT: ReadonlySet<A2AMqttErrorCode> = new Set<A2AMqttErrorCode>([
  'CONNECT_FAILED',
  'CONNECTION_CLOSED',
  'NO_MATCHING_SUBSCRIBERS',
  'PUBLISH_FAILED',
  'REQUEST_TIMEOUT',
  'REQUEST_EXPIRED',
  'RESPONDER_UNAVAILABLE',
]);

// A `Symbol.for` marker instead of `instanceof`: two copies of this package (e.g. ESM and CJS
// builds loaded side by side) still recognise each other's errors.
const A2A_MQTT_ERROR_MARKER = Symbol.for('@a2a-mqtt/protocol.A2AMqttError');

/** Constructor options of {@link A2AMqttError}. */
export interface A2AMqttErrorOptions {
  /** The stable error code. */
  code: A2AMqttErrorCode;
  /** A human-readable message. Never put secrets (passwords, tokens) or payloads in it. */
  message: string;
  /**
   * The underlying error, if any.
   * @default undefined
   */
  cause?: unknown;
  /**
   * Whether retrying the same operation may succeed.
   * @default true for CONNECT_FAILED, CONNECTION_CLOSED, NO_MATCHING_SUBSCRIBERS, PUBLISH_FAILED,
   * REQUEST_TIMEOUT, REQUEST_EXPIRED and RESPONDER_UNAVAILABLE; false otherwise
   */
  retryable?: boolean;
  /**
   * The MQTT v5 reason code (CONNACK, PUBACK, SUBACK, DISCONNECT) behind the error.
   * @default undefined (no MQTT reason code)
   */
  reasonCode?: number;
  /**
   * Structured context (identifiers, topics, validation issues). Never secrets.
   * @default undefined
   */
  details?: Record<string, unknown>;
}

/**
 * The one error class of a2a-mqtt. Every failure a library function reports is an
 * `A2AMqttError` with a stable {@link A2AMqttError.code | code}.
 *
 * @example
 * ```ts
 * throw new A2AMqttError({
 *   code: A2A_MQTT_ERROR_CODE.REQUEST_TIMEOUT,
 *   message: 'No reply within 15000 ms',
 * });
 * ```
 */
export class A2AMqttError extends Error {
  /** The stable error code. */
  readonly code: A2AMqttErrorCode;
  /** Whether retrying the same operation may succeed. */
  readonly retryable: boolean;
  /** The MQTT v5 reason code behind the error, when there is one. */
  readonly reasonCode?: number;
  /** Structured context; never contains secrets. */
  readonly details?: Record<string, unknown>;

  /**
   * Creates the error. `retryable` defaults from `code` (see
   * {@link A2AMqttErrorOptions.retryable}); `cause` becomes the standard `Error.cause`.
   *
   * @param options - The code, message and optional cause, retryable flag, MQTT reason code
   *   and details. Never put secrets or payload bodies in `message` or `details`.
   */
  constructor(options: A2AMqttErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'A2AMqttError';
    this.code = options.code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(options.code);
    if (options.reasonCode !== undefined) this.reasonCode = options.reasonCode;
    if (options.details !== undefined) this.details = options.details;
    // Non-enumerable: the marker stays out of JSON.stringify and util.inspect.
    Object.defineProperty(this, A2A_MQTT_ERROR_MARKER, { value: true });
  }

  /**
   * Whether `value` is an {@link A2AMqttError}, also when it comes from another copy of this
   * package.
   */
  static isInstance(value: unknown): value is A2AMqttError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [A2A_MQTT_ERROR_MARKER]?: unknown })[A2A_MQTT_ERROR_MARKER] === true
    );
  }
}

/**
 * Whether `value` is an {@link A2AMqttError}, optionally with the given `code`.
 *
 * @example
 * ```ts
 * try {
 *   parseBrokerUrl(input);
 * } catch (error) {
 *   if (isA2AMqttError(error, 'INVALID_BROKER_URL')) showUsage();
 *   else throw error;
 * }
 * ```
 */
export function isA2AMqttError(value: unknown, code?: A2AMqttErrorCode): value is A2AMqttError {
  return A2AMqttError.isInstance(value) && (code === undefined || value.code === code);
}
