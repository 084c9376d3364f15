import type { Task } from '@a2a-js/sdk';
import { createA2AMqttClient } from '@a2a-mqtt/client';
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import {
  type AgentRegistration,
  createAgentDirectory,
  type DirectoryEntry,
  presenceWill,
  registerAgent,
} from '@a2a-mqtt/discovery';
import {
  type AgentAddress,
  clientIdFor,
  createTopics,
  parseBrokerUrl,
  type TopicScheme,
} from '@a2a-mqtt/protocol';
import {
  type A2AMqttServer,
  createA2AMqttServer,
  createMultiAgentHost,
  createRequestHandler,
  type MultiAgentHost,
} from '@a2a-mqtt/server';
import { demoCard, EchoAgentExecutor, messageText, sendMessageRequest } from '../agents/index.js';
import type { ScenarioContext, ScenarioDefinition } from './scenario.js';
import { crashSession, waitUntil } from './support.js';

/** The pool every node joins. */
export const PLATFORM_POOL = 'summarize';

interface PlatformAgentSpec {
  id: string;
  description: string;
  reply: (text: string) => string;
}

interface NodeSpec {
  id: string;
  /** Base name of the unit the node serves (all of its agents). */
  unit: string;
  agents: PlatformAgentSpec[];
}

const NODES: NodeSpec[] = [
  {
    id: 'node-1',
    unit: 'sales',
    agents: [
      {
        id: 'quote',
        description: 'Prices an order.',
        reply: (text) => `Quote for "${text}": 1 200 EUR`,
      },
      {
        id: 'invoice',
        description: 'Issues invoices.',
        reply: (text) => `Invoice drafted for "${text}"`,
      },
    ],
  },
  {
    id: 'node-2',
    unit: 'support',
    agents: [
      {
        id: 'triage',
        description: 'Routes support tickets.',
        reply: (text) => `Ticket "${text}" -> team network`,
      },
      {
        id: 'faq',
        description: 'Answers common questions.',
        reply: (text) => `FAQ answer for "${text}"`,
      },
    ],
  },
  {
    id: 'node-3',
    unit: 'research',
    agents: [
      {
        id: 'search',
        description: 'Searches the knowledge base.',
        reply: (text) => `3 documents match "${text}"`,
      },
    ],
  },
];

/** The agent added at runtime (on node-2, unit support). */
const RUNTIME_AGENT: PlatformAgentSpec = {
  id: 'refund',
  description: 'Refunds orders (added at runtime).',
  reply: (text) => `Refund approved for "${text}"`,
};

function summarizerReply(node: string): (text: string) => string {
  return (text) => `[${node}] summary: ${text.split(/\s+/).slice(0, 4).join(' ')}...`;
}

/** A platform node: one multi-agent host (one wildcard subscription) + presence + a pool member. */
class PlatformNode {
  readonly presence = new Map<string, { session: MqttSession; registration: AgentRegistration }>();
  member: A2AMqttServer | undefined;
  killed = false;

  private constructor(
    readonly spec: NodeSpec,
    readonly unit: string,
    readonly host: MultiAgentHost,
    private readonly context: ScenarioContext,
    private readonly topics: TopicScheme,
  ) {}

