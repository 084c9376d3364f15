/**
 * `@a2a-js/sdk` integration: an `AgentCardResolver` reading retained cards over MQTT, so
 * `ClientFactory.createFromUrl()` accepts MQTT addresses of agents.
 */
import type { AgentCard } from '@a2a-js/sdk';
import { type AgentCardResolver, DefaultAgentCardResolver } from '@a2a-js/sdk/client';
import type { Logger, MqttSession } from '@a2a-mqtt/connection';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  type AgentAddress,
  createTopics,
  parseMqttInterfaceUrl,
  type TopicScheme,
} from '@a2a-mqtt/protocol';
import { DEFAULT_DISCOVER_TIMEOUT_MS } from './defaults.js';
import { createAgentDirectory, type SettleOptions } from './directory.js';

/** URL scheme of the short agent address `a2a-mqtt:{org}/{unit}/{agent}`. */
export const A2A_MQTT_ADDRESS_SCHEME = 'a2a-mqtt:';

/** Options of {@link MqttAgentCardResolver}. */
export interface MqttAgentCardResolverOptions {
  /** A connected session to the broker holding the cards. */
  session: MqttSession;
  /**
   * Topic scheme used for `a2a-mqtt:` addresses (an `mqtt://` URL names its own prefix).
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * How long to wait for a card that is not retained yet.
   * @default DEFAULT_DISCOVER_TIMEOUT_MS (3 000)
   */
  timeoutMs?: number;
  /**
   * How the retained card counts as delivered.
   * @default { strategy: 'probe' }
   */
  settle?: SettleOptions;
  /**
   * Resolver for any other URL (e.g. `https://...`). By default the SDK's
   * `DefaultAgentCardResolver` (it fetches the card from the well-known path over HTTP), so an
   * HTTP-first agent still resolves when this resolver replaces the SDK's. `null` rejects every
   * non-MQTT URL with `INVALID_TOPIC` instead (nothing is fetched).
   * @default new DefaultAgentCardResolver()
   */
  fallback?: AgentCardResolver | null;
  /** @default NOOP_LOGGER */
  logger?: Logger;
}

/**
 * Parses an MQTT agent address: `a2a-mqtt:{org}/{unit}/{agent}` (with `topics`' prefix) or
 * an interface URL `mqtt[s]|ws[s]://host:port/{prefix}/request/{org}/{unit}/{agent}`.
 * Returns `undefined` for other URLs.
 *
 * @throws {A2AMqttError} `INVALID_TOPIC` for an MQTT URL whose path is not a request topic.
 */
export function parseAgentUrl(
  url: string,
  topics: TopicScheme = createTopics(),
): { agent: AgentAddress; topics: TopicScheme } | undefined {
  if (url.startsWith(A2A_MQTT_ADDRESS_SCHEME)) {
    const id = url.slice(A2A_MQTT_ADDRESS_SCHEME.length).replace(/^\/\//, '');
    const parsed = topics.parse(`${topics.prefix}/request/${id}`);
    if (parsed?.kind !== 'request') throw badAddress(url);
    return { agent: { org: parsed.org, unit: parsed.unit, agent: parsed.agent }, topics };
  }
  if (!/^(mqtts?|wss?):\/\//i.test(url)) return undefined;
  const target = parseMqttInterfaceUrl(url);
  if (!target) throw badAddress(url);
  return { agent: target.agent, topics: createTopics({ prefix: target.prefix }) };
}

function badAddress(url: string): A2AMqttError {
  return new A2AMqttError({
    code: A2A_MQTT_ERROR_CODE.INVALID_TOPIC,
    message: `"${url}" is not an MQTT agent address (expected a2a-mqtt:{org}/{unit}/{agent} or mqtt://host:port/{prefix}/request/{org}/{unit}/{agent})`,
  });
}

/**
 * An `AgentCardResolver` for `@a2a-js/sdk`'s `ClientFactory`: resolves
 * `mqtt[s]://host:port/{requestTopic}` and `a2a-mqtt:{org}/{unit}/{agent}` addresses by
 * reading the agent's retained card on its discovery topic (through the given session; the
 * host of the URL is not dialled). The `path` argument is ignored for MQTT addresses. Any other
 * URL goes to `fallback` (the SDK's HTTP resolver unless configured otherwise).
 *
 * @example
 * ```ts
 * const factory = new ClientFactory(
 *   ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
 *     transports: [new MqttTransportFactory({ session })],
 *     cardResolver: new MqttAgentCardResolver({ session }),
 *   }),
 * );
 * const client = await factory.createFromUrl('a2a-mqtt:acme/support/triage');
 * ```
 */
export class MqttAgentCardResolver implements AgentCardResolver {
  private readonly session: MqttSession;
  private readonly topics: TopicScheme;
  private readonly timeoutMs: number;
  private readonly settle: SettleOptions | undefined;
  private readonly fallback: AgentCardResolver | undefined;
  private readonly logger: Logger | undefined;

  constructor(options: MqttAgentCardResolverOptions) {
    this.session = options.session;
    this.topics = options.topics ?? createTopics();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVER_TIMEOUT_MS;
    this.settle = options.settle;
    this.fallback =
      options.fallback === null ? undefined : (options.fallback ?? new DefaultAgentCardResolver());
    this.logger = options.logger;
  }

  /**
   * Resolves the card of the agent at `baseUrl`.
   * @throws {A2AMqttError} `AGENT_NOT_FOUND` (no valid retained card within `timeoutMs`),
   * `INVALID_TOPIC` (not an MQTT agent address and `fallback: null`); a non-MQTT address
   * otherwise fails as the fallback resolver fails.
   */
  async resolve(baseUrl: string, path?: string): Promise<AgentCard> {
    const target = parseAgentUrl(baseUrl, this.topics);
    if (!target) {
      if (this.fallback) return this.fallback.resolve(baseUrl, path);
      throw badAddress(baseUrl);
    }
    const { agent, topics } = target;
    const directory = createAgentDirectory({
      session: this.session,
      scope: { org: agent.org, unit: agent.unit },
      topics,
      filter: topics.discovery(agent),
      ...(this.settle ? { settle: this.settle } : {}),
      ...(this.logger ? { logger: this.logger } : {}),
    });
    const events = directory.watch();
    let timer: NodeJS.Timeout | undefined;
    try {
      await directory.start();
      const known = directory.get(agent);
      if (known) return known.card;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.timeoutMs);
      });
      const arrival = (async () => {
        for await (const event of events) {
          if (event.type === 'added') return event.entry;
        }
        return undefined;
      })();
      const entry = await Promise.race([arrival, timeout]);
      if (entry) return entry.card;
      throw new A2AMqttError({
        code: A2A_MQTT_ERROR_CODE.AGENT_NOT_FOUND,
        message: `no valid agent card retained at ${topics.discovery(agent)} after ${this.timeoutMs} ms`,
        details: { topic: topics.discovery(agent) },
      });
    } finally {
      clearTimeout(timer);
      await events.return?.();
      await directory.close();
    }
  }
}
