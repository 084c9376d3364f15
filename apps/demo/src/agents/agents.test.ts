import { randomUUID } from 'node:crypto';
import { type Message, Role, type StreamResponse, type Task, TaskState } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore, ServerCallContext } from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import {
  artifactText,
  codeGeneratorAgent,
  completedDiagnosisSteps,
  DEMO_AGENTS,
  type DemoAgentDefinition,
  DIAGNOSIS_LOG_ARTIFACT_ID,
  DIAGNOSIS_REPORT_ARTIFACT_ID,
  DIAGNOSIS_STEPS,
  diagnosisAgent,
  echoAgent,
  GENERATED_CODE_ARTIFACT_NAME,
  messageText,
  TODO_LIST_ARTIFACT_NAME,
  textPart,
} from './index.js';

function userMessage(text: string, ids: { taskId?: string; contextId?: string } = {}): Message {
  return {
    messageId: randomUUID(),
    taskId: ids.taskId ?? '',
    contextId: ids.contextId ?? '',
    role: Role.ROLE_USER,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

function handlerFor(
  agent: DemoAgentDefinition,
  options: { stepDelayMs?: number; signal?: AbortSignal; store?: InMemoryTaskStore } = {},
) {
  const store = options.store ?? new InMemoryTaskStore();
  const executor = agent.createExecutor({
    stepDelayMs: options.stepDelayMs ?? 1,
    signal: options.signal,
  });
  return { store, handler: new DefaultRequestHandler(agent.card(), store, executor) };
}

async function collect(stream: AsyncGenerator<StreamResponse>): Promise<StreamResponse[]> {
  const items: StreamResponse[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

function request(message: Message) {
  return { tenant: '', message, configuration: undefined, metadata: undefined };
}

describe('demo agents', () => {
  it('have valid cards with a name, a version and skills', () => {
    for (const agent of Object.values(DEMO_AGENTS)) {
      const card = agent.card();
      expect(card.name.length).toBeGreaterThan(0);
      expect(card.version).toBe('0.1.0');
      expect(card.skills.length).toBeGreaterThan(0);
      expect(card.capabilities?.streaming).toBe(true);
      expect(agent.defaultAgentId).toMatch(/^[A-Za-z0-9_.-]+$/);
    }
    expect(codeGeneratorAgent.card().name).toBe('code-generator-agent');
  });

  it('echo streams working, an echo artifact and completes with the same text', async () => {
    const { handler } = handlerFor(echoAgent);
    const items = await collect(
      handler.sendMessageStream(request(userMessage('hi')), new ServerCallContext()),
    );
    const cases = items.map((item) => item.payload?.$case);
    expect(cases[0]).toBe('task');
    expect(cases).toContain('artifactUpdate');
    const last = items.at(-1)?.payload;
    expect(last?.$case).toBe('statusUpdate');
    if (last?.$case !== 'statusUpdate') throw new Error('unreachable');
    expect(last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(messageText(last.value.status?.message)).toBe('hi');
  });

  it('code generator streams a TODO List, then the code in chunks, then completes', async () => {
    const { handler, store } = handlerFor(codeGeneratorAgent);
    const context = new ServerCallContext();
    const items = await collect(
      handler.sendMessageStream(
        request(userMessage('rewrite the thread pool as coroutines')),
        context,
      ),
    );
    const artifacts = items.flatMap((item) =>
      item.payload?.$case === 'artifactUpdate' ? [item.payload.value] : [],
    );
    expect(artifacts[0]?.artifact?.name).toBe(TODO_LIST_ARTIFACT_NAME);
    const code = artifacts.filter((a) => a.artifact?.name === GENERATED_CODE_ARTIFACT_NAME);
    expect(code.length).toBeGreaterThan(1);
    expect(code.at(-1)?.lastChunk).toBe(true);
    const statuses = items.flatMap((item) =>
      item.payload?.$case === 'statusUpdate' ? [item.payload.value.status?.state] : [],
    );
    expect(statuses.at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
    const taskId = items[0]?.payload?.$case === 'task' ? items[0].payload.value.id : '';
    const stored = (await store.load(taskId, context)) as Task;
    const stitched = artifactText(stored.artifacts.find((a) => a.artifactId === 'code'));
    expect(stitched).toContain('class CoroutinePool');
    expect(stitched).toContain('fun shutdown()');
  });

  it('is deterministic: the same prompt gives the same code', async () => {
    const run = async (): Promise<string> => {
      const { handler, store } = handlerFor(codeGeneratorAgent);
      const context = new ServerCallContext();
      const task = (await handler.sendMessage(
        request(userMessage('rewrite the thread pool as coroutines')),
        context,
      )) as Task;
      const stored = (await store.load(task.id, context)) as Task;
      return artifactText(stored.artifacts.find((a) => a.artifactId === 'code'));
    };
    expect(await run()).toBe(await run());
  });

  it('diagnosis resumes after a simulated crash without repeating or losing a step', async () => {
    const store = new InMemoryTaskStore();
    const context = new ServerCallContext();
    const crash = new AbortController();
    const first = handlerFor(diagnosisAgent, { store, stepDelayMs: 15, signal: crash.signal });
    const stream = first.handler.sendMessageStream(
      request(userMessage('diagnose checkout-service latency')),
      context,
    );
    let taskId = '';
    let contextId = '';
    let logged = 0;
    for await (const item of stream) {
      if (item.payload?.$case === 'task') {
        taskId = item.payload.value.id;
        contextId = item.payload.value.contextId;
      }
      if (item.payload?.$case === 'artifactUpdate') logged++;
      if (logged === 2) {
        crash.abort(new Error('simulated crash'));
        break;
      }
    }
    const before = (await store.load(taskId, context)) as Task;
    expect(before.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    expect(completedDiagnosisSteps(before)).toBe(2);

    // "Restart": a new executor over the same store continues the stored task.
    const second = handlerFor(diagnosisAgent, { store, stepDelayMs: 1 });
    await second.handler.sendMessage(
      request(userMessage('resume', { taskId, contextId })),
      context,
    );
    const after = (await store.load(taskId, context)) as Task;
    expect(after.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const log = artifactText(
      after.artifacts.find((a) => a.artifactId === DIAGNOSIS_LOG_ARTIFACT_ID),
    );
    const lines = log.trim().split('\n');
    expect(lines.map((line) => line.split(':')[0])).toEqual(
      DIAGNOSIS_STEPS.map((step, index) => `${index + 1}. ${step}`),
    );
    const report = artifactText(
      after.artifacts.find((a) => a.artifactId === DIAGNOSIS_REPORT_ARTIFACT_ID),
    );
    expect(report).toContain('Resumed after step 2/5');
  });

  it('cancels a running task with a CANCELED status', async () => {
    const { handler } = handlerFor(diagnosisAgent, { stepDelayMs: 200 });
    const context = new ServerCallContext();
    const stream = handler.sendMessageStream(request(userMessage('diagnose db')), context);
    const first = await stream.next();
    const task = first.value?.payload?.$case === 'task' ? first.value.payload.value : undefined;
    expect(task).toBeDefined();
    const canceled = await handler.cancelTask(
      { tenant: '', id: task?.id ?? '', metadata: undefined },
      context,
    );
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await stream.return(undefined);
  });
});