  static async start(
    spec: NodeSpec,
    context: ScenarioContext,
    topics: TopicScheme,
    sharedUnit: string,
  ): Promise<PlatformNode> {
    const unit = context.unit(spec.unit);
    const host = await createMultiAgentHost({
      session: { url: context.env.brokerUrl, logger: context.logger },
      scope: { org: context.env.org, unit },
      hostId: spec.id,
      topics,
      // Cards are registered by each agent's presence session (its own Last Will).
      register: false,
      shutdownTimeoutMs: 1_000,
      logger: context.logger.child({ node: spec.id }),
    });
    const node = new PlatformNode(spec, unit, host, context, topics);
    context.defer(() => node.close());
    for (const agent of spec.agents) await node.addAgent(agent);
    node.member = await createA2AMqttServer({
      session: { url: context.env.brokerUrl, logger: context.logger },
      agent: { org: context.env.org, unit: sharedUnit, agent: `summarizer-${spec.id}` },
      requestHandler: createRequestHandler({
        agentCard: demoCard({
          name: `summarizer-${spec.id}`,
          description: `Summarizer on ${spec.id}, member of pool ${PLATFORM_POOL}.`,
          skills: [
            { id: 'summarize', name: 'Summarize', description: 'Summarizes text.', tags: ['pool'] },
          ],
        }),
        agentExecutor: new EchoAgentExecutor({ reply: summarizerReply(spec.id), stepDelayMs: 5 }),
      }),
      topics,
      pool: PLATFORM_POOL,
      shutdownTimeoutMs: 1_000,
      logger: context.logger.child({ node: spec.id, pool: PLATFORM_POOL }),
    });
    return node;
  }

  /** Serves one more agent of the node's unit and registers its card (online, with a will). */
  async addAgent(agent: PlatformAgentSpec): Promise<void> {
    const address: AgentAddress = { org: this.context.env.org, unit: this.unit, agent: agent.id };
    const card = demoCard({
      name: agent.id,
      description: agent.description,
      skills: [
        { id: agent.id, name: agent.id, description: agent.description, tags: [this.spec.unit] },
      ],
    });
    await this.host.addAgent({
      agent: agent.id,
      requestHandler: createRequestHandler({
        agentCard: card,
        agentExecutor: new EchoAgentExecutor({ reply: agent.reply, stepDelayMs: 5 }),
      }),
    });
    // One will covers one card: each agent's presence has its own small session.
    const session = await connectMqttSession({
      url: this.context.env.brokerUrl,
      clientId: clientIdFor(address),
      will: presenceWill({
        agent: address,
        card,
        topics: this.topics,
        broker: parseBrokerUrl(this.context.env.brokerUrl),
      }),
      logger: this.context.logger,
    });
    const registration = await registerAgent({
      session,
      agent: address,
      card,
      topics: this.topics,
    });
    this.presence.set(agent.id, { session, registration });
  }

  /** Kills the node: every connection drops without DISCONNECT (the broker fires the wills). */
  async kill(): Promise<void> {
    this.killed = true;
    const sessions = [
      this.host.session,
      ...[...this.presence.values()].map((entry) => entry.session),
      ...(this.member ? [this.member.session] : []),
    ];
    for (const session of sessions) session.destroySocket();
    await Promise.all(sessions.map((session) => crashSession(session)));
  }

  /** Graceful stop, clearing the node's cards (the demo leaves nothing retained behind). */
  async close(): Promise<void> {
    if (!this.killed) {
      for (const { registration } of this.presence.values()) {
        await registration.unregister().catch(() => undefined);
      }
      await this.member?.registration?.unregister().catch(() => undefined);
      await this.member?.close({ timeoutMs: 1_000 });
      await this.host.close({ timeoutMs: 1_000 });
      await Promise.all([...this.presence.values()].map(({ session }) => session.close()));
      return;
    }
    // A killed node's cards stay retained (offline); clear them so a shared broker stays tidy.
    // Each card is cleared under its own agent's identity (what an ACL lets it write).
    const addresses: AgentAddress[] = [...this.presence.keys()].map((agent) => ({
      org: this.context.env.org,
      unit: this.unit,
      agent,
    }));
    if (this.member) addresses.push(this.member.agent);
    for (const address of addresses) {
      const session = await connectMqttSession({
        url: this.context.env.brokerUrl,
        clientId: clientIdFor(address),
        logger: this.context.logger,
      });
      try {
        await session.publish(this.topics.discovery(address), '', { qos: 1, retain: true });
      } finally {
        await session.close();
      }
    }
  }
}

