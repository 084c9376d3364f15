/**
 * Public API of `@a2a-mqtt/test-harness/vitest`: vitest fixtures around the harness (brokers per
 * file, one describe block per broker target, per-test wire checks, the conformance suite). Any
 * new export added here becomes public API. Use named exports, not wildcards.
 *
 * Importing this entry from a test file also registers a file-level `afterAll` that disposes
 * whatever the harness started in the file and is still running (see {@link useHarnessCleanup}).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { BrokerHandle } from './broker-handle.js';
import {
  availableBrokerTargets,
  type BrokerTarget,
  type BrokerTargetName,
} from './broker-targets.js';
import {
  type ConformanceAgent,
  type ConformanceAgentContext,
  type ConformanceClient,
  type ConformanceClientContext,
  type ConformanceSuiteOptions,
  DEFAULT_CONFORMANCE_AGENT,
  DEFAULT_CONFORMANCE_REQUESTER,
  DEFAULT_CONFORMANCE_TIMEOUT_MS,
  defineConformanceSuite,
} from './conformance-suite.js';
import { TEST_HARNESS_ERROR_CODE, TestHarnessError } from './errors.js';
import type { MosquittoBrokerHandle, StartBrokerOptions } from './mosquitto.js';
import { startBroker } from './mosquitto.js';
import { cleanupAll } from './process-registry.js';
import {
  DEFAULT_WIRE_CHECK_TIMEOUT_MS,
  type ExpectedViolation,
  useWireCheck,
  type WireCheck,
  type WireCheckOptions,
} from './wire-check.js';
import { createWireSniffer, type WireSniffer, type WireSnifferOptions } from './wire-sniffer.js';

export {
  type ConformanceAgent,
  type ConformanceAgentContext,
  type ConformanceClient,
  type ConformanceClientContext,
  type ConformanceSuiteOptions,
  DEFAULT_CONFORMANCE_AGENT,
  DEFAULT_CONFORMANCE_REQUESTER,
  DEFAULT_CONFORMANCE_TIMEOUT_MS,
  DEFAULT_WIRE_CHECK_TIMEOUT_MS,
  defineConformanceSuite,
  type ExpectedViolation,
  useWireCheck,
  type WireCheck,
  type WireCheckOptions,
};

/** A lazy handle: call it inside tests and hooks (after `beforeAll` ran). */
export type HandleGetter<T> = () => T;

function lazy<T>(what: string, read: () => T | undefined): HandleGetter<T> {
  return () => {
    const value = read();
    if (value === undefined) {
      throw new TestHarnessError({
        code: TEST_HARNESS_ERROR_CODE.NOT_READY,
        message: `${what} is only available inside tests and hooks, after beforeAll ran`,
      });
    }
    return value;
  };
}

/**
 * Starts a private mosquitto in `beforeAll` of the calling file (or `describe` block) and stops
 * it (removing its files) in `afterAll`, even when tests fail. Returns a getter for the handle.
 *
 * @example
 * ```ts
 * import mqtt from 'mqtt';
 * import { useBroker } from '@a2a-mqtt/test-harness/vitest';
 *
 * const broker = useBroker({ profile: 'anonymous' });
 * it('connects', async () => {
 *   const client = await mqtt.connectAsync(broker().url, { protocolVersion: 5 });
 *   await client.endAsync();
 * });
 * ```
 */
export function useBroker(options: StartBrokerOptions = {}): HandleGetter<MosquittoBrokerHandle> {
  let handle: MosquittoBrokerHandle | undefined;
  beforeAll(async () => {
    handle = await startBroker(options);
  });
  afterAll(async () => {
    const current = handle;
    handle = undefined;
    await current?.close();
  });
  return lazy('useBroker()', () => handle);
}

/**
 * Starts a {@link WireSniffer} in `beforeAll` (after the broker of `options.broker()` is up) and
 * closes it in `afterAll`.
 */
