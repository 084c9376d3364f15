/**
 * The three demo scenarios, end to end, on every available broker: mosquitto always, EMQX
 * when a container runtime exists, the broker of MQTT_URL when set (skips print why). Every
 * message the scenarios publish is under one topic prefix (the demo environment's, the
 * broker's recommended one), and the wire sniffer checks each of them against the profile.
 */
import {
  type BrokerCapabilities,
  type BrokerTargetName,
  EMQX_CAPABILITIES,
  EXTERNAL_CAPABILITIES,
  MOSQUITTO_CAPABILITIES,
} from '@a2a-mqtt/test-harness';
import { describeBrokers, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { expect, it } from 'vitest';
import type { DemoEvent } from '../../demo/src/output/reporter.js';
import { runScenario, SCENARIOS } from '../../demo/src/scenarios/index.js';
import { demoEnvironment } from './support.js';

/** The capabilities of each target's broker (its handle reports the same ones). */
const CAPABILITIES: Record<BrokerTargetName, Readonly<BrokerCapabilities>> = {
  mosquitto: MOSQUITTO_CAPABILITIES,
  emqx: EMQX_CAPABILITIES,
  external: EXTERNAL_CAPABILITIES,
};

describeBrokers('demo scenarios', (broker, target) => {
  // The sniffer subscribes before the first scenario starts (the prefix must be known now,
  // before the broker runs: it is the target's recommended prefix, which demoEnvironment uses).
  const prefix = CAPABILITIES[target.name].recommendedPrefix;
  useWireCheck({ broker, prefix });

  for (const [index, scenario] of SCENARIOS.entries()) {
    it(
      `${index + 1}. ${scenario.title} meets every expectation`,
      async () => {
        const environment = demoEnvironment(broker());
        expect(environment.prefix).toBe(prefix);
        const events: DemoEvent[] = [];
        const result = await runScenario(scenario, index + 1, environment, {
          emit: (event) => events.push(event),
        });
        expect(result.error).toBeUndefined();
        expect(result.checks.filter((check) => !check.ok)).toEqual([]);
        expect(result.checks.length).toBeGreaterThanOrEqual(5);
        expect(result.ok).toBe(true);
        // The scenario reported its progress as it went, and ended once.
        expect(events.filter((event) => event.type === 'progress').length).toBeGreaterThan(2);
        expect(events.at(-1)).toMatchObject({ type: 'scenario-end', ok: true });
      },
      scenario.timeoutMs + 10_000,
    );
  }
});