/**
 * Scenario 3: an agent platform. Three nodes each serve every agent of one unit through one
 * wildcard subscription and are members of one pool; the pool shares load among them; an
 * agent added at runtime is discovered live; a killed node's cards go offline through their
 * wills while the other nodes keep serving.
 */
export const platformScenario: ScenarioDefinition = {
  id: 'platform',
  title: 'Agent platform',
  timeoutMs: 30_000,
  async run(context) {
    const { env } = context;
    const topics = createTopics({ prefix: env.prefix });
    const sharedUnit = context.unit('shared');

    // The platform console watches every unit of the org.
    const observer = await connectMqttSession({
      url: env.brokerUrl,
      clientId: `${env.org}/${sharedUnit}/platform-console`,
      logger: context.logger,
    });
    context.defer(() => observer.close());
    const directory = createAgentDirectory({ session: observer, scope: { org: env.org }, topics });
    context.defer(() => directory.close());
    const events: { type: string; entry: DirectoryEntry; at: number }[] = [];
    const watching = (async () => {
      for await (const event of directory.watch()) {
        if (event.type !== 'invalid')
          events.push({ type: event.type, entry: event.entry, at: Date.now() });
      }
    })();
    watching.catch(() => undefined);
    await directory.start();

    const nodes: PlatformNode[] = [];
    for (const spec of NODES) {
      nodes.push(await PlatformNode.start(spec, context, topics, sharedUnit));
      context.progress(
        `${spec.id} serves unit ${context.unit(spec.unit)} (${spec.agents.map((a) => a.id).join(', ')}) via ${topics.requestFilter({ org: env.org, unit: context.unit(spec.unit) })} and joins pool ${PLATFORM_POOL}`,
      );
    }
    const expected = NODES.flatMap((spec) => [
      ...spec.agents.map((agent) => `${env.org}/${context.unit(spec.unit)}/${agent.id}`),
      `${env.org}/${sharedUnit}/summarizer-${spec.id}`,
    ]);
    const onlineIds = (): Set<string> =>
      new Set(directory.list({ status: 'online' }).map((entry) => entry.id));
    await waitUntil(() => expected.every((id) => onlineIds().has(id)), {
      timeoutMs: 5_000,
      what: 'every card online',
    });
    context.check('the console sees every card online', true, `${expected.length} agents`);

    // Load sharing through the pool.
    const pool = await createA2AMqttClient({
      url: env.brokerUrl,
      agent: `summarizer-${NODES[0]?.id}`,
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
    if (node2 === undefined) throw new Error('node-2 missing');
    const refundId = `${env.org}/${node2.unit}/${RUNTIME_AGENT.id}`;
    const addedAt = Date.now();
    await node2.addAgent(RUNTIME_AGENT);
    await waitUntil(
      () => events.some((event) => event.type === 'added' && event.entry.id === refundId),
      {
        timeoutMs: 5_000,
        what: `${refundId} in the console`,
      },
    );
    const seen = events.find((event) => event.type === 'added' && event.entry.id === refundId);
    context.progress(`${RUNTIME_AGENT.id} added to ${node2.spec.id} at runtime`);
    context.check(
      'the console discovered the new agent live',
      seen !== undefined,
      `${seen ? seen.at - addedAt : '?'} ms after it was added`,
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
      `${env.org}/${sharedUnit}/summarizer-${node1.spec.id}`,
    ];
    await node1.kill();
    context.progress(`${node1.spec.id} killed (connections dropped without DISCONNECT)`);
    const offlineByWill = (): string[] =>
      node1Ids.filter((id) => {
        const entry = directory.list().find((candidate) => candidate.id === id);
        return entry?.status === 'offline' && entry.statusSource === 'lwt';
      });
    await waitUntil(() => offlineByWill().length === node1Ids.length, {
      timeoutMs: 10_000,
      what: `the wills of ${node1.spec.id}`,
    });
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
        !secondRound.includes(`summarizer-${node1.spec.id}`) &&
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
