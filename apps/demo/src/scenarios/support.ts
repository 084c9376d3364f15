import type { AgentCard } from '@a2a-js/sdk';
import type { AgentExecutor, TaskStore } from '@a2a-js/sdk/server';
import type { MqttSession, MqttSessionOptions } from '@a2a-mqtt/connection';
import type { AgentAddress, TopicScheme } from '@a2a-mqtt/protocol';
import { type A2AMqttServer, createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';
import type { ScenarioContext } from './scenario.js';

/** Waits until `predicate()` holds, polling; rejects after `timeoutMs` naming `what`. */
export async function waitUntil(
  predicate: () => boolean,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}

/** Rejects with a clear message if `promise` does not settle within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Simulates a crash of a process's connection: the socket goes away without DISCONNECT (the
 * broker publishes the Last Will), and the session is closed so it does not reconnect.
 */
export async function crashSession(session: MqttSession): Promise<void> {
  session.destroySocket();
  await session.close({ force: true });
}

/** Options of {@link startAgent}. */
export interface StartAgentOptions {
  context: ScenarioContext;
  topics: TopicScheme;
  agent: AgentAddress;
  card: AgentCard;
  executor: AgentExecutor;
  taskStore?: TaskStore;
  /** Extra session options (persistence, reconnect). */
  session?: Omit<MqttSessionOptions, 'url'>;
  pool?: string;
  /** Clear the retained card when the scenario ends (default true). */
  unregisterOnCleanup?: boolean;
}

/**
 * Starts one agent as an MQTT server (its own session, presence will, retained card) and
 * registers its graceful shutdown (card cleared, session closed) as a scenario cleanup.
 */
export async function startAgent(options: StartAgentOptions): Promise<A2AMqttServer> {
  const { context } = options;
  const server = await createA2AMqttServer({
    session: { ...options.session, url: context.env.brokerUrl, logger: context.logger },
    agent: options.agent,
    requestHandler: createRequestHandler({
      agentCard: options.card,
      agentExecutor: options.executor,
      ...(options.taskStore ? { taskStore: options.taskStore } : {}),
    }),
    topics: options.topics,
    ...(options.pool ? { pool: options.pool } : {}),
    shutdownTimeoutMs: 2_000,
    logger: context.logger.child({ agent: options.agent.agent }),
  });
  context.defer(async () => {
    if (!server.session.connected) return;
    if (options.unregisterOnCleanup !== false) {
      await server.registration?.unregister().catch(() => undefined);
    }
    await server.close({ timeoutMs: 1_000 });
  });
  return server;
}
