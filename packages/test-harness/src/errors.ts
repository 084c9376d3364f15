/**
 * Errors of the test harness. They are local (they never cross the wire), so they are plain
 * `Error` subclasses with a stable `code`, not `A2AMqttError`s.
 */

/** Codes of {@link TestHarnessError}. */
export const TEST_HARNESS_ERROR_CODE = {
  BROKER_START_FAILED: 'BROKER_START_FAILED',
  BROKER_UNAVAILABLE: 'BROKER_UNAVAILABLE',
  BROKER_STOP_FAILED: 'BROKER_STOP_FAILED',
  CERTIFICATE_FAILED: 'CERTIFICATE_FAILED',
  INVALID_OPTIONS: 'INVALID_OPTIONS',
  UNKNOWN_AGENT: 'UNKNOWN_AGENT',
  /** A lazy handle of `@a2a-mqtt/test-harness/vitest` was read before its `beforeAll` ran. */
  NOT_READY: 'NOT_READY',
  /** The broker refused a subscription the harness needs (e.g. the wire sniffer's). */
  SUBSCRIBE_REJECTED: 'SUBSCRIBE_REJECTED',
} as const;

/** A code of {@link TEST_HARNESS_ERROR_CODE}. */
export type TestHarnessErrorCode =
  (typeof TEST_HARNESS_ERROR_CODE)[keyof typeof TEST_HARNESS_ERROR_CODE];

const MARKER = Symbol.for('a2a-mqtt.test-harness.error');

/** Base class of the harness errors. */
export class TestHarnessError extends Error {
  /** The stable code, from {@link TEST_HARNESS_ERROR_CODE}. */
  readonly code: TestHarnessErrorCode;
  /** Structured context (target, filter, ...); never secrets. */
  readonly details?: Record<string, unknown>;
  /** Marker read by {@link TestHarnessError.isInstance} (works across copies of the package). */
  readonly [MARKER] = true;

  /**
   * Creates a harness error.
   *
   * @param options - `code` (from {@link TEST_HARNESS_ERROR_CODE}), `message`, and optionally the
   *   underlying `cause` (becomes `Error.cause`) and structured `details` (never secrets).
   */
  constructor(options: {
    code: TestHarnessErrorCode;
    message: string;
    cause?: unknown;
    details?: Record<string, unknown>;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TestHarnessError';
    this.code = options.code;
    if (options.details) this.details = options.details;
  }

  /** `true` for any harness error, even from another copy of this package. */
  static isInstance(value: unknown): value is TestHarnessError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[MARKER] === true
    );
  }
}

/** A broker target that cannot run here (no container runtime, no `MQTT_URL`, ...). */
export class BrokerUnavailableError extends TestHarnessError {
  /** The target that is unavailable, e.g. `'emqx'` or `'external'`. */
  readonly target: string;
  /** Why, in one sentence (printed by suites that skip the target). */
  readonly reason: string;

  /**
   * Creates the error with code `BROKER_UNAVAILABLE` and the message
   * `<target> broker unavailable: <reason>`.
   *
   * @param options - The unavailable `target` (e.g. `'emqx'`), the one-sentence `reason`
   *   suites print when they skip it, and optionally the underlying `cause`.
   */
  constructor(options: { target: string; reason: string; cause?: unknown }) {
    super({
      code: TEST_HARNESS_ERROR_CODE.BROKER_UNAVAILABLE,
      message: `${options.target} broker unavailable: ${options.reason}`,
      cause: options.cause,
      details: { target: options.target },
    });
    this.name = 'BrokerUnavailableError';
    this.target = options.target;
    this.reason = options.reason;
  }

  /** `true` for a {@link BrokerUnavailableError}, even from another copy of this package. */
  static isBrokerUnavailable(value: unknown): value is BrokerUnavailableError {
    return (
      TestHarnessError.isInstance(value) &&
      value.code === TEST_HARNESS_ERROR_CODE.BROKER_UNAVAILABLE
    );
  }
}

/** mosquitto did not start (bad config, port in use, timeout); the message has the log tail. */
export class BrokerStartError extends TestHarnessError {
  /** The last lines of the broker log and stderr. */
  readonly logTail: string;

  /**
   * Creates the error with code `BROKER_START_FAILED`; the message ends with the log tail.
   *
   * @param options - What failed (`message`), the last lines of the broker log and stderr
   *   (`logTail`), and optionally the underlying `cause` (e.g. a spawn error).
   */
  constructor(options: { message: string; logTail: string; cause?: unknown }) {
    super({
      code: TEST_HARNESS_ERROR_CODE.BROKER_START_FAILED,
      message: `${options.message}\n--- broker log (tail) ---\n${options.logTail || '(empty)'}`,
      cause: options.cause,
    });
    this.name = 'BrokerStartError';
    this.logTail = options.logTail;
  }
}
