import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { type AgentRegistration, presenceWill, registerAgent } from '@a2a-mqtt/discovery';
import {
  type AgentAddress,
  clientIdFor,
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
import type { Logger } from 'pino';
import { demoCard, EchoAgentExecutor } from '../agents/index.js';
import { crashSession } from './support.js';

/** The pool every node joins. */
export const PLATFORM_POOL = 'summarize';

/** An agent a platform node serves. */
export interface PlatformAgentSpec {
  id: string;
  description: string;
  reply: (text: string) => string;
}

/** A platform node: its id, the (base) unit whose agents it serves, and those agents. */
export interface NodeSpec {
  id: string;
  /** Base name of the unit the node serves (all of its agents). */
  unit: string;
  agents: PlatformAgentSpec[];
}

/** The three nodes of scenario 3. */
export const NODES: readonly NodeSpec[] = [
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
export const RUNTIME_AGENT: PlatformAgentSpec = {
  id: 'refund',
  description: 'Refunds orders (added at runtime).',
  reply: (text) => `Refund approved for "${text}"`,
};

/** The agent id of a node's member of {@link PLATFORM_POOL}. */
export function summarizerId(nodeId: string): string {
  return `summarizer-${nodeId}`;
}

function summarizerReply(node: string): (text: string) => string {
  return (text) => `[${node}] summary: ${text.split(/\s+/).slice(0, 4).join(' ')}...`;
}

/** Where a node runs. */
export interface PlatformNodeOptions {
  brokerUrl: string;
  org: string;
  /** The unit the node serves (the spec's base unit plus the run's suffix). */
  unit: string;
  /** The unit of the pool members. */
  sharedUnit: string;
  topics: TopicScheme;
  logger: Logger;
}

/**
 * A platform node: one multi-agent host (one wildcard subscription for every agent of its
 * unit), one small presence session per agent (its card and its own Last Will), and a member
 * of the pool {@link PLATFORM_POOL}. Runs in the demo's process or as a child process
 * (`dist/platform-node.mjs`) that scenario 3 kills.
 */
export class PlatformNode {
  readonly presence = new Map<string, { session: MqttSession; registration: AgentRegistration }>();
  member: A2AMqttServer | undefined;
  #stopped = false;

  private constructor(
    readonly spec: NodeSpec,
    readonly host: MultiAgentHost,
    private readonly options: PlatformNodeOptions,
  ) {}

  /** The unit this node serves. */
  get unit(): string {
    return this.options.unit;
  }

  /** Starts the node: the host, every agent of the spec, the pool member. */
  static async start(spec: NodeSpec, options: PlatformNodeOptions): Promise<PlatformNode> {
    const logger = options.logger.child({ node: spec.id });
    const host = await createMultiAgentHost({
      session: { url: options.brokerUrl, logger: options.logger },
      scope: { org: options.org, unit: options.unit },
      hostId: spec.id,
      topics: options.topics,
      // Cards are registered by each agent's presence session (its own Last Will).
      register: false,
      shutdownTimeoutMs: 1_000,
      logger,
    });
    const node = new PlatformNode(spec, host, options);
    try {
      for (const agent of spec.agents) await node.addAgent(agent);
      const memberId = summarizerId(spec.id);
      node.member = await createA2AMqttServer({
        session: { url: options.brokerUrl, logger: options.logger },
        agent: { org: options.org, unit: options.sharedUnit, agent: memberId },
        requestHandler: createRequestHandler({
          agentCard: demoCard({
            name: memberId,
            description: `Summarizer on ${spec.id}, member of pool ${PLATFORM_POOL}.`,
            skills: [
              {
                id: 'summarize',
                name: 'Summarize',
                description: 'Summarizes text.',
                tags: ['pool'],
              },
            ],
          }),
          agentExecutor: new EchoAgentExecutor({ reply: summarizerReply(spec.id), stepDelayMs: 5 }),
        }),
        topics: options.topics,
        pool: PLATFORM_POOL,
        shutdownTimeoutMs: 1_000,
        logger: logger.child({ pool: PLATFORM_POOL }),
      });
    } catch (error) {
      await node.close().catch(() => undefined);
      throw error;
    }
    return node;
  }

  /** Serves one more agent of the node's unit and registers its card (online, with a will). */
  async addAgent(agent: PlatformAgentSpec): Promise<void> {
    const address: AgentAddress = { org: this.options.org, unit: this.unit, agent: agent.id };
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
      url: this.options.brokerUrl,
      clientId: clientIdFor(address),
      will: presenceWill({
        agent: address,
        card,
        topics: this.options.topics,
        broker: parseBrokerUrl(this.options.brokerUrl),
      }),
      logger: this.options.logger,
    });
    const registration = await registerAgent({
      session,
      agent: address,
      card,
      topics: this.options.topics,
    });
    this.presence.set(agent.id, { session, registration });
  }

  /** Every agent address whose card this node registered (its agents and its pool member). */
  addresses(): AgentAddress[] {
    const addresses: AgentAddress[] = [...this.presence.keys()].map((agent) => ({
      org: this.options.org,
      unit: this.unit,
      agent,
    }));
    if (this.member) addresses.push(this.member.agent);
    return addresses;
  }

  /**
   * Crashes the node inside this process: every connection drops without DISCONNECT (the
   * broker fires the wills). The child-process version is killed with SIGKILL instead.
   */
  async crash(): Promise<void> {
    this.#stopped = true;
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
    if (this.#stopped) return;
    this.#stopped = true;
    for (const { registration } of this.presence.values()) {
      await registration.unregister().catch(() => undefined);
    }
    await this.member?.registration?.unregister().catch(() => undefined);
    await this.member?.close({ timeoutMs: 1_000 });
    await this.host.close({ timeoutMs: 1_000 });
    await Promise.all([...this.presence.values()].map(({ session }) => session.close()));
  }
}

/**
 * Clears the retained cards of `addresses` (after a node was killed its cards stay retained,
 * offline). Each card is cleared under its own agent's identity: what an ACL lets it write.
 */
export async function clearCards(
  brokerUrl: string,
  topics: TopicScheme,
  addresses: readonly AgentAddress[],
  logger: Logger,
): Promise<void> {
  for (const address of addresses) {
    const session = await connectMqttSession({
      url: brokerUrl,
      clientId: clientIdFor(address),
      reconnect: { enabled: false },
      logger,
    });
    try {
      await session.publish(topics.discovery(address), '', { qos: 1, retain: true });
    } finally {
      await session.close();
    }
  }
}
