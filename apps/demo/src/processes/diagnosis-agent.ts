/**
 * `node apps/demo/dist/diagnosis-agent.mjs`: the diagnosis agent of scenario 2 as a process of
 * its own, so the scenario can kill it for real (SIGKILL) and start it again. Broker URL from
 * `A2A_MQTT_URL`; prints `{"event":"ready",...}` once it serves (with the tasks it resumed).
 */
import { createTopics } from '@a2a-mqtt/protocol';
import { startDiagnosisService } from '../scenarios/diagnosis-service.js';
import {
  brokerUrlFromEnv,
  childLogger,
  emitEvent,
  parseChildArgs,
  runChild,
} from './child-runtime.js';

const args = parseChildArgs(
  ['prefix', 'org', 'unit', 'agent', 'store', 'step-delay-ms', 'log-level'] as const,
  { 'log-level': 'warn' },
);
const logger = childLogger('a2a-mqtt-demo-diagnosis-agent', args['log-level']);

runChild(logger, async () => {
  const service = await startDiagnosisService({
    brokerUrl: brokerUrlFromEnv(),
    topics: createTopics({ prefix: args.prefix }),
    agent: { org: args.org, unit: args.unit, agent: args.agent },
    storeDirectory: args.store,
    stepDelayMs: Number(args['step-delay-ms']),
    logger,
  });
  emitEvent({ event: 'ready', pid: process.pid, resumed: Object.fromEntries(service.resumed) });
  return () => service.stop();
});
