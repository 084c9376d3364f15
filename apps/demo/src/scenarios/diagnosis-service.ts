import { ServerCallContext } from '@a2a-js/sdk/server';
import type { MqttSession } from '@a2a-mqtt/connection';
import type { AgentAddress, TopicScheme } from '@a2a-mqtt/protocol';
import { createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';
import type { Logger } from 'pino';
import { completedDiagnosisSteps, diagnosisAgent, sendMessageRequest } from '../agents/index.js';
import { FileTaskStore } from './file-task-store.js';
import { crashSession } from './support.js';

/** Pause between two diagnosis steps in the demo. */
export const DEMO_DIAGNOSIS_STEP_DELAY_MS = 200;
/** The broker keeps the agent's and the pipeline's sessions this long while they are away. */
export const DEMO_SESSION_EXPIRY_SECONDS = 300;

/** Options of {@link startDiagnosisService}. */
export interface DiagnosisServiceOptions {
  brokerUrl: string;
  topics: TopicScheme;
  agent: AgentAddress;
  /** The durable task store's directory (the agent's checkpoints). */
  storeDirectory: string;
  /** @default DEMO_DIAGNOSIS_STEP_DELAY_MS */
  stepDelayMs?: number;
  logger: Logger;
}

/** A running diagnosis agent. */
export interface DiagnosisService {
  /** The agent's MQTT session. */
  readonly session: MqttSession;
  /** Tasks resumed at start, with the number of steps their checkpoint held. */
  readonly resumed: ReadonlyMap<string, number>;
  /** Simulates a crash inside this process: work stops, the socket goes without DISCONNECT. */
  crash(): Promise<void>;
  /** Stops gracefully: running work is dropped, the card is cleared, the session closed. */
  stop(): Promise<void>;
}

/**
 * One "process" of the diagnosis agent: a persistent MQTT session (fixed client id
 * `{org}/{unit}/{agent}`: requests queue on the broker while it is down), a durable task store,
 * and on start the resumption of every unfinished task from its last checkpoint. Runs in the
 * demo's child process (`dist/diagnosis-agent.mjs`) or, when the demo is not built, in-process.
 */
export async function startDiagnosisService(
  options: DiagnosisServiceOptions,
): Promise<DiagnosisService> {
  const abort = new AbortController();
  const store = new FileTaskStore(options.storeDirectory);
  const requestHandler = createRequestHandler({
    agentCard: diagnosisAgent.card(),
    agentExecutor: diagnosisAgent.createExecutor({
      signal: abort.signal,
      stepDelayMs: options.stepDelayMs ?? DEMO_DIAGNOSIS_STEP_DELAY_MS,
    }),
    taskStore: store,
  });
  const server = await createA2AMqttServer({
    session: {
      url: options.brokerUrl,
      session: { persistent: true, expiryIntervalSeconds: DEMO_SESSION_EXPIRY_SECONDS },
      logger: options.logger,
    },
    agent: options.agent,
    requestHandler,
    topics: options.topics,
    shutdownTimeoutMs: 2_000,
    logger: options.logger.child({ agent: options.agent.agent }),
  });
  // Resume work that a previous process left unfinished (the store is the checkpoint).
  const resumed = new Map<string, number>();
  for (const task of await store.unfinished()) {
    resumed.set(task.id, completedDiagnosisSteps(task));
    await requestHandler.sendMessage(
      sendMessageRequest('resume after restart', {
        taskId: task.id,
        contextId: task.contextId,
        returnImmediately: true,
      }),
      new ServerCallContext(),
    );
  }
  let stopped = false;
  return {
    session: server.session,
    resumed,
    crash: async () => {
      stopped = true;
      abort.abort(new Error('simulated crash'));
      await crashSession(server.session);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      abort.abort(new Error('stopped'));
      await server.registration?.unregister().catch(() => undefined);
      await server.close({ timeoutMs: 1_000 });
    },
  };
}
