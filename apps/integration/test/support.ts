import { randomBytes } from 'node:crypto';
import type { BrokerHandle } from '@a2a-mqtt/test-harness';
import pino from 'pino';
import type { DemoEnvironment } from '../../demo/src/scenarios/index.js';

/** A quiet app logger for the suites (set A2A_MQTT_LOG_LEVEL=debug to see the libraries). */
export const logger = pino(
  { name: 'a2a-mqtt-integration', level: process.env.A2A_MQTT_LOG_LEVEL ?? 'silent' },
  pino.destination(2),
);

/** The demo environment for one broker: its URL, its recommended prefix, a unique unit suffix. */
export function demoEnvironment(broker: BrokerHandle): DemoEnvironment {
  return {
    brokerUrl: broker.url,
    prefix: broker.capabilities.recommendedPrefix,
    org: 'demo',
    // A shared (external) broker may hold cards of other runs: keep every run's units apart.
    unitSuffix: `-${randomBytes(3).toString('hex')}`,
    logger,
  };
}
