/**
 * The three demo scenarios, end to end, on every available broker: mosquitto always, EMQX
 * when a container runtime exists, the broker of MQTT_URL when set (skips print why).
 */
import { describeBrokers } from '@a2a-mqtt/test-harness/vitest';
import { expect, it } from 'vitest';
import type { DemoEvent } from '../../demo/src/output/reporter.js';
import { runScenario, SCENARIOS } from '../../demo/src/scenarios/index.js';
import { demoEnvironment } from './support.js';

describeBrokers('demo scenarios', (broker) => {
  for (const [index, scenario] of SCENARIOS.entries()) {
    it(
      `${index + 1}. ${scenario.title} meets every expectation`,
      async () => {
        const events: DemoEvent[] = [];
        const result = await runScenario(scenario, index + 1, demoEnvironment(broker()), {
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
