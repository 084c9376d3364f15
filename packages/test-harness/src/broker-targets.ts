/** The broker targets suites run against, each available or skipped with a reason. */
import { existsSync } from 'node:fs';
import type { BrokerHandle } from './broker-handle.js';
import { detectContainerRuntime } from './container-runtime.js';
import { startEmqx } from './emqx.js';
import { externalBroker } from './external-broker.js';
import { DEFAULT_MOSQUITTO_PATH, type StartBrokerOptions, startBroker } from './mosquitto.js';

/** The names of {@link BrokerTarget}. */
export type BrokerTargetName = 'mosquitto' | 'emqx' | 'external';

/** One broker target: `start` it when `available`, else print `skipReason`. */
export interface BrokerTarget {
  /** Which broker this is. */
  name: BrokerTargetName;
  /** Whether it can run on this machine now. */
  available: boolean;
  /** Why the target cannot run here (set when `available` is false). */
  skipReason?: string;
  /** Starts (or attaches to) the broker. mosquitto takes {@link StartBrokerOptions}. */
  start(options?: StartBrokerOptions): Promise<BrokerHandle>;
}

/**
 * mosquitto (always, unless its binary is missing), EMQX (when a container runtime answers) and
 * the external broker of `MQTT_URL` (when set).
 */
export async function availableBrokerTargets(): Promise<BrokerTarget[]> {
  const mosquittoPath = process.env.A2A_MQTT_MOSQUITTO ?? DEFAULT_MOSQUITTO_PATH;
  const mosquittoFound = existsSync(mosquittoPath);
  const runtime = await detectContainerRuntime();
  const mqttUrl = process.env.MQTT_URL;
  return [
    {
      name: 'mosquitto',
      available: mosquittoFound,
      ...(mosquittoFound ? {} : { skipReason: `${mosquittoPath} not found` }),
      start: (options) => startBroker(options),
    },
    {
      name: 'emqx',
      available: runtime.available,
      ...(runtime.available ? {} : { skipReason: runtime.reason }),
      start: () => startEmqx(),
    },
    {
      name: 'external',
      available: Boolean(mqttUrl),
      ...(mqttUrl ? {} : { skipReason: 'MQTT_URL is not set' }),
      start: () => externalBroker(mqttUrl),
    },
  ];
}
