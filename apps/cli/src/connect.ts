import {
  type A2AMqttClient,
  type CreateA2AMqttClientOptions,
  createA2AMqttClient,
} from '@a2a-mqtt/client';
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { createAgentResolver, type DirectoryEntry } from '@a2a-mqtt/discovery';
import { A2A_MQTT_ERROR_CODE, isA2AMqttError } from '@a2a-mqtt/protocol';
import type { ResolvedConfig } from './config.js';
import { CliError, EXIT_CODE, usageError } from './exit-codes.js';
import type { CliIo } from './io.js';

/** How long a one-shot command waits for the broker's CONNACK. */
export const CLI_CONNECT_TIMEOUT_MS = 5_000;
/** How long `card`, `send`, `task` and `cancel` wait for the agent's card. */
export const AGENT_LOOKUP_TIMEOUT_MS = 3_000;

/** Connects the CLI's own session (client id `{org}/{unit}/{requesterId}`, no reconnect). */
export async function connectCli(config: ResolvedConfig, io: CliIo): Promise<MqttSession> {
  // A refused or unauthorised connection rejects with CONNECT_FAILED / NOT_AUTHORIZED (exit 3).
  return connectMqttSession({
    url: config.brokerUrl,
    clientId: `${config.org}/${config.unit}/${config.requesterId}`,
    connectTimeoutMs: CLI_CONNECT_TIMEOUT_MS,
    reconnect: { enabled: false },
    logger: io.logger,
  });
}

/**
 * Finds an agent: `agent`, `unit/agent`, `org/unit/agent`, or a card name. Searches the
 * configured unit when one was given, otherwise every unit of the org.
 */
export async function resolveAgent(
  session: MqttSession,
  config: ResolvedConfig,
  reference: string,
  timeoutMs = AGENT_LOOKUP_TIMEOUT_MS,
): Promise<DirectoryEntry> {
  const parts = reference.split('/');
  if (parts.length > 3 || parts.some((part) => part === '')) {
    throw usageError(`invalid agent "${reference}" (use agent, unit/agent or org/unit/agent)`);
  }
  const org = parts.length === 3 ? (parts[0] as string) : config.org;
  const unit =
    parts.length >= 2
      ? (parts[parts.length - 2] as string)
      : config.unitExplicit
        ? config.unit
        : undefined;
  const name = parts[parts.length - 1] as string;
  const resolver = createAgentResolver({
    session,
    scope: unit === undefined ? { org } : { org, unit },
    topics: config.topics,
  });
  try {
    const entry = await resolver.discoverAgent(name, { timeoutMs });
    if (unit === undefined) {
      const sameId = (await resolver.discoverAgents({ agent: entry.address.agent })).map(
        (candidate) => candidate.address.unit,
      );
      if (sameId.length > 1) {
        throw usageError(
          `agent "${name}" exists in several units (${sameId.join(', ')}): pass --unit or unit/agent`,
        );
      }
    }
    return entry;
  } catch (error) {
    if (isA2AMqttError(error, A2A_MQTT_ERROR_CODE.AGENT_NOT_FOUND)) {
      const where = unit === undefined ? `org ${org}` : `${org}/${unit}`;
      throw new CliError(
        `agent "${reference}" not found in ${where} (prefix ${config.topics.prefix}; is it running? try: a2a-mqtt agents)`,
        EXIT_CODE.NOT_FOUND,
      );
    }
    throw error;
  } finally {
    await resolver.close();
  }
}

/**
 * Connects the CLI's session, resolves the agent `reference` (see {@link resolveAgent}), creates
 * a client for it and runs `body`; closes the client, then the session, whatever happens.
 */
export async function withAgentClient<T>(
  config: ResolvedConfig,
  io: CliIo,
  reference: string,
  clientOptions: Pick<CreateA2AMqttClientOptions, 'policy'>,
  body: (agent: A2AMqttClient) => Promise<T>,
): Promise<T> {
  const session = await connectCli(config, io);
  try {
    const entry = await resolveAgent(session, config, reference);
    const agent = await agentClient(session, config, io, entry, clientOptions);
    try {
      return await body(agent);
    } finally {
      await agent.close();
    }
  } finally {
    await session.close();
  }
}

/** A client for the discovered agent `entry` on the CLI's `session` (the caller closes it). */
export function agentClient(
  session: MqttSession,
  config: ResolvedConfig,
  io: CliIo,
  entry: DirectoryEntry,
  clientOptions: Pick<CreateA2AMqttClientOptions, 'policy'> = {},
): Promise<A2AMqttClient> {
  return createA2AMqttClient({
    session,
    agent: entry.address.agent,
    scope: { org: entry.address.org, unit: entry.address.unit },
    topics: config.topics,
    requesterId: config.requesterId,
    ...clientOptions,
    logger: io.logger,
  });
}
