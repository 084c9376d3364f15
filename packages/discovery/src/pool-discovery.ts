/**
 * Sticky discovery through a pool: the nodes of a platform share a discovery pool (an MQTT
 * shared subscription); a client asks the pool for a card, exactly one node answers with a
 * card whose MQTT interface is that node's own request topic, and the client's later
 * requests stick to that node.
 *
 * On mosquitto 2.0 shared subscriptions never match `$`-prefixed topics: use a prefix
 * without `$` (e.g. `a2a/v1`) for pools there.
 */
import { AgentCard } from '@a2a-js/sdk';
import type { InboundMessage, Logger, MqttSession, Subscription } from '@a2a-mqtt/connection';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  type AgentAddress,
  createCorrelationData,
  createReplySuffix,
  createTopics,
  JSON_RPC_ERROR_CODE,
  type PoolAddress,
  parseClientId,
  readMqttInterface,
  readUserProperty,
  serviceParametersToUserProperties,
  type TopicScheme,
  USER_PROPERTY,
  validateIdentifier,
} from '@a2a-mqtt/protocol';
import { decodeAgentCard } from './card-codec.js';
import { DEFAULT_MAX_CARD_BYTES, DEFAULT_POOL_DISCOVERY_TIMEOUT_MS } from './defaults.js';
import type { AgentCardSource } from './http-card.js';
import { checkAddress } from './presence.js';
import { SILENT_LOGGER } from './silent-logger.js';

/** The JSON-RPC method of a pool discovery request (the A2A v1.0 method name). */
export const POOL_DISCOVERY_METHOD = 'GetExtendedAgentCard';

/** Options of {@link servePoolDiscovery}. */
export interface PoolDiscoveryServerOptions {
  /** The node's connected session. */
  session: MqttSession;
  /** The node (its card's MQTT interface must be its own request topic). */
  agent: AgentAddress;
  /** The discovery pool this node answers for (use a pool id dedicated to discovery). */
  pool: PoolAddress;
  /** The node's card: a registration (follows `update()`) or a getter. */
  card: AgentCardSource;
  /**
   * Topic scheme; on mosquitto use a prefix without `$`.
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * Shared subscription group.
   * @default poolGroupId(pool)
   */
  group?: string;
  /** @default NOOP_LOGGER */
  logger?: Logger;
}

