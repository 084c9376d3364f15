import type { Task } from '@a2a-js/sdk';
import { createA2AMqttClient } from '@a2a-mqtt/client';
import { connectMqttSession } from '@a2a-mqtt/connection';
import { createAgentDirectory, type DirectoryEntry } from '@a2a-mqtt/discovery';
import { type AgentAddress, createTopics, type TopicScheme } from '@a2a-mqtt/protocol';
import { messageText, sendMessageRequest } from '../agents/index.js';
import { demoProcessEntry, startDemoProcess } from '../processes/demo-process.js';
import {
  clearCards,
  NODES,
  type NodeSpec,
  PLATFORM_POOL,
  PlatformNode,
  RUNTIME_AGENT,
  summarizerId,
} from './platform-node.js';
import type { ScenarioContext, ScenarioDefinition } from './scenario.js';
import { Observations } from './support.js';

export { PLATFORM_POOL } from './platform-node.js';

/** The node scenario 3 kills (a child process when the demo is built). */
const KILLED_NODE = 'node-1';
/** Bound of every wait of this scenario on the console's directory. */
const DIRECTORY_WAIT_MS = 10_000;
/** Bound of a node process's start. */
const NODE_START_TIMEOUT_MS = 10_000;

interface RunningNode {
  readonly spec: NodeSpec;
  readonly unit: string;
  /** "process 1234" or "in the demo's process". */
  readonly where: string;
  /** True when the node is a child process (killed with SIGKILL). */
  readonly realProcess: boolean;
  /** The in-process node (runtime changes), when it runs here. */
  readonly local: PlatformNode | undefined;
  kill(): Promise<void>;
}

/**
 * Starts a node: as a child process when `asProcess` and the demo is built (so it can be
 * killed for real), otherwise in this process. Its stop (or the cleanup of its cards after a
 * kill) is a scenario cleanup.
 */
async function startNode(
  spec: NodeSpec,
  context: ScenarioContext,
  topics: TopicScheme,
  sharedUnit: string,
  asProcess: boolean,
): Promise<RunningNode> {
  const { env } = context;
  const unit = context.unit(spec.unit);
  const entry = asProcess ? demoProcessEntry('platform-node') : undefined;
  if (entry !== undefined) {
    const child = startDemoProcess('platform-node', {
      entry,
      args: [
        ...['--node', spec.id, '--prefix', topics.prefix, '--org', env.org],
        ...['--unit', unit, '--shared-unit', sharedUnit],
        ...['--log-level', context.logger.level],
      ],
      env: { A2A_MQTT_URL: env.brokerUrl },
      logger: context.logger,
    });
    const addresses: AgentAddress[] = [
      ...spec.agents.map((agent) => ({ org: env.org, unit, agent: agent.id })),
      { org: env.org, unit: sharedUnit, agent: summarizerId(spec.id) },
    ];
    let killed = false;
    context.defer(async () => {
      // A graceful stop clears the node's cards itself; after a kill they stay retained.
      const graceful = killed ? false : await child.stop();
      if (!graceful) await clearCards(env.brokerUrl, topics, addresses, context.logger);
    });
    await child.waitForEvent('ready', {
      timeoutMs: NODE_START_TIMEOUT_MS,
      what: `${spec.id} to start`,
      signal: context.signal,
    });
    return {
      spec,
      unit,
      where: `process ${child.pid}`,
      realProcess: true,
      local: undefined,
      kill: async () => {
        killed = true;
        await child.kill();
      },
    };
  }
  const node = await PlatformNode.start(spec, {
    brokerUrl: env.brokerUrl,
    org: env.org,
    unit,
    sharedUnit,
    topics,
    logger: context.logger,
  });
  let crashed = false;
  context.defer(async () => {
    if (crashed) await clearCards(env.brokerUrl, topics, node.addresses(), context.logger);
    else await node.close();
  });
  return {
    spec,
    unit,
    where: "in the demo's process",
    realProcess: false,
    local: node,
    kill: async () => {
      crashed = true;
      await node.crash();
    },
  };
}

