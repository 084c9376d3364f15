/**
 * Wire checks for vitest suites: one wire sniffer per broker and topic prefix, and after every
 * test an assertion that it saw traffic and that every message it saw follows the profile, except
 * the violations the test declared it provokes on purpose (matched by rule and topic, with an
 * exact count). Exported from `@a2a-mqtt/test-harness/vitest` only (it registers vitest hooks).
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { BrokerHandle } from './broker-handle.js';
import { TEST_HARNESS_ERROR_CODE, TestHarnessError } from './errors.js';
import { waitFor } from './wait.js';
import { createWireSniffer, type WireSniffer } from './wire-sniffer.js';
import type { WireRule, WireViolation } from './wire-validation.js';

/** How long {@link useWireCheck} waits for declared violations and for the first message. */
export const DEFAULT_WIRE_CHECK_TIMEOUT_MS = 5_000;

/** A violation a test provokes on purpose. */
export interface ExpectedViolation {
  /** The rule the offending message(s) break, from `WIRE_RULE`. */
  rule: WireRule;
  /** The exact topic of the offending message(s). */
  topic: string;
  /** The exact number of such violations. @default 1 */
  count?: number;
}

/** Options of {@link useWireCheck}. */
export interface WireCheckOptions {
  /** The broker (a getter, read in `beforeAll`, e.g. the one `useBroker` returns). */
  broker: () => BrokerHandle;
  /** The topic prefix the suite uses (the sniffer subscribes `${prefix}/#`). */
  prefix: string;
  /**
   * How long to wait for the declared violations (and, when none was seen yet, for the first
   * message) to reach the sniffer.
   * @default DEFAULT_WIRE_CHECK_TIMEOUT_MS (5_000)
   */
  timeoutMs?: number;
}

/** What {@link useWireCheck} returns. */
export interface WireCheck {
  /** The current sniffer. */
  sniffer(): WireSniffer;
  /** Declares the violations the current test provokes on purpose (checked in `afterEach`). */
  expectViolations(expected: readonly ExpectedViolation[]): void;
  /** The current test publishes nothing under the prefix: asserts exactly that. */
  expectNoTraffic(): void;
  /**
   * Runs `body` without the sniffer, for a test whose subject is "nobody subscribes" (a sniffer on
   * `${prefix}/#` is a matching subscriber and would change the outcome). `reason` says why.
   */
  withoutSniffer<T>(reason: string, body: () => Promise<T>): Promise<T>;
}

function matches(expected: ExpectedViolation, violation: WireViolation): boolean {
  return expected.rule === violation.rule && expected.topic === violation.topic;
}

function describeViolations(violations: readonly WireViolation[]): string {
  return violations.map((v) => `${v.rule} on ${v.topic}: ${v.message}`).join('\n');
}

/**
 * Checks the wire of every test in the calling file (or `describe` block). Registers `beforeAll`
 * (start a sniffer on `${prefix}/#`), `afterEach` (wait for the declared violations, then assert
 * that the violations seen are exactly the declared ones with their counts and that the test
 * published something under the prefix, or nothing after {@link WireCheck.expectNoTraffic};
 * then `clear()`) and `afterAll` (assert that no violation came after the last test, close the
 * sniffer). Call it after the hooks that start the broker.
 *
 * @example
 * ```ts
 * import { createTopics } from '@a2a-mqtt/protocol';
 * import { WIRE_RULE } from '@a2a-mqtt/test-harness';
 * import { useBroker, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
 *
 * const broker = useBroker();
 * const wire = useWireCheck({ broker, prefix: '$a2a/v1' });
 * const requestTopic = createTopics().request({ org: 'acme', unit: 'sales', agent: 'alice' });
 *
 * it('answers a request', async () => {
 *   // ... start your agent and send it a request: afterEach checks every message ...
 * });
 *
 * it('rejects a request without a response topic', async () => {
 *   wire.expectViolations([{ rule: WIRE_RULE.REQUEST_RESPONSE_TOPIC_MISSING, topic: requestTopic }]);
 *   // ... publish the malformed request on purpose ...
 * });
 * ```
 */
export function useWireCheck(options: WireCheckOptions): WireCheck {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WIRE_CHECK_TIMEOUT_MS;
  let current: WireSniffer | undefined;
  let expected: ExpectedViolation[] = [];
  let noTraffic = false;
  let unsniffed: string | undefined;

  const start = async () => {
    current = await createWireSniffer({ broker: options.broker(), prefix: options.prefix });
  };
  const sniffer = () => {
    if (!current) {
      throw new TestHarnessError({
        code: TEST_HARNESS_ERROR_CODE.NOT_READY,
        message: 'useWireCheck: the sniffer is not running (only inside tests and hooks)',
      });
    }
    return current;
  };

  beforeAll(start);

  afterEach(async () => {
    const declared = expected;
    const silent = noTraffic;
    const skipped = unsniffed;
    expected = [];
    noTraffic = false;
    unsniffed = undefined;
    if (!current) await start();
    const s = sniffer();
    // Everything the broker accepted during the test is recorded before it is judged, and
    // nothing of this test is left to land in the next one.
    if (skipped === undefined) await s.fence({ timeoutMs });
    try {
      if (declared.length > 0) {
        await waitFor(
          () =>
            declared.every(
              (e) => s.violations().filter((v) => matches(e, v)).length >= (e.count ?? 1),
            ),
          {
            timeoutMs,
            intervalMs: 10,
            description: `the provoked wire violations ${JSON.stringify(declared)}; seen:\n${describeViolations(s.violations())}`,
          },
        );
      }
      const violations = s.violations();
      const unexpected = violations.filter((v) => !declared.some((e) => matches(e, v)));
      expect(unexpected, `unexpected wire violations:\n${describeViolations(unexpected)}`).toEqual(
        [],
      );
      for (const e of declared) {
        expect(violations.filter((v) => matches(e, v)).length, `${e.rule} on ${e.topic}`).toBe(
          e.count ?? 1,
        );
      }
      if (skipped !== undefined) return;
      if (!silent && s.messages().length === 0) {
        // Publishes the test awaited may still be on their way from the broker to the sniffer.
        await waitFor(() => s.messages().length > 0, {
          timeoutMs,
          intervalMs: 10,
          description: 'any message under the prefix',
        }).catch(() => undefined);
      }
      if (silent) {
        expect(
          s.messages().map((m) => m.topic),
          'expected no traffic',
        ).toEqual([]);
      } else {
        expect(s.messages().length, 'the sniffer saw no traffic').toBeGreaterThan(0);
      }
    } finally {
      s.clear();
    }
  });

  afterAll(async () => {
    const s = current;
    current = undefined;
    if (!s) return;
    try {
      const late = s.violations();
      expect(late, `wire violations after the last test:\n${describeViolations(late)}`).toEqual([]);
    } finally {
      await s.close();
    }
  });

  return {
    sniffer,
    expectViolations(list) {
      expected.push(...list);
    },
    expectNoTraffic() {
      noTraffic = true;
    },
    async withoutSniffer(reason, body) {
      unsniffed = reason;
      const s = sniffer();
      // What was seen so far in this test is still checked in afterEach by the new sniffer:
      // check it here instead.
      const before = s.violations();
      expect(before, `wire violations before ${reason}:\n${describeViolations(before)}`).toEqual(
        [],
      );
      current = undefined;
      await s.close();
      try {
        return await body();
      } finally {
        await start();
      }
    },
  };
}
