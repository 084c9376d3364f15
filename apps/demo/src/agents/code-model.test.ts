import { randomUUID } from 'node:crypto';
import { Role, type StreamResponse, type Task, TaskState } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore, ServerCallContext } from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import {
  artifactText,
  CodeGeneratorAgentExecutor,
  codeGeneratorAgent,
  createChatCompletionsCodeModel,
  messageText,
  TODO_LIST_ARTIFACT_NAME,
  textPart,
} from './index.js';

interface Recorded {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: { model: string; messages: { role: string; content: string }[] };
}

/** A fake `fetch` answering each call with the next of `answers`, recording every request. */
function fakeFetch(answers: Array<{ status?: number; body: unknown }>) {
  const calls: Recorded[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({
      url: String(input),
      method: init?.method,
      headers: { ...(init?.headers as Record<string, string>) },
      body: JSON.parse(String(init?.body)) as Recorded['body'],
    });
    const answer = answers[calls.length - 1] ?? { status: 500, body: {} };
    return new Response(JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  return { fetchImpl, calls };
}

function completion(content: unknown) {
  return { body: { choices: [{ message: { role: 'assistant', content } }] } };
}

describe('createChatCompletionsCodeModel', () => {
  it('plans through POST {baseUrl}/chat/completions with the model and a bearer key', async () => {
    const { fetchImpl, calls } = fakeFetch([
      completion('1. Read the API\n- Use coroutines\n\n* Keep the API\n2) Test it'),
    ]);
    const model = createChatCompletionsCodeModel({
      baseUrl: 'https://models.example/v1/',
      apiKey: 'sk-secret',
      model: 'tiny-coder',
      fetchImpl,
    });
    const plan = await model.plan('rewrite the thread pool as coroutines');
    expect(plan).toEqual(['Read the API', 'Use coroutines', 'Keep the API', 'Test it']);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://models.example/v1/chat/completions');
    expect(calls[0]?.method).toBe('POST');
    expect(calls[0]?.headers).toEqual({
      'content-type': 'application/json',
      authorization: 'Bearer sk-secret',
    });
    expect(calls[0]?.body.model).toBe('tiny-coder');
    expect(calls[0]?.body.messages).toEqual([
      {
        role: 'user',
        content: 'List the steps, one per line, to: rewrite the thread pool as coroutines',
      },
    ]);
  });

  it('generates the code from the plan and unwraps a fenced answer', async () => {
    const { fetchImpl, calls } = fakeFetch([completion('```kotlin\nclass Pool\n```\n')]);
    const model = createChatCompletionsCodeModel({
      baseUrl: 'http://localhost:11434/v1',
      model: 'local',
      fetchImpl,
    });
    const chunks: string[] = [];
    for await (const chunk of model.generate('write a pool', ['step a', 'step b'])) {
      chunks.push(chunk);
    }
    expect(chunks).toEqual(['class Pool']);
    expect(calls[0]?.body.messages[0]?.content).toBe(
      'write a pool\nFollow this plan:\nstep a\nstep b\nAnswer with code only.',
    );
    // No key: no Authorization header (local OpenAI-compatible servers).
    expect(calls[0]?.headers).toEqual({ 'content-type': 'application/json' });
    expect(model.mediaType('write a pool')).toBe('text/plain');
  });

  it('fails with the HTTP status only, never the key', async () => {
    const { fetchImpl } = fakeFetch([{ status: 401, body: { error: 'bad key sk-secret' } }]);
    const model = createChatCompletionsCodeModel({
      baseUrl: 'https://models.example/v1',
      apiKey: 'sk-secret',
      model: 'm',
      fetchImpl,
    });
    const failure = await model.plan('x').then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure?.message).toBe('model call failed: HTTP 401');
    expect(failure?.message).not.toContain('sk-secret');
  });

  it('fails clearly on an answer without message content', async () => {
    const { fetchImpl } = fakeFetch([{ body: { choices: [] } }]);
    const model = createChatCompletionsCodeModel({ baseUrl: 'https://m', model: 'm', fetchImpl });
    await expect(model.plan('x')).rejects.toThrow(
      'model call failed: the answer has no message content',
    );
  });
});

describe('the code generator on a chat-completions model', () => {
  async function run(answers: Array<{ status?: number; body: unknown }>) {
    const { fetchImpl, calls } = fakeFetch(answers);
    const executor = new CodeGeneratorAgentExecutor({
      model: createChatCompletionsCodeModel({
        baseUrl: 'https://models.example/v1',
        apiKey: 'sk-secret',
        model: 'tiny-coder',
        fetchImpl,
      }),
      stepDelayMs: 1,
    });
    const store = new InMemoryTaskStore();
    const handler = new DefaultRequestHandler(codeGeneratorAgent.card(), store, executor);
    const context = new ServerCallContext();
    const items: StreamResponse[] = [];
    const message = {
      messageId: randomUUID(),
      taskId: '',
      contextId: '',
      role: Role.ROLE_USER,
      parts: [textPart('write a queue')],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    };
    for await (const item of handler.sendMessageStream(
      { tenant: '', message, configuration: undefined, metadata: undefined },
      context,
    )) {
      items.push(item);
    }
    const taskId = items[0]?.payload?.$case === 'task' ? items[0].payload.value.id : '';
    const task = (await store.load(taskId, context)) as Task;
    return { calls, items, task };
  }

  it('streams the model plan as the TODO List and its code as the artifact', async () => {
    const { calls, task } = await run([
      completion('- Define the queue\n- Add push and pop'),
      completion('class Queue {}'),
    ]);
    expect(calls).toHaveLength(2);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const todo = task.artifacts.find((artifact) => artifact.name === TODO_LIST_ARTIFACT_NAME);
    expect(artifactText(todo)).toBe('- [ ] Define the queue\n- [ ] Add push and pop');
    const code = task.artifacts.find((artifact) => artifact.artifactId === 'code');
    expect(artifactText(code)).toBe('class Queue {}');
  });

  it('ends the task failed, with the reason, when the model call fails', async () => {
    const { items, task } = await run([{ status: 503, body: {} }]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(messageText(task.status?.message)).toBe(
      'Code generation failed: model call failed: HTTP 503',
    );
    const last = items.at(-1)?.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(
      TaskState.TASK_STATE_FAILED,
    );
  });
});
