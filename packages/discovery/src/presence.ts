/**
 * Presence: the Last Will of an agent and the reading of `a2a-status` /
 * `a2a-status-source` on received discovery messages.
 */
import type { AgentCard } from '@a2a-js/sdk';
import type { WillOptions } from '@a2a-mqtt/connection';
import {
  type AgentAddress,
  type BrokerEndpoint,
  createTopics,
  PRESENCE_STATUS,
  readUserPropertyAll,
  STATUS_SOURCE,
  type TopicScheme,
  USER_PROPERTY,
  type UserProperties,
  validateIdentifier,
} from '@a2a-mqtt/protocol';
import { prepareAgentCard } from './card-codec.js';

/**
 * MQTT Content Type of every card a registration publishes and of its Last Will (internal).
 */
export const CARD_CONTENT_TYPE = 'application/json';

/** The Last Will built by {@link presenceWill} (the connection's `WillOptions`). */
export type PresenceWill = WillOptions;

/** Options of {@link presenceWill}. */
export interface PresenceWillOptions {
  /** The agent the session belongs to (its client id should be `{org}/{unit}/{agent}`). */
  agent: AgentAddress;
  /** The agent card, as it will be registered with {@link registerAgent}. */
  card: AgentCard;
  /**
   * Topic scheme (prefix).
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * Broker the MQTT interface entry of the card points at. Needed unless the card already
   * carries the MQTT interface entry of `agent`.
   * @default undefined
   */
  broker?: BrokerEndpoint | string;
}

/**
 * Builds the Last Will for an agent's session: the agent card on its discovery topic,
 * retained, QoS 1, with `a2a-status=offline` and `a2a-status-source=lwt`. The broker publishes
 * it when the session dies without a clean DISCONNECT, so watchers see the agent go offline.
 *
 * @throws {A2AMqttError} `INVALID_AGENT_CARD` / `INVALID_IDENTIFIER` as {@link registerAgent}.
 * @example
 * ```ts
 * const agent = { org: 'acme', unit: 'support', agent: 'triage' };
 * const session = await connectMqttSession({
 *   url: 'mqtt://localhost:1883',
 *   clientId: clientIdFor(agent),
 *   will: presenceWill({ agent, card, broker: 'mqtt://localhost:1883' }),
 * });
 * ```
 */
export function presenceWill(options: PresenceWillOptions): PresenceWill {
  const topics = options.topics ?? createTopics();
  const agent = checkAddress(options.agent);
  const { payload } = prepareAgentCard({
    card: options.card,
    agent,
    topics,
    broker: options.broker,
  });
  return {
    topic: topics.discovery(agent),
    payload,
    qos: 1,
    retain: true,
    contentType: CARD_CONTENT_TYPE,
    userProperties: {
      [USER_PROPERTY.STATUS]: PRESENCE_STATUS.OFFLINE,
      [USER_PROPERTY.STATUS_SOURCE]: STATUS_SOURCE.LWT,
    },
  };
}

/** Validates the three identifiers of an address and returns a copy. */
export function checkAddress(agent: AgentAddress): AgentAddress {
  return {
    org: validateIdentifier(agent.org, 'org'),
    unit: validateIdentifier(agent.unit, 'unit'),
    agent: validateIdentifier(agent.agent, 'agent'),
  };
}

/** Liveness of an agent as last announced on its discovery topic. */
export type PresenceStatus = 'online' | 'offline' | 'unknown';
/** Who announced the status. */
export type StatusSource = 'agent' | 'lwt' | 'broker';

/** The status carried by one discovery message. */
export interface MessagePresence {
  status: PresenceStatus;
  statusSource: StatusSource | undefined;
}

/**
 * Reads `a2a-status` / `a2a-status-source` from a message's user properties. When a broker
 * appended its own pair to the agent's (repeated keys), the pair whose source is `broker`
 * wins; otherwise the last value of each key wins.
 */
export function readPresence(userProperties: UserProperties | undefined): MessagePresence {
  if (!userProperties) return { status: 'unknown', statusSource: undefined };
  // Fast path (one value per key, the usual case): no arrays. Runs once per discovery message.
  const single = Object.hasOwn(userProperties, USER_PROPERTY.STATUS)
    ? userProperties[USER_PROPERTY.STATUS]
    : undefined;
  const singleSource = Object.hasOwn(userProperties, USER_PROPERTY.STATUS_SOURCE)
    ? userProperties[USER_PROPERTY.STATUS_SOURCE]
    : undefined;
  if (typeof single !== 'object' && typeof singleSource !== 'object') {
    const status = toStatus(single);
    return { status, statusSource: status === 'unknown' ? undefined : toSource(singleSource) };
  }
  const statuses = readUserPropertyAll(userProperties, USER_PROPERTY.STATUS);
  const sources = readUserPropertyAll(userProperties, USER_PROPERTY.STATUS_SOURCE);
  let index = sources.lastIndexOf(STATUS_SOURCE.BROKER);
  if (index < 0 || index >= statuses.length) index = statuses.length - 1;
  const status = toStatus(statuses[index]);
  const source =
    sources.length === 0
      ? undefined
      : toSource(sources.includes(STATUS_SOURCE.BROKER) ? STATUS_SOURCE.BROKER : sources.at(-1));
  return { status, statusSource: status === 'unknown' ? undefined : source };
}

function toStatus(value: string | undefined): PresenceStatus {
  return value === 'online' || value === 'offline' ? value : 'unknown';
}

function toSource(value: string | undefined): StatusSource | undefined {
  return value === 'agent' || value === 'lwt' || value === 'broker' ? value : undefined;
}
