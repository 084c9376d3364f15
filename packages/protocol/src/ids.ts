/**
 * Random values of the binding: reply-topic suffixes, Correlation Data and the
 * requester-generated UUIDv4 `Task.id` / `contextId`. Randomness comes from
 * `globalThis.crypto` (Web Crypto), so this module imports nothing.
 */

function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Number of random bytes in {@link createCorrelationData}. */
export const CORRELATION_DATA_BYTES = 16;

/**
 * A fresh reply-topic suffix: 32 random hex digits (128 bits), a valid identifier with high
 * collision resistance, as the profile recommends.
 *
 * @example
 * ```ts
 * const replyTopic = topics.reply({ org, unit, requester: 'planner', suffix: createReplySuffix() });
 * ```
 */
export function createReplySuffix(): string {
  return toHex(randomBytes(16));
}

/**
 * Fresh MQTT v5 Correlation Data: {@link CORRELATION_DATA_BYTES} random bytes. Use a new value
 * for every publish, including retries.
 *
 * @example
 * ```ts
 * await session.publish(requestTopic, body, { properties: { responseTopic, correlationData: createCorrelationData() } });
 * ```
 */
export function createCorrelationData(): Buffer {
  const bytes = randomBytes(CORRELATION_DATA_BYTES);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A new requester-generated `Task.id` (UUIDv4), as the profile requires for new tasks.
 *
 * @example
 * ```ts
 * const message = { messageId: createTaskId(), taskId: createTaskId(), contextId: createContextId(), ... };
 * ```
 */
export function createTaskId(): string {
  return globalThis.crypto.randomUUID();
}

/** A new `contextId` (UUIDv4) for a new conversation. */
export function createContextId(): string {
  return globalThis.crypto.randomUUID();
}

const UUID_V4_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * Whether `value` is a UUID version 4 string (RFC 9562 layout, either case).
 *
 * @example
 * ```ts
 * if (!isUuidV4(message.taskId)) reject('taskId must be a UUIDv4');
 * ```
 */
export function isUuidV4(value: unknown): value is string {
  return typeof value === 'string' && UUID_V4_PATTERN.test(value);
}
