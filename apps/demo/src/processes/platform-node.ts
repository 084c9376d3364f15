/**
 * `node apps/demo/dist/platform-node.mjs`: one platform node of scenario 3 as a process of its
 * own, so the scenario can kill it for real (SIGKILL: the OS drops its connections and the
 * broker fires their wills). Broker URL from `A2A_MQTT_URL`; prints `{"event":"ready",...}`.
 */
import { createTopics } from '@a2a-mqtt/protocol';
import { NODES, PlatformNode } from '../scenarios/platform-node.js';
import {
  brokerUrlFromEnv,
  childLogger,
  emitEvent,
  parseChildArgs,
  runChild,
} from './child-runtime.js';

const args = parseChildArgs(
  ['node', 'prefix', 'org', 'unit', 'shared-unit', 'log-level'] as const,
  { 'log-level': 'warn' },
);
const logger = childLogger('a2a-mqtt-demo-platform-node', args['log-level']);

runChild(logger, async () => {
  const spec = NODES.find((candidate) => candidate.id === args.node);
  if (spec === undefined) throw new Error(`unknown node ${args.node}`);
  const node = await PlatformNode.start(spec, {
    brokerUrl: brokerUrlFromEnv(),
    org: args.org,
    unit: args.unit,
    sharedUnit: args['shared-unit'],
    topics: createTopics({ prefix: args.prefix }),
    logger,
  });
  emitEvent({ event: 'ready', pid: process.pid, node: spec.id });
  return () => node.close();
});
