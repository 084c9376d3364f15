import type { AgentCard } from '@a2a-js/sdk';
import {
  type Client,
  type ClientConfig,
  ClientFactory,
  ClientFactoryOptions,
} from '@a2a-js/sdk/client';
import {
  connectMqttSession,
  type Logger,
  type MqttSession,
  type MqttSessionOptions,
} from '@a2a-mqtt/connection';
import { createAgentResolver, type DirectoryEntry } from '@a2a-mqtt/discovery';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  type BrokerEndpoint,
  createReplySuffix,
  parseBrokerUrl,
  parseClientId,
  type TopicScheme,
} from '@a2a-mqtt/protocol';
import { assertBearerTransport, type BearerAuthorizationOptions } from './bearer-authorization';
import { createMqttTransportFactories, mqttBindingNames } from './mqtt-transport-factory';
import type { RequestPolicy } from './policy';
import { getRequester, type MqttRequester, type MqttRequesterOptions } from './requester';

/**
 * Options of {@link createA2AMqttClient}. Give either `session` or `url`. `authorization` /
 * `allowInsecureBearer`: per-request OAuth bearer tokens (TLS only), see
 * {@link BearerAuthorizationOptions}.
 */
export interface CreateA2AMqttClientOptions extends BearerAuthorizationOptions {
  /**
   * A connected session to use (not closed by `close()`). Its requester is shared with every
   * other client of the session.
   * @default undefined (give `url` instead)
   */
  session?: MqttSession;
  /**
   * Broker URL to connect to when no `session` is given (`mqtt://user:pass@host:1883/{org}/{unit}`);
   * the session is closed by `close()`.
   * @default undefined (give `session` instead)
   */
  url?: string | BrokerEndpoint;
  /** More session options for the connection made from `url`. @default {} */
  sessionOptions?: Omit<MqttSessionOptions, 'url'>;
  /** The agent to talk to: its agent id or its card's `name`. */
  agent: string;
  /**
   * Where to look for the agent.
   * @default org and unit of the broker URL path
   */
  scope?: { org: string; unit?: string };
  /**
   * Topic scheme (prefix) of discovery and reply topics.
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * The requester's agent id (reply topic, and client id `{org}/{unit}/{requesterId}` of a
   * session made from `url`). Every client of one session shares the session's requester.
   * @default the agent segment of the session's client id `{org}/{unit}/{agent}`, else
   * `requester-{random}` (generated once per session)
   */
  requesterId?: string;
  /** Send requests to this pool of the agent's unit. @default undefined (direct requests) */
  pool?: string;
  /** Retry and timeout policy. @default the profile defaults */
  policy?: RequestPolicy;
  /**
   * More requester options (used when this call creates the session's requester).
   * @default {} (the {@link MqttRequesterOptions} defaults)
   */
  requesterOptions?: Omit<
    MqttRequesterOptions,
    'org' | 'unit' | 'requesterId' | 'topics' | 'policy'
  >;
  /**
   * Time to wait for the agent's retained card.
   * @default DEFAULT_DISCOVER_TIMEOUT_MS of `@a2a-mqtt/discovery`
   */
  discoveryTimeoutMs?: number;
  /**
   * `@a2a-js/sdk` client config (interceptors, polling, accepted output modes).
   * @default the `ClientFactoryOptions.default` client config
   */
  clientConfig?: ClientConfig;
  /** Logger. @default NOOP_LOGGER */
  logger?: Logger;
}

