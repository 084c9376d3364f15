/**
 * The single-agent server: one agent, its direct request topic, optionally a pool, its card.
 */
import type { AgentCard } from '@a2a-js/sdk';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import {
  type MqttSession,
  type MqttSessionOptions,
  NOOP_LOGGER,
  type Subscription,
} from '@a2a-mqtt/connection';
import { type AgentRegistration, presenceWill, registerAgent } from '@a2a-mqtt/discovery';
import {
  type AgentAddress,
  clientIdFor,
  createTopics,
  USER_PROPERTY,
  type UserProperties,
  validateAgentAddress,
} from '@a2a-mqtt/protocol';
import { AgentEndpoint } from './agent-endpoint.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './defaults.js';
import type { ServerMetrics } from './metrics.js';
import { RequestIntake } from './request-intake.js';
import {
  openServingSession,
  type PoolMembership,
  poolFilter,
  resolveLimits,
  type ServingOptions,
  subscribeAndConnect,
  unsubscribeAll,
} from './session-support.js';

/** Options of {@link createA2AMqttServer}. */
export interface A2AMqttServerOptions extends ServingOptions {
  /**
   * The MQTT session: an `MqttSession` you own (connected or not; `close()` leaves it open),
   * or options to create one that the server owns (client id `{org}/{unit}/{agent}`, the
   * presence Last Will when `register` is on; `close()` closes it). For offline delivery give
   * `session: { persistent: true, expiryIntervalSeconds }` and a fixed client id.
   */
  session: MqttSession | MqttSessionOptions;
  /** The agent's address; requests arrive on `{prefix}/request/{org}/{unit}/{agent}`. */
  agent: AgentAddress;
  /**
   * Any @a2a-js/sdk request handler, normally a `DefaultRequestHandler` whose task store is
   * wrapped in {@link RequesterTaskIdStore} (see {@link createRequestHandler}).
   */
  requestHandler: A2ARequestHandler;
  /**
   * Also serve a pool through a shared subscription (`$share/{group}/.../pool/{pool}`);
   * pooled replies carry `a2a-responder-agent-id`.
   * @default undefined (direct topic only)
   */
  pool?: string | PoolMembership;
}

/** Options of {@link A2AMqttServer.close}. */
export interface ServerCloseOptions {
  /** @default the server's `shutdownTimeoutMs` */
  timeoutMs?: number;
}

/** A running single-agent server. */
export interface A2AMqttServer {
  /** The agent served. */
  readonly agent: AgentAddress;
  /** The session used (owned or yours). */
  readonly session: MqttSession;
  /** The direct request topic. */
  readonly requestTopic: string;
  /** The shared-subscription filter of the pool, when serving one. */
  readonly poolFilter: string | undefined;
  /** The card registration, when `register` is on. */
  readonly registration: AgentRegistration | undefined;
  /** Counters and gauges (received, replied, dropped and rejected by reason, in flight). */
  metrics(): ServerMetrics;
  /**
   * Graceful shutdown: stops intake (later requests get `-32004`), lets running requests and
   * streams finish within the timeout, publishes the offline card, closes an owned session.
   */
  close(options?: ServerCloseOptions): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Serves an @a2a-js/sdk request handler over MQTT v5 as one agent: subscribes its direct
 * request topic (and its pool), publishes each reply and stream item to the request's
 * Response Topic with the Correlation Data echoed, and registers its card.
 *
 * @example
 * ```ts
 * const agent = { org: 'acme', unit: 'support', agent: 'echo' };
 * const server = await createA2AMqttServer({
 *   session: { url: 'mqtt://localhost:1883' },
 *   agent,
 *   requestHandler: createRequestHandler({ agentCard, agentExecutor: new EchoExecutor() }),
 * });
 * // ... later
 * await server.close();
 * ```
 */
export async function createA2AMqttServer(options: A2AMqttServerOptions): Promise<A2AMqttServer> {
  const agent = validateAgentAddress(options.agent);
  const topics = options.topics ?? createTopics();
  const logger = options.logger ?? NOOP_LOGGER;
  const limits = resolveLimits(options);
  const register = options.register ?? true;
  const card = await options.requestHandler.getAgentCard();

  const { session, owned, broker, keepSubscriptions } = openServingSession(
    options,
    (cardBroker) => ({
      clientId: clientIdFor(agent),
      will: register ? presenceWill({ agent, card, topics, broker: cardBroker }) : undefined,
    }),
  );

  const intake = new RequestIntake(session, limits, logger);
  const endpoint = new AgentEndpoint({
    address: agent,
    requestHandler: options.requestHandler,
    card,
    authenticate: options.authenticate,
    contextBuilder: options.contextBuilder,
    requireRequesterTaskId: options.requireRequesterTaskId ?? true,
    metrics: intake.metrics,
    logger,
  });
  const requestTopic = topics.request(agent);
  const pool = options.pool === undefined ? undefined : poolFilter(topics, agent, options.pool);
  const pooledReplyProperties: UserProperties = Object.freeze({
    [USER_PROPERTY.RESPONDER_AGENT_ID]: agent.agent,
  }) as UserProperties;

  const entries = [
    {
      filter: requestTopic,
      handler: (message: Parameters<typeof intake.accept>[0]) =>
        intake.accept(message, endpoint, undefined),
    },
  ];
  if (pool) {
    entries.push({
      filter: pool.filter,
      handler: (message) => intake.accept(message, endpoint, pooledReplyProperties),
    });
  }

  let subscriptions: Subscription[] = [];
  let registration: AgentRegistration | undefined;
  try {
    subscriptions = await subscribeAndConnect(session, entries);
    if (register) {
      registration = await registerAgent({
        session,
        agent,
        card: card as AgentCard,
        topics,
        broker,
        logger,
      });
    }
  } catch (error) {
    await unsubscribeAll(subscriptions);
    if (owned) await session.close().catch(() => undefined);
    throw error;
  }
  logger.info(
    { agent: clientIdFor(agent), requestTopic, pool: pool?.filter },
    'A2A MQTT server started',
  );

  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  let closing: Promise<void> | undefined;
  const close = (closeOptions: ServerCloseOptions = {}): Promise<void> => {
    if (!closing) intake.stopAccepting();
    closing ??= (async () => {
      const deadline = Date.now() + (closeOptions.timeoutMs ?? shutdownTimeoutMs);
      if (!keepSubscriptions) await unsubscribeAll(subscriptions);
      const abandoned = await intake.drain(deadline);
      if (abandoned > 0)
        logger.warn({ abandoned }, 'shutdown deadline reached with requests still running');
      if (registration?.active)
        await registration.stop().catch((error: unknown) => {
          logger.warn({ err: String(error) }, 'offline card could not be published');
        });
      if (owned) await session.close();
      logger.info({ agent: clientIdFor(agent) }, 'A2A MQTT server closed');
    })();
    return closing;
  };

  return {
    agent,
    session,
    requestTopic,
    poolFilter: pool?.filter,
    registration,
    metrics: () => intake.snapshot(),
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}
