/**
 * The logging seam of the library. Structural, so a pino logger (or a child of one) can be
 * passed as is; the default discards everything.
 */

/**
 * A minimal structured logger. pino satisfies it; so does a thin wrapper around any other
 * logger. Calls follow pino's shape: an object of fields first, then an optional message.
 *
 * The library never logs credentials, and logs payload bodies only at `debug` or below.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const session = new MqttSession({ url: 'mqtt://localhost:1883', logger: pino() });
 * ```
 */
export interface Logger {
  /** Very detailed diagnostics (mqtt.js's own log lines go here, when present). */
  trace?(obj: object | string, msg?: string): void;
  /** Diagnostics; may contain payload sizes and, at most, payload bodies. */
  debug(obj: object | string, msg?: string): void;
  /** Lifecycle: connected, reconnecting, closed. */
  info(obj: object | string, msg?: string): void;
  /** Something went wrong and was recovered from. */
  warn(obj: object | string, msg?: string): void;
  /** Something went wrong and was not recovered from (for example a throwing handler). */
  error(obj: object | string, msg?: string): void;
  /** A logger that adds `bindings` to every line. */
  child?(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => {};

/** The default {@link Logger}: discards everything. */
export const NOOP_LOGGER: Logger = Object.freeze({
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => NOOP_LOGGER,
});

/** The text that replaces a secret in log lines. */
export const REDACTED = '[REDACTED]';

const SECRET_KEYS = new Set(['key', 'pfx', 'passphrase']);
const SECRET_KEY_PARTS = ['password', 'authorization', 'token', 'secret'];

function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  return SECRET_KEYS.has(lower) || SECRET_KEY_PARTS.some((part) => lower.includes(part));
}

/**
 * Deep-copies a value for logging, replacing secrets (`password`, `key`, `passphrase`, ...)
 * with `[REDACTED]` and, unless `keepPayloads`, payload bodies (`payload`, Buffers) with
 * their size. Used on mqtt.js's own log arguments, which include the CONNECT packet (with
 * the password) and PUBLISH packets.
 */
export function redactForLog(value: unknown, keepPayloads = false, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return keepPayloads ? value : `<${value.byteLength} bytes>`;
  }
  if (depth > 4) return '[Object]';
  if (Array.isArray(value)) return value.map((item) => redactForLog(item, keepPayloads, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (isSecretKey(key) && field !== undefined) {
      copy[key] = REDACTED;
    } else if (key === 'payload' && !keepPayloads && field != null) {
      copy[key] =
        typeof field === 'string' ? `<${Buffer.byteLength(field)} bytes>` : redactForLog(field);
    } else {
      copy[key] = redactForLog(field, keepPayloads, depth + 1);
    }
  }
  return copy;
}

/**
 * Builds the `log` function handed to mqtt.js: its printf-style lines go to `logger.trace`
 * (nothing when the logger has no `trace`), with secrets redacted.
 */
export function mqttJsLogBridge(logger: Logger): ((...args: unknown[]) => void) | undefined {
  const trace = logger.trace?.bind(logger);
  if (trace === undefined || logger === NOOP_LOGGER) return undefined;
  const enabled = (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return (...args: unknown[]) => {
    // mqtt.js logs every packet: skip the redaction work when trace is off (pino).
    if (enabled !== undefined && !enabled.call(logger, 'trace')) return;
    const [format, ...rest] = args;
    trace(
      { component: 'mqtt.js', args: rest.map((item) => redactForLog(item, true)) },
      typeof format === 'string' ? format : 'mqtt.js',
    );
  };
}
