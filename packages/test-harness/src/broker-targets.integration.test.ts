import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import {
  availableBrokerTargets,
  BrokerUnavailableError,
  detectContainerRuntime,
  externalBroker,
  quickContainerRuntimeCheck,
  startBroker,
  startEmqx,
} from './index.js';
import { describeBrokers } from './vitest.js';

describe('EMQX target', () => {
  it('rejects with the reason when no container runtime exists, or starts when one does', async () => {
    const runtime = await detectContainerRuntime();
    if (!runtime.available) {
      const error = await startEmqx().catch((caught: unknown) => caught);
      expect(BrokerUnavailableError.isBrokerUnavailable(error)).toBe(true);
      expect((error as BrokerUnavailableError).target).toBe('emqx');
      expect((error as BrokerUnavailableError).reason).toBe(runtime.reason);
      const targets = await availableBrokerTargets();
      const emqx = targets.find((target) => target.name === 'emqx');
      expect(emqx).toMatchObject({ available: false, skipReason: runtime.reason });
      // This machine has no container engine: the cheap check alone explains why.
      if (!quickContainerRuntimeCheck().available) {
        expect(runtime.reason).toMatch(/no container runtime/);
      }
    } else {
      const emqx = await startEmqx();
      try {
        const client = await mqtt.connectAsync(emqx.clientOptions());
        await client.endAsync();
        expect(emqx.capabilities.name).toBe('emqx');
      } finally {
        await emqx.close();
      }
    }
  });
});

describe('external target', () => {
  it('rejects without MQTT_URL and attaches to a reachable URL', async () => {
    await expect(externalBroker('')).rejects.toMatchObject({
      target: 'external',
      reason: 'MQTT_URL is not set',
    });
    const broker = await startBroker();
    try {
      const external = await externalBroker(broker.url);
      expect(external.port).toBe(broker.port);
      expect(external.capabilities.name).toBe('external');
      const client = await mqtt.connectAsync(external.clientOptions());
      await client.endAsync();
      await expect(external.kill()).rejects.toThrow(/not supported/);
      await broker.stop();
      const error = await externalBroker(broker.url, { probeTimeoutMs: 2_000 }).catch(
        (caught: unknown) => caught,
      );
      expect((error as BrokerUnavailableError).reason).toMatch(/cannot connect/);
    } finally {
      await broker.close();
    }
  });
});

const seenTargets: string[] = [];
describeBrokers(
  'describeBrokers',
  (broker, target) => {
    it('runs against an available target', async () => {
      seenTargets.push(target.name);
      const client = await mqtt.connectAsync(broker().clientOptions());
      await client.endAsync();
      expect(broker().capabilities.name).toBe(target.name);
    });
  },
  { targets: ['mosquitto', 'emqx'] },
);

afterAll(() => {
  // mosquitto always runs; the skipped EMQX block was reported with its reason.
  expect(seenTargets).toContain('mosquitto');
});