export function useWireSniffer(
  options: Omit<WireSnifferOptions, 'broker'> & { broker: HandleGetter<BrokerHandle> },
): HandleGetter<WireSniffer> {
  let sniffer: WireSniffer | undefined;
  beforeAll(async () => {
    sniffer = await createWireSniffer({ ...options, broker: options.broker() });
  });
  afterAll(async () => {
    const current = sniffer;
    sniffer = undefined;
    await current?.close();
  });
  return lazy('useWireSniffer()', () => sniffer);
}

/**
 * Registers an `afterAll` in the current `describe` block (or file) that disposes everything the
 * harness started so far in this process (brokers, sniffers, containers) and SIGKILLs leftover
 * child processes.
 *
 * Every test file that imports `@a2a-mqtt/test-harness/vitest` already gets one such hook at file
 * level, registered on import, so a broker that a failing test never closed is stopped when its
 * file ends (and, in any case, SIGKILLed with its directory removed when the worker process exits,
 * is interrupted or terminated). Call this to clean up earlier, at the end of a `describe` block,
 * or in every file when test files share one module instance (vitest `isolate: false`, where the
 * automatic hook is registered only in the first file that imports the entry).
 *
 * @example
 * ```ts
 * describe('brokers started by hand', () => {
 *   useHarnessCleanup();
 *   it('starts one', async () => {
 *     const broker = await startBroker();
 *     // no close(): the hook stops it after this block
 *   });
 * });
 * ```
 */
export function useHarnessCleanup(): void {
  afterAll(async () => {
    await cleanupAll();
  });
}

/** The automatic file-level cleanup of this entry (see {@link useHarnessCleanup}). */
function registerFileCleanup(): void {
  try {
    useHarnessCleanup();
  } catch {
    // Imported outside a vitest test file (no suite to attach to): process hooks still apply.
  }
}

registerFileCleanup();

/** Options of {@link describeBrokers}. */
export interface DescribeBrokersOptions {
  /** mosquitto options (ignored by EMQX and external targets). @default {} */
  brokerOptions?: StartBrokerOptions;
  /** Which targets to consider. @default ['mosquitto', 'emqx', 'external'] */
  targets?: readonly BrokerTargetName[];
}

/**
 * Defines `describe(name)` with one nested block per broker target. Available targets start in
 * `beforeAll` and stop in `afterAll`; unavailable ones become a skipped test whose title carries
 * the reason, also written to stderr, so a skip is never silent.
 *
 * @example
 * ```ts
 * describeBrokers('discovery', (broker, target) => {
 *   it('publishes a card', async () => {
 *     const prefix = broker().capabilities.recommendedPrefix;
 *     // ...
 *   });
 * });
 * ```
 */
export function describeBrokers(
  name: string,
  body: (broker: HandleGetter<BrokerHandle>, target: BrokerTarget) => void,
  options: DescribeBrokersOptions = {},
): void {
  const wanted = new Set<BrokerTargetName>(options.targets ?? ['mosquitto', 'emqx', 'external']);
  describe(name, async () => {
    const targets = (await availableBrokerTargets()).filter((target) => wanted.has(target.name));
    for (const target of targets) {
      if (!target.available) {
        const reason = target.skipReason ?? 'unavailable';
        process.stderr.write(
          `[a2a-mqtt/test-harness] ${name} on ${target.name} skipped: ${reason}\n`,
        );
        it.skip(`${target.name}: skipped: ${reason}`, () => {});
        continue;
      }
      describe(target.name, () => {
        let handle: BrokerHandle | undefined;
        beforeAll(async () => {
          handle = await target.start(options.brokerOptions);
        });
        afterAll(async () => {
          const current = handle;
          handle = undefined;
          await current?.close();
        });
        body(
          lazy(`describeBrokers(${target.name})`, () => handle),
          target,
        );
      });
    }
  });
}