/** A running pool discovery member; see {@link servePoolDiscovery}. */
export interface PoolDiscoveryServer {
  /** Leaves the pool (unsubscribes). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Joins a discovery pool: answers `GetExtendedAgentCard` requests published on
 * `{prefix}/request/{org}/{unit}/pool/{pool}` with this node's card, echoing the Correlation
 * Data and setting `a2a-responder-agent-id`.
 *
 * @example
 * ```ts
 * const prefix = createTopics({ prefix: 'a2a/v1' }); // mosquitto: no `$` with pools
 * const member = await servePoolDiscovery({
 *   session, agent, card: registration, topics: prefix,
 *   pool: { org: 'acme', unit: 'support', pool: 'directory' },
 * });
 * try { ... } finally { await member.close(); }
 * ```
 */
export async function servePoolDiscovery(
  options: PoolDiscoveryServerOptions,
): Promise<PoolDiscoveryServer> {
  const { session } = options;
  const topics = options.topics ?? createTopics();
  const agent = checkAddress(options.agent);
  const pool = checkPool(options.pool);
  const logger = options.logger ?? SILENT_LOGGER;
  const source = options.card;
  const filter = topics.sharedPoolRequest(pool, options.group);

  const handle = async (message: InboundMessage): Promise<void> => {
    const { responseTopic, correlationData } = message.properties;
    if (!responseTopic) {
      logger.warn(
        { topic: message.topic },
        'a2a-mqtt discovery: pool request without Response Topic dropped',
      );
      return;
    }
    let id: string | number | null = null;
    let reply: Record<string, unknown>;
    try {
      const request = JSON.parse(message.payload.toString('utf8')) as {
        id?: string | number | null;
        method?: unknown;
      };
      id = request.id ?? null;
      if (request.method !== POOL_DISCOVERY_METHOD) {
        reply = rpcError(
          id,
          JSON_RPC_ERROR_CODE.METHOD_NOT_FOUND,
          `method not found: ${String(request.method)}`,
        );
      } else {
        const card = typeof source === 'function' ? source() : source.card;
        reply = { jsonrpc: '2.0', id, result: AgentCard.toJSON(card) };
      }
    } catch {
      reply = rpcError(null, JSON_RPC_ERROR_CODE.PARSE_ERROR, 'request is not JSON');
    }
    await session.publish(responseTopic, JSON.stringify(reply), {
      qos: 1,
      properties: {
        ...(correlationData ? { correlationData } : {}),
        userProperties: { [USER_PROPERTY.RESPONDER_AGENT_ID]: agent.agent },
      },
    });
  };

  const subscription: Subscription = await session.subscribe(
    filter,
    (message) => {
      handle(message).catch((error: unknown) => {
        logger.warn({ err: error, topic: message.topic }, 'a2a-mqtt discovery: pool reply failed');
      });
    },
    { qos: 1 },
  );
  const close = async (): Promise<void> => {
    await subscription.unsubscribe();
  };
  return { close, [Symbol.asyncDispose]: close };
}

function rpcError(
  id: string | number | null,
  code: number,
  message: string,
): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

function checkPool(pool: PoolAddress): PoolAddress {
  return {
    org: validateIdentifier(pool.org, 'org'),
    unit: validateIdentifier(pool.unit, 'unit'),
    pool: validateIdentifier(pool.pool, 'pool'),
  };
}

/** Options of {@link discoverFromPool}. */
export interface DiscoverFromPoolOptions {
  /** The client's connected session (its client id names the reply topic). */
  session: MqttSession;
  /** The discovery pool to ask. */
  pool: PoolAddress;
  /**
   * Topic scheme; on mosquitto use a prefix without `$`.
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * How long to wait for a member's reply.
   * @default DEFAULT_POOL_DISCOVERY_TIMEOUT_MS (5 000)
   */
  timeoutMs?: number;
  /**
   * Where replies go, when the client id is not `{org}/{unit}/{agent}`.
   * @default parseClientId(session.clientId)
   */
  requester?: AgentAddress;
}

/** The answer of one pool member. */
export interface PoolDiscoveryResult {
  /** The member's card; its MQTT interface is the member's own request topic. */
  card: AgentCard;
  /** The member that answered (from its card and `a2a-responder-agent-id`). */
  agent: AgentAddress;
}

/**
 * Asks a discovery pool for a card: exactly one member answers (shared subscription), with a
 * card whose MQTT interface names that member's own request topic, so a client built from
 * the card keeps talking to the same node.
 *
 * @throws {A2AMqttError} `NO_MATCHING_SUBSCRIBERS` (no member; fast on brokers that report
 * it), `REQUEST_TIMEOUT`, `INVALID_AGENT_CARD` / `TRANSPORT_PROTOCOL_ERROR` for a bad reply.
 * @example
 * ```ts
 * const { card, agent } = await discoverFromPool({
 *   session, topics: createTopics({ prefix: 'a2a/v1' }),
 *   pool: { org: 'acme', unit: 'support', pool: 'directory' },
 * });
 * const client = await new ClientFactory(options).createFromAgentCard(card);
 * ```
 */
export async function discoverFromPool(
  options: DiscoverFromPoolOptions,
): Promise<PoolDiscoveryResult> {
  const { session } = options;
  const topics = options.topics ?? createTopics();
  const pool = checkPool(options.pool);
  const timeoutMs = options.timeoutMs ?? DEFAULT_POOL_DISCOVERY_TIMEOUT_MS;
  const requester =
    options.requester ?? (session.clientId ? parseClientId(session.clientId) : undefined);
  if (!requester) {
    throw new A2AMqttError({
      code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS,
      message:
        'discoverFromPool needs `requester` when the session client id is not {org}/{unit}/{agent}',
    });
  }
  const replyTopic = topics.reply({
    org: requester.org,
    unit: requester.unit,
    requester: requester.agent,
    suffix: createReplySuffix(),
  });
  const correlationData = createCorrelationData();
  const requestId = correlationData.toString('hex');
  let onReply!: (message: InboundMessage) => void;
  const reply = new Promise<InboundMessage>((resolve) => {
    onReply = (message) => {
      if (message.properties.correlationData?.equals(correlationData)) resolve(message);
    };
  });
  const subscription = await session.subscribe(replyTopic, (message) => onReply(message), {
    qos: 1,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await session.publish(
      topics.poolRequest(pool),
      JSON.stringify({ jsonrpc: '2.0', id: requestId, method: POOL_DISCOVERY_METHOD, params: {} }),
      {
        qos: 1,
        failOnNoSubscribers: true,
        properties: {
          responseTopic: replyTopic,
          correlationData,
          userProperties: serviceParametersToUserProperties(undefined),
        },
      },
    );
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new A2AMqttError({
              code: A2A_MQTT_ERROR_CODE.REQUEST_TIMEOUT,
              message: `no member of pool ${pool.org}/${pool.unit}/${pool.pool} answered within ${timeoutMs} ms`,
              retryable: true,
            }),
          ),
        timeoutMs,
      );
    });
    const message = await Promise.race([reply, timeout]);
    return readPoolReply(message, topics);
  } finally {
    clearTimeout(timer);
    await subscription.unsubscribe().catch(() => undefined);
  }
}

function readPoolReply(message: InboundMessage, topics: TopicScheme): PoolDiscoveryResult {
  const protocolError = (text: string): A2AMqttError =>
    new A2AMqttError({ code: A2A_MQTT_ERROR_CODE.TRANSPORT_PROTOCOL_ERROR, message: text });
  const responder = readUserProperty(
    message.properties.userProperties,
    USER_PROPERTY.RESPONDER_AGENT_ID,
  );
  let body: { result?: unknown; error?: { code?: number; message?: string } };
  try {
    body = JSON.parse(message.payload.toString('utf8'));
  } catch {
    throw protocolError('pool discovery reply is not JSON');
  }
  if (body.error) {
    throw protocolError(
      `pool member answered with error ${body.error.code}: ${body.error.message}`,
    );
  }
  const iface =
    body.result && typeof body.result === 'object'
      ? readMqttInterface(body.result as Parameters<typeof readMqttInterface>[0])
      : undefined;
  if (!iface) throw protocolError('pool discovery reply carries no card with an MQTT interface');
  const agent: AgentAddress = iface.agent;
  if (responder !== undefined && responder !== agent.agent) {
    throw protocolError(
      `a2a-responder-agent-id "${responder}" disagrees with the card's interface (${agent.agent})`,
    );
  }
  const decoded = decodeAgentCard(
    Buffer.from(JSON.stringify(body.result)),
    agent,
    topics.request(agent),
    DEFAULT_MAX_CARD_BYTES,
  );
  if (!decoded.ok) {
    throw new A2AMqttError({
      code: A2A_MQTT_ERROR_CODE.INVALID_AGENT_CARD,
      message: `pool discovery reply: ${decoded.message}`,
      ...(decoded.issues ? { details: { issues: decoded.issues } } : {}),
    });
  }
  return { card: decoded.card, agent };
}
