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
  type AgentCardLike,
  bindingErrorKindOf,
  createCorrelationData,
  createReplySuffix,
  createTopics,
  isValidIdentifier,
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
  /**
   * The node. Its card's MQTT interface must name this node's own request topic
   * (`topics.request(agent)`): that is what makes the client's later requests stick to it.
   */
  agent: AgentAddress;
  /** The discovery pool this node answers for (use a pool id dedicated to discovery). */
  pool: PoolAddress;
  /**
   * The node's card: a registration (follows `update()`; checked when the member starts) or a
   * getter (called once per answer, and checked then).
   */
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
 * Data and setting `a2a-responder-agent-id` on every reply (errors included).
 *
 * The card must name this node's own request topic. A registration card that does not is
 * refused when the member starts; a getter's card that does not is answered with a JSON-RPC
 * internal error (-32603) and a `warn` line instead of a card that would send the client to
 * another node.
 *
 * @throws {A2AMqttError} `INVALID_AGENT_CARD` (a registration card whose MQTT interface is not
 * `topics.request(agent)`), `INVALID_IDENTIFIER`, `SUBSCRIBE_REJECTED`.
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
  const ownTopic = topics.request(agent);
  if (typeof source !== 'function') {
    const problem = foreignCardProblem(source.card, ownTopic);
    if (problem) {
      throw new A2AMqttError({
        code: A2A_MQTT_ERROR_CODE.INVALID_AGENT_CARD,
        message: `servePoolDiscovery for ${agent.org}/${agent.unit}/${agent.agent}: ${problem}`,
      });
    }
  }

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
        const problem = foreignCardProblem(card, ownTopic);
        if (problem) {
          logger.warn(
            { topic: message.topic, agent: agent.agent, problem },
            'a2a-mqtt discovery: pool member card does not name its own request topic; answered with an error',
          );
          reply = rpcError(
            id,
            JSON_RPC_ERROR_CODE.INTERNAL_ERROR,
            `pool member ${agent.agent} cannot serve its card: ${problem}`,
          );
        } else {
          reply = { jsonrpc: '2.0', id, result: AgentCard.toJSON(card) };
        }
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

/** Why `card` would not send a client to `ownTopic`, or `undefined` when it would. */
function foreignCardProblem(card: AgentCard, ownTopic: string): string | undefined {
  const iface = readMqttInterface(card as AgentCardLike);
  if (!iface) return `the card has no MQTT interface entry (expected "${ownTopic}")`;
  if (iface.requestTopic !== ownTopic) {
    return `the card's MQTT interface names "${iface.requestTopic}", not the member's own "${ownTopic}"`;
  }
  return undefined;
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
 * it), `REQUEST_TIMEOUT` (no answer within `timeoutMs`; retryable), `TRANSPORT_PROTOCOL_ERROR`
 * (not retryable) for a reply that breaks the binding: no `a2a-responder-agent-id` (the
 * profile makes it mandatory on pooled replies), a responder id that is not an identifier or
 * disagrees with the card's MQTT interface, a payload that is not JSON, no card with an MQTT
 * interface, or a JSON-RPC error answer; a binding error answer keeps its kind instead
 * (`REQUEST_EXPIRED` / `RESPONDER_UNAVAILABLE`, retryable, or `TRANSPORT_PROTOCOL_ERROR`).
 * Error details carry `responder` and, for an error answer, `rpcCode`. `INVALID_AGENT_CARD`
 * for a card that fails the Agent Card schema.
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
  const responder = readUserProperty(
    message.properties.userProperties,
    USER_PROPERTY.RESPONDER_AGENT_ID,
  );
  const protocolError = (text: string, details: Record<string, unknown> = {}): A2AMqttError =>
    new A2AMqttError({
      code: A2A_MQTT_ERROR_CODE.TRANSPORT_PROTOCOL_ERROR,
      message: text,
      retryable: false,
      details: { ...(responder === undefined ? {} : { responder }), ...details },
    });
  // The profile: "A pooled reply without it is a protocol error", whatever the reply holds.
  if (responder === undefined) {
    throw protocolError(
      `pool discovery reply lacks the ${USER_PROPERTY.RESPONDER_AGENT_ID} user property`,
    );
  }
  if (!isValidIdentifier(responder)) {
    throw protocolError(
      `pool discovery reply names an invalid ${USER_PROPERTY.RESPONDER_AGENT_ID}`,
    );
  }
  let body: { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
  try {
    body = JSON.parse(message.payload.toString('utf8'));
  } catch {
    throw protocolError('pool discovery reply is not JSON');
  }
  if (typeof body !== 'object' || body === null) {
    throw protocolError('pool discovery reply is not a JSON-RPC response');
  }
  if (body.error !== undefined) {
    const error = body.error ?? {};
    const rpcCode = typeof error.code === 'number' ? error.code : undefined;
    const text = `pool member ${responder} answered with error ${String(error.code)}: ${String(error.message)}`;
    const kind =
      rpcCode === undefined ? undefined : bindingErrorKindOf({ ...error, code: rpcCode });
    if (kind === 'REQUEST_EXPIRED' || kind === 'RESPONDER_UNAVAILABLE') {
      throw new A2AMqttError({
        code: A2A_MQTT_ERROR_CODE[kind],
        message: text,
        retryable: true,
        details: { responder, rpcCode },
      });
    }
    throw protocolError(text, { rpcCode });
  }
  const iface =
    body.result && typeof body.result === 'object'
      ? readMqttInterface(body.result as AgentCardLike)
      : undefined;
  if (!iface) throw protocolError('pool discovery reply carries no card with an MQTT interface');
  const agent: AgentAddress = iface.agent;
  if (responder !== agent.agent) {
    throw protocolError(
      `${USER_PROPERTY.RESPONDER_AGENT_ID} "${responder}" disagrees with the card's MQTT interface (${agent.agent})`,
      { cardAgent: agent.agent },
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
      details: { responder, ...(decoded.issues ? { issues: decoded.issues } : {}) },
    });
  }
  return { card: decoded.card, agent };
}
