/**
 * The multi-agent host: one process, one session, one wildcard subscription on
 * `{prefix}/request/{org}/{unit}/+`, and any number of agents added and removed at runtime.
 */
import { randomBytes } from 'node:crypto';
import type { AgentCard } from '@a2a-js/sdk';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import {
  type InboundMessage,
  type MqttSession,
  type MqttSessionOptions,
  NOOP_LOGGER,
  type Subscription,
} from '@a2a-mqtt/connection';
import { type AgentRegistration, registerAgent } from '@a2a-mqtt/discovery';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  type AgentAddress,
  clientIdFor,
  createTopics,
  type UnitScope,
  USER_PROPERTY,
  type UserProperties,
  validateIdentifier,
} from '@a2a-mqtt/protocol';
import { AgentEndpoint } from './agent-endpoint.js';
import type { AuthenticateHook } from './call-context.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './defaults.js';
import type { ServerMetrics } from './metrics.js';
import { RequestIntake } from './request-intake.js';
import {
  invalid,
  openServingSession,
  type PoolMembership,
  poolFilter,
  resolveLimits,
  type ServingOptions,
  subscribeAndConnect,
  unsubscribeAll,
} from './session-support.js';

/** Options of {@link createMultiAgentHost}. */
export interface MultiAgentHostOptions extends ServingOptions {
  /**
   * The MQTT session (yours, left open by `close()`), or options to create one the host owns
   * (client id `{org}/{unit}/{hostId}`; no Last Will: one will cannot cover many cards).
   */
  session: MqttSession | MqttSessionOptions;
  /** The org and unit whose agents this host serves. */
  scope: UnitScope;
  /**
   * The host's own agent id, used for an owned session's client id.
   * @default `host-` + 8 random hex characters
   */
  hostId?: string;
}

/** Options of {@link MultiAgentHost.addAgent}. */
export interface HostedAgentOptions {
  /** The agent id inside the host's scope. */
  agent: string;
  /** The agent's @a2a-js/sdk request handler. */
  requestHandler: A2ARequestHandler;
  /** Also serve this pool (members of one pool inside a host share one subscription). @default undefined */
  pool?: string | PoolMembership;
  /** Register the card. @default the host's `register` */
  register?: boolean;
  /** Authentication hook of this agent. @default the host's `authenticate` */
  authenticate?: AuthenticateHook;
}

/** Options of {@link MultiAgentHost.removeAgent}. */
export interface RemoveAgentOptions {
  /** Time given to the agent's running requests. @default the host's `shutdownTimeoutMs` */
  timeoutMs?: number;
  /** Clear the retained card (`true`) or only publish it offline (`false`). @default true */
  unregister?: boolean;
}

/** An agent served by a {@link MultiAgentHost}. */
export interface HostedAgent {
  /** Its address. */
  readonly address: AgentAddress;
  /** Its card, as the request handler returned it. */
  readonly card: AgentCard;
  /** Its card registration, when registered. */
  readonly registration: AgentRegistration | undefined;
}

