import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StreamResponse, type Task, TaskState } from '@a2a-js/sdk';
import { createA2AMqttClient, getRequester } from '@a2a-mqtt/client';
import { connectMqttSession, MqttSession, type MqttSessionOptions } from '@a2a-mqtt/connection';
import { createAgentDirectory, type DirectoryEvent } from '@a2a-mqtt/discovery';
import { type AgentAddress, clientIdFor, createTopics, type TopicScheme } from '@a2a-mqtt/protocol';
import {
  artifactText,
  completedDiagnosisSteps,
  DIAGNOSIS_LOG_ARTIFACT_ID,
  DIAGNOSIS_REPORT_ARTIFACT_ID,
  DIAGNOSIS_STEPS,
  diagnosisAgent,
  messageText,
  sendMessageRequest,
  stateName,
  summarizeStreamItem,
  TERMINAL_STATES,
} from '../agents/index.js';
import { demoProcessEntry, startDemoProcess } from '../processes/demo-process.js';
import {
  DEMO_DIAGNOSIS_STEP_DELAY_MS,
  DEMO_SESSION_EXPIRY_SECONDS,
  startDiagnosisService,
} from './diagnosis-service.js';
import { FileTaskStore } from './file-task-store.js';
import type { ScenarioContext, ScenarioDefinition } from './scenario.js';
import {
  directoryChanges,
  discardSession,
  Observations,
  waitForChange,
  waitForPublishAck,
  within,
} from './support.js';

/** The pipeline's requester id (the agent segment of its client id and reply topic). */
const PIPELINE_REQUESTER_ID = 'pipeline';
/** The pipeline's fixed reply-topic suffix: its reply subscription is part of its session. */
const PIPELINE_REPLY_SUFFIX = 'jobs';
/** Bound of the waits of this scenario (process start, checkpoint, will, presence). */
const WAIT_MS = 10_000;
/** Bound of the pipeline's follow-up stream and of the scheduler's reply. */
const FOLLOW_UP_MS = 15_000;

/** One running diagnosis agent, a child process or (demo not built) in this process. */
interface RunningAgent {
  /** "process 1234" or "in the demo's process". */
  readonly where: string;
  readonly realProcess: boolean;
  /** Tasks resumed at start, with the number of steps their checkpoint held. */
  readonly resumed: ReadonlyMap<string, number>;
  /** A real SIGKILL (child process) or a socket destroyed without DISCONNECT (in-process). */
  crash(): Promise<void>;
}

/**
 * Starts the diagnosis agent: a child process (`dist/diagnosis-agent.mjs`) when the demo is
 * built, so that its crash is a real SIGKILL; otherwise the same service in this process.
 * Either way it is stopped (or killed) when the scenario ends.
 */
async function startAgentProcess(
  context: ScenarioContext,
  topics: TopicScheme,
  agent: AgentAddress,
  storeDirectory: string,
): Promise<RunningAgent> {
  const entry = demoProcessEntry('diagnosis-agent');
  if (entry !== undefined) {
    const child = startDemoProcess('diagnosis-agent', {
      entry,
      args: [
        ...['--prefix', topics.prefix, '--org', agent.org, '--unit', agent.unit],
        ...['--agent', agent.agent, '--store', storeDirectory],
        ...['--step-delay-ms', String(DEMO_DIAGNOSIS_STEP_DELAY_MS)],
        ...['--log-level', context.logger.level],
      ],
      env: { A2A_MQTT_URL: context.env.brokerUrl },
      logger: context.logger,
    });
    context.defer(() => child.stop().then(() => undefined));
    const ready = await child.waitForEvent('ready', {
      timeoutMs: WAIT_MS,
      what: 'the diagnosis agent process to start',
      signal: context.signal,
    });
    const resumed = new Map(Object.entries((ready.resumed ?? {}) as Record<string, number>));
    return { where: `process ${child.pid}`, realProcess: true, resumed, crash: () => child.kill() };
  }
  const service = await startDiagnosisService({
    brokerUrl: context.env.brokerUrl,
    topics,
    agent,
    storeDirectory,
    logger: context.logger,
  });
  context.defer(() => service.stop());
  return {
    where: "in the demo's process",
    realProcess: false,
    resumed: service.resumed,
    crash: () => service.crash(),
  };
}