/** What {@link createA2AMqttClient} returns. */
export interface A2AMqttClient {
  /** The `@a2a-js/sdk` client, on the MQTT transport. */
  readonly client: Client;
  /** The agent's card as discovered. */
  readonly card: AgentCard;
  /** The discovery entry of the agent (address, status). */
  readonly entry: DirectoryEntry;
  /** The session's shared requester (stats, recorded responders). */
  readonly requester: MqttRequester;
  /** The MQTT session. */
  readonly session: MqttSession;
  /**
   * Releases what this call opened: the session made from `url` (and its requester). A
   * persistent session (`sessionOptions.session.persistent`) keeps its reply subscription on
   * the broker, so replies that arrive after `close()` wait in the session for the next process
   * with the same client id and reply suffix.
   */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * From an agent name to an `@a2a-js/sdk` client in one call: connects (or uses `session`),
 * subscribes the reply topic, resolves the agent's retained card through discovery and builds
 * the client with the MQTT transport factories.
 *
 * @example
 * ```ts
 * const agent = await createA2AMqttClient({
 *   url: 'mqtt://localhost:1883',
 *   agent: 'code-generator-agent',
 *   scope: { org: 'acme', unit: 'eng' },
 * });
 * try {
 *   const stream = agent.client.sendMessageStream({
 *     message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hello' }] },
 *   });
 *   for await (const event of stream) console.log(event);
 * } finally {
 *   await agent.close();
 * }
 * ```
 */
export async function createA2AMqttClient(
  options: CreateA2AMqttClientOptions,
): Promise<A2AMqttClient> {
  if ((options.session === undefined) === (options.url === undefined)) {
    throw new A2AMqttError({
      code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS,
      message: 'createA2AMqttClient needs exactly one of session or url',
    });
  }
  const endpoint =
    options.url === undefined
      ? undefined
      : typeof options.url === 'string'
        ? parseBrokerUrl(options.url)
        : options.url;
  const org = options.scope?.org ?? endpoint?.org;
  const unit = options.scope?.unit ?? endpoint?.unit;
  if (org === undefined || unit === undefined) {
    throw new A2AMqttError({
      code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS,
      message:
        'createA2AMqttClient needs scope.org and scope.unit (or a broker URL path /{org}/{unit})',
    });
  }
  if (options.authorization !== undefined) {
    // Before connecting: a bearer token never goes to a plain mqtt:// or ws:// broker.
    assertBearerTransport(
      (endpoint ?? options.session?.endpoint)?.protocol,
      options.allowInsecureBearer,
    );
  }
  const requesterId = options.requesterId ?? `requester-${createReplySuffix()}`;
  const ownsSession = options.session === undefined;
  const session =
    options.session ??
    (await connectMqttSession({
      ...options.sessionOptions,
      url: endpoint,
      clientId: options.sessionOptions?.clientId ?? `${org}/${unit}/${requesterId}`,
      logger: options.sessionOptions?.logger ?? options.logger,
    }));
  let requester: MqttRequester | undefined;
  try {
    requester = getRequester(session, {
      ...options.requesterOptions,
      ...requesterIdentity(session, { org, unit, requesterId: options.requesterId }),
      topics: options.topics,
      policy: options.policy,
      logger: options.requesterOptions?.logger ?? options.logger,
    });
    // The reply subscription exists before the first request is published.
    await requester.start();
    const resolver = createAgentResolver({
      session,
      scope: { org, unit },
      ...(options.topics ? { topics: options.topics } : {}),
    });
    let entry: DirectoryEntry;
    try {
      entry = await resolver.discoverAgent(
        options.agent,
        options.discoveryTimeoutMs === undefined ? {} : { timeoutMs: options.discoveryTimeoutMs },
      );
    } finally {
      await resolver.close();
    }
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: createMqttTransportFactories({
          requester,
          pool: options.pool,
          policy: options.policy,
          authorization: options.authorization,
          allowInsecureBearer: options.allowInsecureBearer,
        }),
        preferredTransports: mqttBindingNames(),
        ...(options.clientConfig ? { clientConfig: options.clientConfig } : {}),
      }),
    );
    const client = await factory.createFromAgentCard(entry.card);
    const ownedRequester = requester;
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      if (ownsSession) {
        const persistent = options.sessionOptions?.session?.persistent === true;
        await ownedRequester.close({ keepSubscription: persistent });
        await session.close();
      }
    };
    return {
      client,
      card: entry.card,
      entry,
      requester,
      session,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    if (ownsSession) {
      await requester?.close().catch(() => undefined);
      await session.close().catch(() => undefined);
    }
    throw error;
  }
}

const generatedRequesterIds = new WeakMap<object, string>();

/**
 * The reply identity of the session's requester, stable per session so every client of one
 * session shares one requester (and one reply subscription): an explicit `requesterId`, else
 * the session's client id `{org}/{unit}/{agent}`, else a random id remembered per session.
 */
function requesterIdentity(
  session: MqttSession,
  fallback: { org: string; unit: string; requesterId: string | undefined },
): { org: string; unit: string; requesterId: string } {
  if (fallback.requesterId !== undefined) {
    return { org: fallback.org, unit: fallback.unit, requesterId: fallback.requesterId };
  }
  const fromClientId = parseClientId(session.clientId);
  if (fromClientId) {
    return { org: fromClientId.org, unit: fromClientId.unit, requesterId: fromClientId.agent };
  }
  let generated = generatedRequesterIds.get(session);
  if (generated === undefined) {
    generated = `requester-${createReplySuffix()}`;
    generatedRequesterIds.set(session, generated);
  }
  return { org: fallback.org, unit: fallback.unit, requesterId: generated };
}
