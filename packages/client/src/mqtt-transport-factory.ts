import type { AgentCard } from '@a2a-js/sdk';
import type { Transport, TransportFactory } from '@a2a-js/sdk/client';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  createTopics,
  isMqttProtocolBinding,
  MQTT_PROTOCOL_BINDING,
  MQTT_PROTOCOL_BINDING_ALIASES,
  parseMqttInterfaceUrl,
  type TopicScheme,
} from '@a2a-mqtt/protocol';
import { type BearerAuthorizationOptions, BearerCredentials } from './bearer-authorization';
import { MqttTransport } from './mqtt-transport';
import type { RequestPolicy } from './policy';
import {
  getRequester,
  type MqttRequester,
  type RequesterSourceOptions,
  requesterFrom,
} from './requester';

/**
 * Options of {@link MqttTransportFactory}. `authorization` / `allowInsecureBearer` (per-request
 * OAuth bearer tokens, TLS only) go to every transport it creates.
 */
export interface MqttTransportFactoryOptions
  extends BearerAuthorizationOptions,
    RequesterSourceOptions {
  /**
   * The `protocolBinding` this factory registers under in `ClientFactory` (matched
   * case-insensitively against the card's interfaces).
   * @default MQTT_PROTOCOL_BINDING ('MQTT5+JSONRPC')
   */
  protocolName?: string;
  /**
   * Send requests to this pool of the agent's unit instead of the agent's direct topic.
   * @default undefined (direct requests)
   */
  pool?: string;
  /**
   * Topic scheme of the request topics.
   * @default the prefix read from the interface URL
   */
  topics?: TopicScheme;
  /** Retry and timeout policy of the created transports. @default the requester's policy */
  policy?: RequestPolicy;
  /** Extra user properties on every request. @default {} */
  userProperties?: Record<string, string>;
}

/**
 * `TransportFactory` for `@a2a-js/sdk`'s `ClientFactory`: a card whose `supportedInterfaces`
 * has an MQTT entry (`mqtt[s]://host:port/{requestTopic}`) gets an {@link MqttTransport} on
 * the factory's session. Every transport it creates shares one {@link MqttRequester}.
 *
 * One factory answers to one binding name (default `MQTT5+JSONRPC`); to also accept the
 * aliases other implementations write (e.g. `MQTTv5+JSONRPCv2`), register
 * {@link createMqttTransportFactories} instead.
 *
 * @example
 * ```ts
 * const factory = new ClientFactory(
 *   ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
 *     transports: [new MqttTransportFactory({ session })],
 *   }),
 * );
 * const client = await factory.createFromAgentCard(card);
 * ```
 */
export class MqttTransportFactory implements TransportFactory {
  /**
   * The requester of the transports of this factory: the given one, else the session's
   * requester for `requesterOptions.topics` (default prefix `$a2a/v1`). Without either option, a
   * card whose MQTT interface names another prefix gets the session's requester of that prefix,
   * so its replies come back under the prefix of its requests.
   */
  readonly requester: MqttRequester;
  private readonly options: MqttTransportFactoryOptions;
  private readonly name: string;

  constructor(options: MqttTransportFactoryOptions) {
    this.requester = requesterFrom(options, 'MqttTransportFactory');
    this.name = options.protocolName ?? MQTT_PROTOCOL_BINDING;
    if (!isMqttProtocolBinding(this.name)) {
      throw new A2AMqttError({
        code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS,
        message: `protocolName ${JSON.stringify(this.name)} is not an MQTT protocol binding`,
      });
    }
    // Refuse a bearer token on a non-TLS session now, not at the first card.
    BearerCredentials.from(options, this.requester.session);
    this.options = options;
  }

  /**
   * The requester whose replies come back under the same prefix as the requests: with no
   * `requester` and no `requesterOptions.topics` given, an agent under another prefix than the
   * default one gets the session's requester of that prefix (one reply subscription per prefix),
   * so a broker ACL written per prefix covers both directions.
   */
  private requesterFor(topics: TopicScheme): MqttRequester {
    const { requester, session, requesterOptions } = this.options;
    if (requester !== undefined || session === undefined || requesterOptions?.topics !== undefined)
      return this.requester;
    if (topics.prefix === this.requester.prefix) return this.requester;
    return getRequester(session, {
      ...requesterOptions,
      topics: createTopics({ prefix: topics.prefix }),
    });
  }

  /** The binding name this factory registers under. */
  get protocolName(): string {
    return this.name;
  }

  /** Creates the transport for the card's MQTT interface whose URL is `url`. */
  async create(url: string, agentCard: AgentCard): Promise<Transport> {
    const target = parseMqttInterfaceUrl(url);
    if (!target) {
      throw new A2AMqttError({
        code: A2A_MQTT_ERROR_CODE.INVALID_AGENT_CARD,
        message: `Agent card ${JSON.stringify(agentCard.name)}: ${JSON.stringify(url)} is not an MQTT interface URL ({scheme}://host:port/{prefix}/request/{org}/{unit}/{agent})`,
      });
    }
    const declared = (agentCard.supportedInterfaces ?? []).find(
      (entry) => entry.url === url && isMqttProtocolBinding(entry.protocolBinding),
    );
    const topics = this.options.topics ?? createTopics({ prefix: target.prefix });
    return new MqttTransport({
      requester: this.requesterFor(topics),
      agent: target.agent,
      pool: this.options.pool,
      topics,
      protocolVersion: declared?.protocolVersion || undefined,
      policy: this.options.policy,
      userProperties: this.options.userProperties,
      authorization: this.options.authorization,
      allowInsecureBearer: this.options.allowInsecureBearer,
    });
  }
}

/**
 * One {@link MqttTransportFactory} per MQTT binding name (`MQTT5+JSONRPC` and every alias in
 * `MQTT_PROTOCOL_BINDING_ALIASES`), all sharing one requester, so `ClientFactory` picks MQTT
 * for any card whose interface `isMqttProtocolBinding` accepts.
 *
 * @example
 * ```ts
 * const options = ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
 *   transports: createMqttTransportFactories({ session }),
 * });
 * ```
 */
export function createMqttTransportFactories(
  options: Omit<MqttTransportFactoryOptions, 'protocolName'>,
): MqttTransportFactory[] {
  const first = new MqttTransportFactory(options);
  // Without an explicit requester, every factory asks the session's requester cache, which
  // hands them the same requester per prefix.
  const shared =
    options.requester !== undefined || options.session === undefined
      ? { ...options, requester: first.requester }
      : options;
  const seen = new Set([first.protocolName.toUpperCase()]);
  const factories = [first];
  for (const name of mqttBindingNames()) {
    if (seen.has(name.toUpperCase())) continue;
    seen.add(name.toUpperCase());
    factories.push(new MqttTransportFactory({ ...shared, protocolName: name }));
  }
  return factories;
}

/** The canonical MQTT binding name followed by its aliases. */
export function mqttBindingNames(): string[] {
  return [MQTT_PROTOCOL_BINDING, ...MQTT_PROTOCOL_BINDING_ALIASES];
}