/**
 * Scenario 2: a long-running diagnosis agent that only dials out to the broker. The pipeline
 * submits a streaming task and disconnects; the agent process is killed mid-task and started
 * again; a request sent while it was down waits in its persistent session; the pipeline comes
 * back with the same client id: its persistent session delivers what the agent streamed while
 * it was away, and a follow-up (GetTask, SubscribeToTask) brings the rest. Nothing is lost, no
 * step runs twice.
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
    const bounded = (what: string, timeoutMs = WAIT_MS) => ({
      timeoutMs,
      what,
      signal: context.signal,
    });
    const storeDirectory = await mkdtemp(join(tmpdir(), 'a2a-mqtt-demo-tasks-'));
    context.defer(() => rm(storeDirectory, { recursive: true, force: true }));
    const store = new FileTaskStore(storeDirectory);
    // The persistent sessions of the agent and the pipeline are removed from the broker at the
    // end (cleanups run in reverse order: after both have stopped).
    context.defer(() => discardSession(env.brokerUrl, clientIdFor(agent), context.logger));

    // An operations dashboard watches the agent's presence (its retained card; nothing else).
    const observer = await connectMqttSession({
      url: env.brokerUrl,
      clientId: `${env.org}/${unit}/ops-dashboard`,
      logger: context.logger,
    });
    context.defer(() => observer.close());
    const directory = createAgentDirectory({ session: observer, scope, topics });
    context.defer(() => directory.close());
    const presence = new Observations<string>();
    const watching = (async () => {
      for await (const event of directory.watch()) recordPresence(event, agent.agent, presence);
    })();
    watching.catch(() => undefined);
    await directory.start();

    let running = await startAgentProcess(context, topics, agent, storeDirectory);
    context.progress(
      `diagnosis-agent started (${running.where}; persistent session ${clientIdFor(agent)}, durable tasks in ${storeDirectory})`,
    );
    await presence.waitFor((seen) => seen.includes('online:agent'), bounded('the agent online'));

    // The pipeline: persistent session with a fixed client id and a fixed reply topic.
    const pipelineId = `${env.org}/${unit}/${PIPELINE_REQUESTER_ID}`;
    context.defer(() => discardSession(env.brokerUrl, pipelineId, context.logger));
    const pipelineOptions: MqttSessionOptions = {
      url: env.brokerUrl,
      clientId: pipelineId,
      session: { persistent: true, expiryIntervalSeconds: DEMO_SESSION_EXPIRY_SECONDS },
      logger: context.logger,
    };
    const pipelineClient = (session: MqttSession) =>
      createA2AMqttClient({
        session,
        agent: agent.agent,
        scope,
        topics,
        requesterId: PIPELINE_REQUESTER_ID,
        requesterOptions: { replySuffix: PIPELINE_REPLY_SUFFIX },
        logger: context.logger,
      });
    const first = await connectMqttSession(pipelineOptions);
    const pipeline = await pipelineClient(first);
    const replyTopic = pipeline.requester.replyTopic;
    let task: Task | undefined;
    for await (const item of pipeline.client.sendMessageStream(
      sendMessageRequest('diagnose checkout-service latency'),
      { signal: context.signal },
    )) {
      if (item.payload?.$case === 'task') task = item.payload.value;
      break; // the first item is the task: enough to come back for it later
    }
    context.check(
      'the pipeline submitted a streaming task',
      task !== undefined && !isTerminal(task),
      task ? `${task.id} ${stateName(task.status?.state)}` : 'no task',
    );
    if (task === undefined) return;
    const taskId = task.id;
    // Leaves with a DISCONNECT: the broker keeps the session, its reply subscription included,
    // and queues the stream's next items (QoS 1) for it.
    await first.close();
    context.progress(
      `pipeline submitted task ${taskId} as a stream and disconnected; its session (reply topic ${replyTopic}) stays on the broker`,
    );

    // The agent dies in the middle of the task: once the store shows step 3 under way (so
    // steps 1 and 2 are recorded and were streamed to the pipeline's queue).
    const stored = await waitForChange(
      directoryChanges(storeDirectory),
      async () => {
        const current = await store.load(taskId);
        return current !== undefined &&
          completedDiagnosisSteps(current) >= 2 &&
          /^Step [3-9]\//.test(messageText(current.status?.message))
          ? current
          : undefined;
      },
      bounded('the task to reach step 3'),
    );
    await running.crash();
    const crashedAfter = completedDiagnosisSteps(stored);
    context.progress(
      running.realProcess
        ? `diagnosis-agent (${running.where}) killed with SIGKILL during "${messageText(stored.status?.message)}" (${crashedAfter}/${DIAGNOSIS_STEPS.length} steps recorded)`
        : `diagnosis-agent crashed in-process during "${messageText(stored.status?.message)}" (socket destroyed without DISCONNECT; apps/demo/dist is not built, so no process was killed)`,
      { crash: running.realProcess ? 'SIGKILL' : 'in-process', stepsRecorded: crashedAfter },
    );
    await presence.waitFor(
      (seen) => seen.includes('offline:lwt'),
      bounded('the Last Will (offline card)'),
    );
    context.check('the Last Will marked the agent offline', true, 'offline (lwt)');

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
    // The scheduler's own PUBACK says the broker took the request: reason 0x00 means a
    // subscriber holds it, here the offline agent's persistent session (0x10 would mean none).
    const accepted = waitForPublishAck(
      scheduler.session,
      topics.request(agent),
      bounded("the broker's PUBACK"),
    );
    const queued = scheduler.client.sendMessage(
      sendMessageRequest('diagnose payments-db disk latency'),
    );
    queued.catch(() => undefined);
    const reasonCode = await accepted;
    context.check(
      "the broker queued a request sent while the agent was down (in the agent's persistent session)",
      reasonCode === 0,
      `PUBACK 0x${reasonCode.toString(16).padStart(2, '0')}`,
    );

    // ... and the agent starts again with the same identity and store.
    running = await startAgentProcess(context, topics, agent, storeDirectory);
    const checkpoint = running.resumed.get(taskId) ?? 0;
    context.check(
      'the restarted agent resumed the unfinished task from its checkpoint',
      running.resumed.has(taskId) && checkpoint >= 2 && checkpoint < DIAGNOSIS_STEPS.length,
      `after step ${checkpoint}/${DIAGNOSIS_STEPS.length}`,
    );
    context.progress(
      `diagnosis-agent restarted (${running.where}) and resumed the task after step ${checkpoint}`,
    );

    // The pipeline comes back: same client id; the broker still has its session. Its requester
    // (same reply topic) subscribes before the CONNACK, so nothing queued is missed, and hands
    // the replies of the earlier run's stream, which no call of this process awaits, to
    // onUnmatchedReply.
    const second = new MqttSession({ ...pipelineOptions });
    context.defer(() => second.close());
    let sessionPresent = false;
    second.once('connect', (event) => {
      sessionPresent = event.sessionPresent;
    });
    const queuedItems: StreamResponse[] = [];
    const seenResults = new Set<string>();
    let collecting = true;
    // The reply identity createA2AMqttClient uses below, so the client shares this requester.
    await getRequester(second, {
      ...scope,
      requesterId: PIPELINE_REQUESTER_ID,
      topics,
      replySuffix: PIPELINE_REPLY_SUFFIX,
      logger: context.logger,
      onUnmatchedReply: (reply) => {
        if (!collecting || reply.item === undefined) return;
        const key = JSON.stringify(reply.result);
        if (seenResults.has(key)) return; // a QoS 1 redelivery
        seenResults.add(key);
        const summary = summarizeStreamItem(reply.item);
        if (summary.kind !== 'empty' && summary.taskId === taskId) queuedItems.push(reply.item);
      },
    }).start();
    await second.connect();
    context.check('the pipeline found its persistent session on the broker', sessionPresent);
    const back = await pipelineClient(second);
    context.defer(() => back.close());
    // Task follow-up. Its reply comes on the same subscription after everything queued
    // before it, so once it is here the queue has been delivered.
    let current = await back.client.getTask({ tenant: '', id: taskId, historyLength: 0 });
    collecting = false;
    const queuedSteps = logSteps(queuedItems);
    context.progress(
      `pipeline is back: its persistent session delivered ${queuedItems.length} item(s) streamed while it was away`,
    );
    for (const item of queuedItems) context.progress(`  (queued) ${describeItem(item)}`);
    context.check(
      'the persistent session delivered the steps streamed while the pipeline was away',
      queuedSteps.length > 0 && queuedSteps.every((step, index) => step === index + 1),
      `steps ${queuedSteps.join(', ') || 'none'}`,
    );

    context.progress(`follow-up: GetTask says ${stateName(current.status?.state)}`);
    const followUpSteps: number[] = [];
    let snapshotSteps: number[] = [];
    if (!isTerminal(current)) {
      // Still running on the restarted agent: follow the rest live (SubscribeToTask).
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(FOLLOW_UP_MS)]);
      try {
        for await (const item of back.client.resubscribeTask(
          { tenant: '', id: taskId },
          { signal },
        )) {
          if (item.payload?.$case === 'task') {
            snapshotSteps = rangeTo(completedDiagnosisSteps(item.payload.value));
          } else {
            followUpSteps.push(...logSteps([item]));
            context.progress(`  (follow-up) ${describeItem(item)}`);
          }
        }
      } catch (error) {
        // The task finished between GetTask and the subscription: GetTask below has it all.
        context.logger.debug({ err: error }, 'resubscribe ended');
      }
      // A re-attached stream can deliver the final status a moment before the agent's store
      // has saved it: wait for the store's file events, then ask again.
      await waitForChange(
        directoryChanges(storeDirectory),
        async () => {
          const saved = await store.load(taskId);
          return saved !== undefined && isTerminal(saved);
        },
        bounded('the finished task in the agent store', FOLLOW_UP_MS),
      );
      current = await back.client.getTask({ tenant: '', id: taskId, historyLength: 0 });
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
    // Every step reached the pipeline once as an event (queued or followed up), or, for steps
    // done before it re-attached, in the task it got back; none twice.
    const events = [...queuedSteps, ...followUpSteps];
    const covered = new Set([...events, ...snapshotSteps, ...logSteps([], current)]);
    context.check(
      'the pipeline got every step exactly once (persistent session + follow-up)',
      new Set(events).size === events.length &&
        DIAGNOSIS_STEPS.every((_, index) => covered.has(index + 1)),
      `queued ${queuedSteps.join(',') || '-'}; followed up ${followUpSteps.join(',') || '-'}; from the task ${
        [...covered]
          .filter((step) => !events.includes(step))
          .sort()
          .join(',') || '-'
      }`,
    );
    context.check(
      'the report says where it resumed',
      report.includes(`Resumed after step ${checkpoint}/${DIAGNOSIS_STEPS.length}`),
    );

    const served = await within(queued, FOLLOW_UP_MS, 'the reply to the queued request');
    const servedTask = 'id' in served ? (served as Task) : undefined;
    context.check(
      'the request sent while the agent was down was served after the restart',
      servedTask?.status?.state === TaskState.TASK_STATE_COMPLETED,
      servedTask ? `task ${servedTask.id} ${stateName(servedTask.status?.state)}` : 'a message',
    );
    await presence.waitFor(
      (seen) => seen.at(-1) === 'online:agent',
      bounded('the agent back online'),
    );
    context.check(
      'presence went online -> offline (lwt) -> online',
      isOnlineOfflineOnline(presence.items),
      presence.items.join(' -> '),
    );
  },
};

function isTerminal(task: Task): boolean {
  return TERMINAL_STATES.has(task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED);
}

/** The step numbers of the diagnosis-log chunks in `items` (and in `task`'s log, if given). */
function logSteps(items: readonly StreamResponse[], task?: Task): number[] {
  const texts = items.flatMap((item) =>
    item.payload?.$case === 'artifactUpdate' &&
    item.payload.value.artifact?.artifactId === DIAGNOSIS_LOG_ARTIFACT_ID
      ? [artifactText(item.payload.value.artifact)]
      : [],
  );
  const log = task?.artifacts.find((artifact) => artifact.artifactId === DIAGNOSIS_LOG_ARTIFACT_ID);
  if (log) texts.push(artifactText(log));
  return texts.flatMap((text) =>
    text
      .split('\n')
      .map((line) => /^(\d+)\. /.exec(line)?.[1])
      .filter((step): step is string => step !== undefined)
      .map(Number),
  );
}

function rangeTo(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1);
}

function describeItem(item: StreamResponse): string {
  const summary = summarizeStreamItem(item);
  switch (summary.kind) {
    case 'task':
      return `task ${summary.state}`;
    case 'status':
      return `status ${summary.state}${summary.text ? `: ${summary.text}` : ''}`;
    case 'artifact':
      return `artifact "${summary.name}": ${summary.text.trim().split('\n')[0] ?? ''}`;
    case 'message':
      return `message: ${summary.text}`;
    default:
      return 'empty';
  }
}

function recordPresence(event: DirectoryEvent, agentId: string, into: Observations<string>): void {
  if (event.type === 'invalid' || event.entry.address.agent !== agentId) return;
  if (event.type === 'removed') return;
  const label = `${event.entry.status}:${event.entry.statusSource ?? '?'}`;
  if (into.items.at(-1) !== label) into.push(label);
}

function isOnlineOfflineOnline(presence: readonly string[]): boolean {
  const online = presence.indexOf('online:agent');
  const offline = presence.indexOf('offline:lwt', online);
  return online >= 0 && offline > online && presence.lastIndexOf('online:agent') > offline;
}