/** A running multi-agent host. */
export interface MultiAgentHost {
  /** The session used. */
  readonly session: MqttSession;
  /** The scope served. */
  readonly scope: UnitScope;
  /** The wildcard filter subscribed (`{prefix}/request/{org}/{unit}/+`). */
  readonly requestFilter: string;
  /** Starts serving an agent (and registers its card). Throws `INVALID_OPTIONS` if already served. */
  addAgent(options: HostedAgentOptions): Promise<HostedAgent>;
  /**
   * Stops serving an agent: its later requests get `-32004`, running ones may finish within
   * the timeout, then its card is unregistered. Resolves `false` if it was not served.
   */
  removeAgent(agent: string, options?: RemoveAgentOptions): Promise<boolean>;
  /** The agent ids served now. */
  agents(): string[];
  /** The hosted agent, if served. */
  get(agent: string): HostedAgent | undefined;
  /** Counters and gauges of the whole host. */
  metrics(): ServerMetrics;
  /** Graceful shutdown of every agent (offline cards), then an owned session. */
  close(options?: { timeoutMs?: number }): Promise<void>;
  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface HostedEntry extends HostedAgent {
  endpoint: AgentEndpoint;
  registration: AgentRegistration | undefined;
  poolKey: string | undefined;
  pooledReplyProperties: UserProperties;
}

interface PoolEntry {
  filter: string;
  subscription: Subscription | undefined;
  members: HostedEntry[];
  next: number;
}

/**
 * Serves many agents of one org/unit from one process through a single wildcard subscription,
 * dispatching each request by the last topic level to that agent's request handler.
 *
 * @example
 * ```ts
 * const host = await createMultiAgentHost({
 *   session: { url: 'mqtt://localhost:1883' },
 *   scope: { org: 'acme', unit: 'support' },
 * });
 * await host.addAgent({ agent: 'echo', requestHandler: createRequestHandler({ agentCard, agentExecutor }) });
 * await host.removeAgent('echo');
 * await host.close();
 * ```
 */
export async function createMultiAgentHost(
  options: MultiAgentHostOptions,
): Promise<MultiAgentHost> {
  const scope: UnitScope = {
    org: validateIdentifier(options.scope?.org, 'org'),
    unit: validateIdentifier(options.scope?.unit, 'unit'),
  };
  const topics = options.topics ?? createTopics();
  const logger = options.logger ?? NOOP_LOGGER;
  const limits = resolveLimits(options);
  const registerDefault = options.register ?? true;
  const hostId = validateIdentifier(
    options.hostId ?? `host-${randomBytes(4).toString('hex')}`,
    'agent',
  );
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;

  const { session, owned, broker, keepSubscriptions } = openServingSession(options, () => ({
    clientId: clientIdFor({ ...scope, agent: hostId }),
    will: undefined,
  }));

  const intake = new RequestIntake(session, limits, logger);
  const hosted = new Map<string, HostedEntry>();
  const pools = new Map<string, PoolEntry>();
  const requestFilter = topics.requestFilter(scope);
  let closing: Promise<void> | undefined;

  const onDirect = (message: InboundMessage): void => {
    const agent = message.topic.slice(message.topic.lastIndexOf('/') + 1);
    intake.accept(message, hosted.get(agent)?.endpoint, undefined);
  };

  let wildcard: Subscription | undefined;
  try {
    [wildcard] = await subscribeAndConnect(session, [{ filter: requestFilter, handler: onDirect }]);
  } catch (error) {
    // An owned session would otherwise stay connected (socket, keepalive timer) with nobody
    // left to close it.
    if (owned) await session.close().catch(() => undefined);
    throw error;
  }
  const subscriptions = new Set<Subscription>(wildcard ? [wildcard] : []);
  logger.info({ requestFilter }, 'A2A MQTT multi-agent host started');

  const joinPool = async (entry: HostedEntry, pool: string | PoolMembership): Promise<void> => {
    const { filter } = poolFilter(topics, scope, pool);
    entry.poolKey = filter;
    let poolEntry = pools.get(filter);
    if (!poolEntry) {
      const created: PoolEntry = { filter, subscription: undefined, members: [], next: 0 };
      pools.set(filter, created);
      poolEntry = created;
      created.members.push(entry);
      const onPooled = (message: InboundMessage): void => {
        if (created.members.length === 0) {
          intake.accept(message, undefined, undefined);
          return;
        }
        const member = created.members[created.next % created.members.length]!;
        created.next = (created.next + 1) % created.members.length;
        intake.accept(message, member.endpoint, member.pooledReplyProperties);
      };
      created.subscription = await session.subscribe(filter, onPooled, { qos: 1 });
      subscriptions.add(created.subscription);
      return;
    }
    poolEntry.members.push(entry);
  };

  const leavePool = async (entry: HostedEntry): Promise<void> => {
    if (entry.poolKey === undefined) return;
    const poolEntry = pools.get(entry.poolKey);
    if (!poolEntry) return;
    poolEntry.members = poolEntry.members.filter((member) => member !== entry);
    if (poolEntry.members.length === 0) {
      pools.delete(entry.poolKey);
      if (poolEntry.subscription) {
        subscriptions.delete(poolEntry.subscription);
        await poolEntry.subscription.unsubscribe().catch(() => undefined);
      }
    }
  };

  const addAgent = async (agentOptions: HostedAgentOptions): Promise<HostedAgent> => {
    if (closing) invalid('the host is closing');
    const agentId = validateIdentifier(agentOptions.agent, 'agent');
    if (hosted.has(agentId)) invalid(`agent '${agentId}' is already served by this host`);
    const address: AgentAddress = { ...scope, agent: agentId };
    const card = await agentOptions.requestHandler.getAgentCard();
    const endpoint = new AgentEndpoint({
      address,
      requestHandler: agentOptions.requestHandler,
      card,
      authenticate: agentOptions.authenticate ?? options.authenticate,
      contextBuilder: options.contextBuilder,
      requireRequesterTaskId: options.requireRequesterTaskId ?? true,
      metrics: intake.metrics,
      logger,
    });
    const entry: HostedEntry = {
      address,
      card,
      endpoint,
      registration: undefined,
      poolKey: undefined,
      pooledReplyProperties: Object.freeze({
        [USER_PROPERTY.RESPONDER_AGENT_ID]: agentId,
      }) as UserProperties,
    };
    // `close()` may have started while the card was being read: do not add to a closed host.
    if (closing) throw closedWhileAdding(agentId);
    if (hosted.has(agentId)) invalid(`agent '${agentId}' is already served by this host`);
    hosted.set(agentId, entry);
    try {
      if (agentOptions.pool !== undefined) await joinPool(entry, agentOptions.pool);
      if (closing) throw closedWhileAdding(agentId);
      if (agentOptions.register ?? registerDefault) {
        entry.registration = await registerAgent({
          session,
          agent: address,
          card,
          topics,
          broker,
          logger,
        });
      }
      // `close()` ran while this agent was joining: its shutdown pass may not have seen this
      // registration, whose 'connect' listener would stay on the session and whose card would
      // stay online. Undo everything and report the host as closed.
      if (closing) throw closedWhileAdding(agentId);
    } catch (error) {
      if (hosted.get(agentId) === entry) hosted.delete(agentId);
      await leavePool(entry);
      if (entry.registration?.active) {
        await entry.registration
          .stop()
          .catch((stopError: unknown) =>
            logger.warn(
              { agent: agentId, err: String(stopError) },
              'offline card could not be published',
            ),
          );
      }
      throw error;
    }
    logger.debug({ agent: agentId }, 'agent added to host');
    return entry;
  };

  const removeAgent = async (
    agent: string,
    removeOptions: RemoveAgentOptions = {},
  ): Promise<boolean> => {
    const entry = hosted.get(agent);
    if (!entry) return false;
    hosted.delete(agent);
    await leavePool(entry);
    await waitBounded(entry.endpoint.whenIdle(), removeOptions.timeoutMs ?? shutdownTimeoutMs);
    if (entry.registration?.active) {
      const registration = entry.registration;
      await (removeOptions.unregister === false
        ? registration.stop()
        : registration.unregister()
      ).catch((error: unknown) =>
        logger.warn({ agent, err: String(error) }, 'card could not be unregistered'),
      );
    }
    logger.debug({ agent }, 'agent removed from host');
    return true;
  };

  const close = (closeOptions: { timeoutMs?: number } = {}): Promise<void> => {
    if (!closing) intake.stopAccepting();
    closing ??= (async () => {
      const deadline = Date.now() + (closeOptions.timeoutMs ?? shutdownTimeoutMs);
      if (!keepSubscriptions) await unsubscribeAll(subscriptions);
      const abandoned = await intake.drain(deadline);
      if (abandoned > 0)
        logger.warn({ abandoned }, 'shutdown deadline reached with requests still running');
      await Promise.all(
        [...hosted.values()].map(async (entry) => {
          if (entry.registration?.active) {
            await entry.registration.stop().catch((error: unknown) => {
              logger.warn(
                { agent: entry.address.agent, err: String(error) },
                'offline card could not be published',
              );
            });
          }
        }),
      );
      hosted.clear();
      if (owned) await session.close();
      logger.info({ requestFilter }, 'A2A MQTT multi-agent host closed');
    })();
    return closing;
  };

  return {
    session,
    scope,
    requestFilter,
    addAgent,
    removeAgent,
    agents: () => [...hosted.keys()],
    get: (agent) => hosted.get(agent),
    metrics: () => intake.snapshot(),
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}

function closedWhileAdding(agentId: string): A2AMqttError {
  return new A2AMqttError({
    code: A2A_MQTT_ERROR_CODE.CLOSED,
    message: `the host closed while agent '${agentId}' was being added`,
  });
}

async function waitBounded(promise: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
