import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Task, TaskState } from '@a2a-js/sdk';
import { ServerCallContext } from '@a2a-js/sdk/server';
import { createA2AMqttClient } from '@a2a-mqtt/client';
import { connectMqttSession, MqttSession, type MqttSessionOptions } from '@a2a-mqtt/connection';
import { createAgentDirectory, type DirectoryEvent } from '@a2a-mqtt/discovery';
import { type AgentAddress, createTopics, type TopicScheme } from '@a2a-mqtt/protocol';
import { createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';
import {
  artifactText,
  completedDiagnosisSteps,
  DIAGNOSIS_LOG_ARTIFACT_ID,
  DIAGNOSIS_REPORT_ARTIFACT_ID,
  DIAGNOSIS_STEPS,
  diagnosisAgent,
  sendMessageRequest,
  stateName,
  summarizeStreamItem,
  TERMINAL_STATES,
} from '../agents/index.js';
import { FileTaskStore } from './file-task-store.js';
import type { ScenarioContext, ScenarioDefinition } from './scenario.js';
import { crashSession, waitUntil, within } from './support.js';

/** Pause between two diagnosis steps in the demo. */
const STEP_DELAY_MS = 200;
/** The broker keeps the agent's and the pipeline's sessions this long while they are away. */
const SESSION_EXPIRY_SECONDS = 300;

interface RunningAgent {
  crash(): Promise<void>;
  /** Tasks resumed at start, with the number of steps their checkpoint held. */
  resumed: Map<string, number>;
}

/**
 * One "process" of the diagnosis agent: a persistent MQTT session (fixed client id, requests
 * queue on the broker while it is down), a durable task store, and on start the resumption of
 * every unfinished task from its last checkpoint.
 */
async function startDiagnosisProcess(options: {
  context: ScenarioContext;
  topics: TopicScheme;
  agent: AgentAddress;
  store: FileTaskStore;
}): Promise<RunningAgent> {
  const { context } = options;
  const crash = new AbortController();
  const requestHandler = createRequestHandler({
    agentCard: diagnosisAgent.card(),
    agentExecutor: diagnosisAgent.createExecutor({
      signal: crash.signal,
      stepDelayMs: STEP_DELAY_MS,
    }),
    taskStore: options.store,
  });
  const server = await createA2AMqttServer({
    session: {
      url: context.env.brokerUrl,
      session: { persistent: true, expiryIntervalSeconds: SESSION_EXPIRY_SECONDS },
      logger: context.logger,
    },
    agent: options.agent,
    requestHandler,
    topics: options.topics,
    shutdownTimeoutMs: 2_000,
    logger: context.logger.child({ agent: options.agent.agent }),
  });
  let crashed = false;
  context.defer(async () => {
    if (crashed) return;
    crash.abort(new Error('scenario ended'));
    await server.registration?.unregister().catch(() => undefined);
    await server.close({ timeoutMs: 1_000 });
  });
  // Resume work that a previous process left unfinished (the store is the checkpoint).
  const resumed = new Map<string, number>();
  for (const task of await options.store.unfinished()) {
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
  return {
    resumed,
    crash: async () => {
      crashed = true;
      crash.abort(new Error('simulated crash'));
      await crashSession(server.session);
    },
  };
}

/**
 * Scenario 2: a long-running diagnosis agent that only dials out to the broker. The pipeline
 * submits a task and disconnects; the agent crashes mid-task and restarts; a request sent
 * while it was down waits on the broker; the pipeline comes back (its persistent session is
 * still there) and follows the task to its result. Nothing is lost, no step runs twice.
 */
export const diagnosisScenario: ScenarioDefinition = {
  id: 'diagnosis',
  title: 'Diagnosis assistant',
  timeoutMs: 30_000,
  async run(context) {
    const { env } = context;
    const topics = createTopics({ prefix: env.prefix });
    const unit = context.unit('ops');
    const scope = { org: env.org, unit };
    const agent: AgentAddress = { ...scope, agent: diagnosisAgent.defaultAgentId };
    const directoryPath = await mkdtemp(join(tmpdir(), 'a2a-mqtt-demo-tasks-'));
    context.defer(() => rm(directoryPath, { recursive: true, force: true }));
    const store = new FileTaskStore(directoryPath);

    // An operations dashboard watches the agent's presence.
    const observer = await connectMqttSession({
      url: env.brokerUrl,
      clientId: `${env.org}/${unit}/ops-dashboard`,
      logger: context.logger,
    });
    context.defer(() => observer.close());
    const directory = createAgentDirectory({ session: observer, scope, topics });
    context.defer(() => directory.close());
    const presence: string[] = [];
    const watching = (async () => {
      for await (const event of directory.watch()) recordPresence(event, agent.agent, presence);
    })();
    watching.catch(() => undefined);
    await directory.start();

    let running = await startDiagnosisProcess({ context, topics, agent, store });
    context.progress(
      `diagnosis-agent online (persistent session, durable tasks in ${directoryPath})`,
    );

    // The pipeline: persistent session with a fixed client id.
    const pipelineOptions: MqttSessionOptions = {
      url: env.brokerUrl,
      clientId: `${env.org}/${unit}/pipeline`,
      session: { persistent: true, expiryIntervalSeconds: SESSION_EXPIRY_SECONDS },
      logger: context.logger,
    };
    const first = await connectMqttSession(pipelineOptions);
    const pipeline = await createA2AMqttClient({
      session: first,
      agent: agent.agent,
      scope,
      topics,
      requesterId: 'pipeline',
      logger: context.logger,
    });
    const submitted = await pipeline.client.sendMessage(
      sendMessageRequest('diagnose checkout-service latency', { returnImmediately: true }),
    );
    const task = 'id' in submitted ? (submitted as Task) : undefined;
    context.check(
      'the pipeline got a task back at once (returnImmediately)',
      task !== undefined &&
        !TERMINAL_STATES.has(task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED),
      task ? `${task.id} ${stateName(task.status?.state)}` : 'a message',
    );
    if (task === undefined) return;
    await pipeline.close();
    await first.close();
    context.progress(`pipeline submitted task ${task.id} and disconnected`);

    // The agent crashes in the middle of the task ...
    await waitForCheckpoint(store, task.id, 2);
    await running.crash();
    context.progress(
      `diagnosis-agent crashed during the task (${completedDiagnosisSteps(await store.load(task.id))}/${DIAGNOSIS_STEPS.length} steps recorded)`,
    );
    await waitUntil(() => presence.includes('offline:lwt'), {
      timeoutMs: 10_000,
      what: 'the Last Will (offline card)',
    });
    context.check('the Last Will marked the agent offline', presence.includes('offline:lwt'));

    // ... a scheduler sends another request while it is down: the broker queues it ...
    const scheduler = await createA2AMqttClient({
      url: env.brokerUrl,
      agent: agent.agent,
      scope,
      topics,
      requesterId: 'scheduler',
      logger: context.logger,
    });
    context.defer(() => scheduler.close());
    // The dashboard also watches the agent's request topic: it sees the request reach the
    // broker, so we know it was published while the agent was down (and queued for it).
    let requestsSeen = 0;
    const tap = await observer.subscribe(topics.request(agent), () => {
      requestsSeen++;
    });
    context.defer(() => tap.unsubscribe());
    const queued = scheduler.client.sendMessage(
      sendMessageRequest('diagnose payments-db disk latency', { returnImmediately: true }),
    );
    await waitUntil(() => requestsSeen > 0, {
      timeoutMs: 5_000,
      what: 'the request on the broker',
    });
    context.progress(
      'scheduler sent a second request while the agent is down (the broker holds it)',
    );

    // ... and the agent restarts with the same identity and store.
    running = await startDiagnosisProcess({ context, topics, agent, store });
    const checkpoint = running.resumed.get(task.id) ?? 0;
    context.check(
      'the restarted agent resumed the unfinished task from its checkpoint',
      running.resumed.has(task.id) && checkpoint >= 2 && checkpoint < DIAGNOSIS_STEPS.length,
      `after step ${checkpoint}/${DIAGNOSIS_STEPS.length}`,
    );
    context.progress(`diagnosis-agent restarted and resumed the task after step ${checkpoint}`);
    const queuedResult = await within(queued, 15_000, 'the reply to the queued request');
    const queuedTask = 'id' in queuedResult ? (queuedResult as Task) : undefined;
    context.check(
      'the request sent while the agent was down was served after the restart',
      queuedTask !== undefined,
      queuedTask ? `task ${queuedTask.id}` : 'message',
    );

    // The pipeline comes back: same client id, the broker still has its session.
    const second = new MqttSession({ ...pipelineOptions });
    let sessionPresent = false;
    second.once('connect', (event) => {
      sessionPresent = event.sessionPresent;
    });
    context.defer(() => second.close());
    await second.connect();
    context.check('the pipeline found its persistent session on the broker', sessionPresent);
    const back = await createA2AMqttClient({
      session: second,
      agent: agent.agent,
      scope,
      topics,
      requesterId: 'pipeline',
      logger: context.logger,
    });
    context.defer(() => back.close());
    let current = await back.client.getTask({ tenant: '', id: task.id, historyLength: 0 });
    context.progress(`pipeline is back: task ${task.id} is ${stateName(current.status?.state)}`);
    if (!TERMINAL_STATES.has(current.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED)) {
      try {
        for await (const item of back.client.resubscribeTask(
          { tenant: '', id: task.id },
          { signal: context.signal },
        )) {
          const summary = summarizeStreamItem(item);
          if (summary.kind === 'status' && summary.text) {
            context.progress(`status ${summary.state}: ${summary.text}`);
          }
        }
      } catch (error) {
        context.logger.debug({ err: error }, 'resubscribe ended; falling back to GetTask');
      }
      await waitUntilTerminal(async () => {
        current = await back.client.getTask({ tenant: '', id: task.id, historyLength: 0 });
        return current;
      });
    }
    const log = artifactText(
      current.artifacts.find((artifact) => artifact.artifactId === DIAGNOSIS_LOG_ARTIFACT_ID),
    );
    const report = artifactText(
      current.artifacts.find((artifact) => artifact.artifactId === DIAGNOSIS_REPORT_ARTIFACT_ID),
    );
    context.progress(
      `result:\n${report
        .split('\n')
        .map((line) => `      ${line}`)
        .join('\n')}`,
    );
    context.check(
      'the task completed',
      current.status?.state === TaskState.TASK_STATE_COMPLETED,
      stateName(current.status?.state),
    );
    const steps = log
      .trim()
      .split('\n')
      .map((line) => line.split(':')[0] ?? '');
    context.check(
      'every step is in the log exactly once, in order',
      JSON.stringify(steps) ===
        JSON.stringify(DIAGNOSIS_STEPS.map((step, index) => `${index + 1}. ${step}`)),
      `${steps.length}/${DIAGNOSIS_STEPS.length} steps`,
    );
    context.check(
      'the report says where it resumed',
      report.includes(`Resumed after step ${checkpoint}/${DIAGNOSIS_STEPS.length}`),
    );
    if (queuedTask !== undefined) {
      let queuedNow = queuedTask;
      await waitUntilTerminal(async () => {
        queuedNow = await scheduler.client.getTask({
          tenant: '',
          id: queuedTask.id,
          historyLength: 0,
        });
        return queuedNow;
      });
      context.check(
        "the scheduler's task completed too",
        queuedNow.status?.state === TaskState.TASK_STATE_COMPLETED,
        stateName(queuedNow.status?.state),
      );
    }
    await waitUntil(() => presence.at(-1) === 'online:agent', {
      timeoutMs: 5_000,
      what: 'the agent back online',
    });
    context.check(
      'presence went online -> offline (lwt) -> online',
      isOnlineOfflineOnline(presence),
      presence.join(' -> '),
    );
  },
};

function recordPresence(event: DirectoryEvent, agentId: string, into: string[]): void {
  if (event.type === 'invalid' || event.entry.address.agent !== agentId) return;
  if (event.type === 'removed') return;
  const label = `${event.entry.status}:${event.entry.statusSource ?? '?'}`;
  if (into.at(-1) !== label) into.push(label);
}

function isOnlineOfflineOnline(presence: string[]): boolean {
  const online = presence.indexOf('online:agent');
  const offline = presence.indexOf('offline:lwt', online);
  return online >= 0 && offline > online && presence.lastIndexOf('online:agent') > offline;
}

async function waitForCheckpoint(store: FileTaskStore, taskId: string, steps: number) {
  const deadline = Date.now() + 10_000;
  while (completedDiagnosisSteps(await store.load(taskId)) < steps) {
    if (Date.now() > deadline) throw new Error(`task ${taskId} never reached step ${steps}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function waitUntilTerminal(load: () => Promise<Task>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!TERMINAL_STATES.has((await load()).status?.state ?? TaskState.TASK_STATE_UNSPECIFIED)) {
    if (Date.now() > deadline) throw new Error('the task did not finish within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