/**
 * Scenario 3: an agent platform. Three nodes each serve every agent of one unit through one
 * wildcard subscription and are members of one pool; the pool shares load among them; an
 * agent added at runtime is discovered live; a killed node's cards go offline through their
 * wills while the other nodes keep serving. node-1 is a child process killed with SIGKILL
 * (when the demo is built; otherwise its sockets are destroyed in-process, and it says so).
 */
export const platformScenario: ScenarioDefinition = {
  id: 'platform',
  title: 'Agent platform',
  timeoutMs: 30_000,
  async run(context) {
    const { env } = context;
    const topics = createTopics({ prefix: env.prefix });
    const sharedUnit = context.unit('shared');
    const bounded = (what: string) => ({
      timeoutMs: DIRECTORY_WAIT_MS,
      what,
      signal: context.signal,
    });

    // The platform console watches every unit of the org.
    const observer = await connectMqttSession({
      url: env.brokerUrl,
      clientId: `${env.org}/${sharedUnit}/platform-console`,
      logger: context.logger,
    });
    context.defer(() => observer.close());
    const directory = createAgentDirectory({ session: observer, scope: { org: env.org }, topics });
    context.defer(() => directory.close());
    const events = new Observations<{ type: string; entry: DirectoryEntry; at: number }>();
    const watching = (async () => {
      for await (const event of directory.watch()) {
        if (event.type !== 'invalid') {
          events.push({ type: event.type, entry: event.entry, at: Date.now() });
        }
      }
    })();
    watching.catch(() => undefined);
    await directory.start();

    const nodes: RunningNode[] = [];
    for (const spec of NODES) {
      const node = await startNode(spec, context, topics, sharedUnit, spec.id === KILLED_NODE);
      nodes.push(node);
      context.progress(
        `${spec.id} (${node.where}) serves unit ${node.unit} (${spec.agents.map((a) => a.id).join(', ')}) via ${topics.requestFilter({ org: env.org, unit: node.unit })} and joins pool ${PLATFORM_POOL}`,
      );
    }
    const expected = nodes.flatMap((node) => [
      ...node.spec.agents.map((agent) => `${env.org}/${node.unit}/${agent.id}`),
      `${env.org}/${sharedUnit}/${summarizerId(node.spec.id)}`,
    ]);
    const onlineIds = (): Set<string> =>
      new Set(directory.list({ status: 'online' }).map((entry) => entry.id));
    // Re-checked on every directory event (no polling).
    await events.waitFor(
      () => expected.every((id) => onlineIds().has(id)),
      bounded('every card online'),
    );
    context.check('the console sees every card online', true, `${expected.length} agents`);

    // Load sharing through the pool.
    const pool = await createA2AMqttClient({
      url: env.brokerUrl,
      agent: summarizerId(NODES[0]?.id ?? ''),
      scope: { org: env.org, unit: sharedUnit },
      pool: PLATFORM_POOL,
      topics,
      requesterId: 'console',
      logger: context.logger,
    });
    context.defer(() => pool.close());
    const sendToPool = async (count: number, label: string): Promise<string[]> => {
      const responders: string[] = [];
      for (let index = 0; index < count; index++) {
        const result = await pool.client.sendMessage(
          sendMessageRequest(`${label} ${index + 1}: quarterly report of the platform team`),
        );
        const task = result as Task;
        responders.push(pool.requester.responderOf(task.id) ?? '?');
      }
      return responders;
    };
    const firstRound = await sendToPool(6, 'document');
    const distinct = new Set(firstRound);
    context.progress(`pool ${PLATFORM_POOL} answered 6 requests: ${countBy(firstRound)}`);
    context.check(
      'the pool shared the load among the nodes',
      distinct.size >= 2 && !distinct.has('?'),
      countBy(firstRound),
    );

    // An agent added at runtime is discovered live.
    const node2 = nodes[1];
    if (node2?.local === undefined) throw new Error('node-2 missing');
    const refundId = `${env.org}/${node2.unit}/${RUNTIME_AGENT.id}`;
    const addedAt = Date.now();
    await node2.local.addAgent(RUNTIME_AGENT);
    const seen = await events.waitFor(
      (items) => items.find((event) => event.type === 'added' && event.entry.id === refundId),
      bounded(`${refundId} in the console`),
    );
    context.progress(`${RUNTIME_AGENT.id} added to ${node2.spec.id} at runtime`);
    context.check(
      'the console discovered the new agent live',
      seen !== true,
      `${seen === true ? '?' : seen.at - addedAt} ms after it was added`,
    );
    const refund = await createA2AMqttClient({
      url: env.brokerUrl,
      agent: RUNTIME_AGENT.id,
      scope: { org: env.org, unit: node2.unit },
      topics,
      requesterId: 'console-refund',
      logger: context.logger,
    });
    context.defer(() => refund.close());
    const refundReply = (await refund.client.sendMessage(sendMessageRequest('order 4711'))) as Task;
    context.check(
      "the new agent answers through the node's wildcard subscription",
      messageText(refundReply.status?.message) === RUNTIME_AGENT.reply('order 4711'),
      messageText(refundReply.status?.message),
    );

    // Kill node-1: its cards go offline through the wills.
    const node1 = nodes[0];
    if (node1 === undefined) throw new Error('node-1 missing');
    const node1Ids = [
      ...node1.spec.agents.map((agent) => `${env.org}/${node1.unit}/${agent.id}`),
      `${env.org}/${sharedUnit}/${summarizerId(node1.spec.id)}`,
    ];
    await node1.kill();
    context.progress(
      node1.realProcess
        ? `${node1.spec.id} (${node1.where}) killed with SIGKILL: the OS dropped its connections without DISCONNECT`
        : `${node1.spec.id} crashed in-process (its sockets destroyed without DISCONNECT; apps/demo/dist is not built, so no process was killed)`,
      { crash: node1.realProcess ? 'SIGKILL' : 'in-process' },
    );
    const offlineByWill = (): string[] =>
      node1Ids.filter((id) => {
        const entry = directory.list().find((candidate) => candidate.id === id);
        return entry?.status === 'offline' && entry.statusSource === 'lwt';
      });
    await events.waitFor(
      () => offlineByWill().length === node1Ids.length,
      bounded(`the wills of ${node1.spec.id}`),
    );
    context.check(
      `every card of ${node1.spec.id} went offline through its will`,
      offlineByWill().length === node1Ids.length,
      node1Ids.map((id) => id.split('/').at(-1)).join(', '),
    );
    const stillOnline = expected.filter((id) => !node1Ids.includes(id));
    context.check(
      "the other nodes' cards stayed online",
      stillOnline.every((id) => onlineIds().has(id)),
      `${stillOnline.length} online`,
    );

    // The remaining nodes keep serving: their own agents and the pool.
    const triage = await createA2AMqttClient({
      url: env.brokerUrl,
      agent: 'triage',
      scope: { org: env.org, unit: node2.unit },
      topics,
      requesterId: 'console-triage',
      logger: context.logger,
    });
    context.defer(() => triage.close());
    const triageReply = (await triage.client.sendMessage(
      sendMessageRequest('VPN is down'),
    )) as Task;
    context.check(
      'node-2 still serves its unit',
      messageText(triageReply.status?.message).includes('team network'),
      messageText(triageReply.status?.message),
    );
    const secondRound = await sendToPool(4, 'memo');
    context.progress(`pool ${PLATFORM_POOL} after the kill: ${countBy(secondRound)}`);
    context.check(
      'the pool keeps serving without the killed node',
      secondRound.length === 4 &&
        !secondRound.includes(summarizerId(node1.spec.id)) &&
        !secondRound.includes('?'),
      countBy(secondRound),
    );
  },
};

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => `${value} x${count}`).join(', ');
}
