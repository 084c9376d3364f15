/**
 * Registration: an agent's retained card with presence, republished after reconnects.
 */
import type { AgentCard } from '@a2a-js/sdk';
import type { Logger, MqttSession } from '@a2a-mqtt/connection';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  type AgentAddress,
  type BrokerEndpoint,
  createTopics,
  PRESENCE_STATUS,
  STATUS_SOURCE,
  type TopicScheme,
  USER_PROPERTY,
} from '@a2a-mqtt/protocol';
import { type PreparedAgentCard, prepareAgentCard } from './card-codec.js';
import { CARD_CONTENT_TYPE, checkAddress } from './presence.js';

/** Options of {@link registerAgent}. */
export interface RegisterAgentOptions {
  /** The agent's connected (or connecting) session, ideally with a {@link presenceWill}. */
  session: MqttSession;
  /** The agent's address; its discovery topic is `{prefix}/discovery/{org}/{unit}/{agent}`. */
  agent: AgentAddress;
  /** The card to publish; the MQTT interface entry of `agent` is added to a copy of it. */
  card: AgentCard;
  /**
   * Topic scheme (prefix).
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * Broker the MQTT interface entry points at (what clients connect to).
   * @default session.endpoint
   */
  broker?: BrokerEndpoint | string;
  /**
   * Logger for republish failures after reconnects.
   * @default NOOP logger
   */
  logger?: Logger;
}

/** A registered agent; see {@link registerAgent}. */
export interface AgentRegistration {
  /** The card as published (with the MQTT interface entry). */
  readonly card: AgentCard;
  /** The agent's address. */
  readonly address: AgentAddress;
  /** The discovery topic of the agent. */
  readonly topic: string;
  /** `true` until {@link AgentRegistration.stop} or {@link AgentRegistration.unregister}. */
  readonly active: boolean;
  /**
   * Replaces the card: validates it and republishes the full card (online / agent). Only while
   * {@link AgentRegistration.active}: a stopped or unregistered registration is final (register
   * again with {@link registerAgent}).
   * @throws {A2AMqttError} `CLOSED` after {@link AgentRegistration.stop} or
   * {@link AgentRegistration.unregister} (nothing is published), `INVALID_AGENT_CARD`,
   * `NOT_AUTHORIZED` (the broker refused the publish).
   */
  update(card: AgentCard): Promise<void>;
  /**
   * Graceful shutdown: republishes the card with `a2a-status=offline`,
   * `a2a-status-source=agent` and stops republishing after reconnects. Close the session
   * afterwards with a normal DISCONNECT so the broker discards the Last Will. Idempotent: a
   * second call, or a call after {@link AgentRegistration.unregister}, publishes nothing.
   */
  stop(): Promise<void>;
  /**
   * Clears the retained card (empty retained payload) and stops republishing. The Last Will
   * set at CONNECT time stays armed until the session closes cleanly, so close it gracefully
   * (a crash would otherwise re-publish the card as offline). Allowed after
   * {@link AgentRegistration.stop}; a second call publishes nothing.
   */
  unregister(): Promise<void>;
}

/**
 * Registers an agent: publishes its card retained (QoS 1, content type `application/json`, like
 * the {@link presenceWill}) on its discovery topic with `a2a-status=online`,
 * `a2a-status-source=agent`, and republishes it after every reconnect.
 *
 * @throws {A2AMqttError} `INVALID_AGENT_CARD` (what is wrong with the card),
 * `INVALID_IDENTIFIER`, `NOT_AUTHORIZED` (the broker refused the publish, e.g. ACL).
 * @example
 * ```ts
 * const agent = { org: 'acme', unit: 'support', agent: 'triage' };
 * const session = await connectMqttSession({
 *   url, clientId: clientIdFor(agent), will: presenceWill({ agent, card, broker: url }),
 * });
 * const registration = await registerAgent({ session, agent, card });
 * try {
 *   // ... serve requests ...
 * } finally {
 *   await registration.stop();
 *   await session.close();
 * }
 * ```
 */
export async function registerAgent(options: RegisterAgentOptions): Promise<AgentRegistration> {
  const registration = new DefaultAgentRegistration(options);
  await registration.publishOnline();
  registration.attach();
  return registration;
}

class DefaultAgentRegistration implements AgentRegistration {
  readonly address: AgentAddress;
  readonly topic: string;
  private readonly session: MqttSession;
  private readonly topics: TopicScheme;
  private readonly broker: BrokerEndpoint | string | undefined;
  private readonly logger: Logger | undefined;
  private prepared: PreparedAgentCard;
  private state: 'active' | 'stopped' | 'unregistered' = 'active';
  private readonly onConnect = (): void => {
    if (this.state !== 'active') return;
    this.publishOnline().catch((error: unknown) => {
      this.logger?.warn(
        { topic: this.topic, err: error },
        'a2a-mqtt discovery: republishing the agent card after reconnect failed',
      );
    });
  };

  constructor(options: RegisterAgentOptions) {
    this.session = options.session;
    this.topics = options.topics ?? createTopics();
    this.address = checkAddress(options.agent);
    this.topic = this.topics.discovery(this.address);
    this.broker = options.broker ?? options.session.endpoint;
    this.logger = options.logger;
    this.prepared = this.prepare(options.card);
  }

  get card(): AgentCard {
    return this.prepared.card;
  }

  get active(): boolean {
    return this.state === 'active';
  }

  attach(): void {
    this.session.on('connect', this.onConnect);
  }

  private prepare(card: AgentCard): PreparedAgentCard {
    return prepareAgentCard({
      card,
      agent: this.address,
      topics: this.topics,
      broker: this.broker,
    });
  }

  async publishOnline(): Promise<void> {
    await this.publish(this.prepared.payload, PRESENCE_STATUS.ONLINE);
  }

  /**
   * Publishes `payload` retained at QoS 1: a card (with `status`, source `agent`, and the content
   * type the Last Will also carries) or, without `status`, the empty unregister message.
   */
  private async publish(payload: string, status: string | undefined): Promise<void> {
    await this.session.publish(this.topic, payload, {
      qos: 1,
      retain: true,
      ...(status === undefined
        ? {}
        : {
            properties: {
              contentType: CARD_CONTENT_TYPE,
              userProperties: {
                [USER_PROPERTY.STATUS]: status,
                [USER_PROPERTY.STATUS_SOURCE]: STATUS_SOURCE.AGENT,
              },
            },
          }),
    });
  }

  async update(card: AgentCard): Promise<void> {
    this.assertActive('update');
    const prepared = this.prepare(card);
    await this.publish(prepared.payload, PRESENCE_STATUS.ONLINE);
    this.prepared = prepared;
  }

  async stop(): Promise<void> {
    if (this.state !== 'active') return;
    this.state = 'stopped';
    this.session.off('connect', this.onConnect);
    await this.publish(this.prepared.payload, PRESENCE_STATUS.OFFLINE);
  }

  async unregister(): Promise<void> {
    if (this.state === 'unregistered') return;
    this.state = 'unregistered';
    this.session.off('connect', this.onConnect);
    await this.publish('', undefined);
  }

  private assertActive(operation: string): void {
    if (this.state !== 'active') {
      throw new A2AMqttError({
        code: A2A_MQTT_ERROR_CODE.CLOSED,
        message: `cannot ${operation} the registration of ${this.topic}: it was ${this.state}`,
      });
    }
  }
}
