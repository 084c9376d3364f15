import { AgentCard, type Artifact, type Message, type Part, type Task } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
  ResultManager,
  ServerCallContext,
  type TaskStore,
} from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import { FastInMemoryTaskStore } from './fast-in-memory-task-store.js';

// Numeric values of the SDK's enums (the enums themselves are type-only exports).
const ROLE_USER = 1;
const ROLE_AGENT = 2;
const SUBMITTED = 1;
const WORKING = 2;
const COMPLETED = 3;
const INPUT_REQUIRED = 6;

function textPart(text: string): Part {
  return {
    content: { $case: 'text', value: text },
    mediaType: 'text/plain',
    filename: '',
    metadata: undefined,
  };
}

function userMessage(
  text: string,
  ids: { messageId: string; taskId?: string; contextId?: string },
): Message {
  return {
    messageId: ids.messageId,
    taskId: ids.taskId ?? '',
    contextId: ids.contextId ?? '',
    role: ROLE_USER,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

function artifact(id: string, parts: Part[]): Artifact {
  return {
    artifactId: id,
    name: 'answer',
    description: '',
    parts,
    metadata: undefined,
    extensions: [],
  };
}

function makeTask(id: string, partCount: number, timestamp = '2026-01-01T00:00:00.000Z'): Task {
  return {
    id,
    contextId: `ctx-${id}`,
    status: { state: WORKING, message: undefined, timestamp },
    artifacts: [
      artifact(
        'a1',
        Array.from({ length: partCount }, (_, i) => textPart(`chunk ${i}`)),
      ),
    ],
    history: [userMessage('hello', { messageId: `m-${id}`, taskId: id, contextId: `ctx-${id}` })],
    metadata: { origin: 'test' },
  };
}

const anonymous = () => new ServerCallContext();
const as = (userName: string, tenant?: string) =>
  new ServerCallContext({ user: { isAuthenticated: true, userName }, tenant });

describe('FastInMemoryTaskStore: save and load', () => {
  it('returns undefined for an unknown task', async () => {
    const store = new FastInMemoryTaskStore();
    expect(await store.load('nope', anonymous())).toBeUndefined();
  });

  it('loads what was saved, as a new object', async () => {
    const store = new FastInMemoryTaskStore();
    const task = makeTask('t1', 3);
    await store.save(task, anonymous());
    const loaded = await store.load('t1', anonymous());
    expect(loaded).toEqual(makeTask('t1', 3));
    expect(loaded).not.toBe(task);
  });

  it('keeps changes made to a loaded task out of the store until it is saved', async () => {
    const store = new FastInMemoryTaskStore();
    await store.save(makeTask('t1', 2), anonymous());
    const loaded = (await store.load('t1', anonymous()))!;
    // The edits DefaultRequestHandler and ResultManager make to a loaded task.
    loaded.status!.state = COMPLETED;
    loaded.history = [];
    loaded.metadata = { replaced: true };
    loaded.artifacts[0]!.parts = [...loaded.artifacts[0]!.parts, textPart('more')];
    loaded.artifacts[0]!.name = 'renamed';
    loaded.artifacts.push(artifact('a2', [textPart('x')]));
    expect(await store.load('t1', anonymous())).toEqual(makeTask('t1', 2));

    await store.save(loaded, anonymous());
    const saved = (await store.load('t1', anonymous()))!;
    expect(saved.status!.state).toBe(COMPLETED);
    expect(saved.history).toEqual([]);
    expect(saved.artifacts.map((a) => a.parts.length)).toEqual([3, 1]);
  });

  it('keeps changes made to a task after saving it out of the store', async () => {
    const store = new FastInMemoryTaskStore();
    const task = makeTask('t1', 2);
    await store.save(task, anonymous());
    // sendMessage applies historyLength to the very object ResultManager saved.
    task.history = [];
    task.status!.state = COMPLETED;
    task.artifacts.pop();
    expect(await store.load('t1', anonymous())).toEqual(makeTask('t1', 2));
  });

  it('overwrites a task saved under the same id', async () => {
    const store = new FastInMemoryTaskStore();
    await store.save(makeTask('t1', 2), anonymous());
    await store.save(makeTask('t1', 5), anonymous());
    expect((await store.load('t1', anonymous()))!.artifacts[0]!.parts).toHaveLength(5);
  });

  it('scopes tasks by owner and tenant', async () => {
    const store = new FastInMemoryTaskStore();
    await store.save(makeTask('t1', 1), as('alice', 'acme'));
    expect(await store.load('t1', as('alice', 'acme'))).toBeDefined();
    expect(await store.load('t1', as('bob', 'acme'))).toBeUndefined();
    expect(await store.load('t1', as('alice', 'other'))).toBeUndefined();
    expect(await store.load('t1', anonymous())).toBeUndefined();
  });

  it('uses a custom owner resolver', async () => {
    const store = new FastInMemoryTaskStore({ ownerResolver: () => 'everyone' });
    await store.save(makeTask('t1', 1), as('alice'));
    expect(await store.load('t1', as('bob'))).toBeDefined();
  });
});

describe('FastInMemoryTaskStore: list', () => {
  async function seeded() {
    const store = new FastInMemoryTaskStore();
    for (let i = 0; i < 5; i++) {
      const task = makeTask(`t${i}`, 1, `2026-01-01T00:00:0${i}.000Z`);
      task.contextId = i % 2 === 0 ? 'even' : 'odd';
      if (i === 4) task.status!.state = COMPLETED;
      await store.save(task, anonymous());
    }
    await store.save(makeTask('elsewhere', 1), as('bob'));
    return store;
  }
  const request = (overrides: Record<string, unknown> = {}) => ({
    tenant: '',
    contextId: '',
    status: 0,
    pageToken: '',
    statusTimestampAfter: undefined,
    ...overrides,
  });

  it('lists the caller’s tasks newest first, without artifacts by default', async () => {
    const store = await seeded();
    const page = await store.list(request(), anonymous());
    expect(page.tasks.map((t) => t.id)).toEqual(['t4', 't3', 't2', 't1', 't0']);
    expect(page.totalSize).toBe(5);
    expect(page.pageSize).toBe(50);
    expect(page.nextPageToken).toBe('');
    expect(page.tasks.every((t) => t.artifacts.length === 0)).toBe(true);
    const withArtifacts = await store.list(request({ includeArtifacts: true }), anonymous());
    expect(withArtifacts.tasks[0]!.artifacts).toHaveLength(1);
    // Listing hands out copies too.
    expect((await store.load('t4', anonymous()))!.artifacts).toHaveLength(1);
  });

  it('filters by context, state and timestamp', async () => {
    const store = await seeded();
    const byContext = await store.list(request({ contextId: 'odd' }), anonymous());
    expect(byContext.tasks.map((t) => t.id)).toEqual(['t3', 't1']);
    const byState = await store.list(request({ status: COMPLETED }), anonymous());
    expect(byState.tasks.map((t) => t.id)).toEqual(['t4']);
    const after = await store.list(
      request({ statusTimestampAfter: '2026-01-01T00:00:02.500Z' }),
      anonymous(),
    );
    expect(after.tasks.map((t) => t.id)).toEqual(['t4', 't3']);
  });

  it('pages with tokens that the SDK store would also accept', async () => {
    const store = await seeded();
    const sdkStore = new InMemoryTaskStore();
    for (const task of (await store.list(request({ includeArtifacts: true }), anonymous())).tasks) {
      await sdkStore.save(task, anonymous());
    }
    const first = await store.list(request({ pageSize: 2 }), anonymous());
    expect(first.tasks.map((t) => t.id)).toEqual(['t4', 't3']);
    expect(first.nextPageToken).toBe(
      (await sdkStore.list(request({ pageSize: 2 }), anonymous())).nextPageToken,
    );
    const second = await store.list(
      request({ pageSize: 2, pageToken: first.nextPageToken }),
      anonymous(),
    );
    expect(second.tasks.map((t) => t.id)).toEqual(['t2', 't1']);
    const third = await store.list(
      request({ pageSize: 2, pageToken: second.nextPageToken }),
      anonymous(),
    );
    expect(third.tasks.map((t) => t.id)).toEqual(['t0']);
    expect(third.nextPageToken).toBe('');
  });

  it('rejects a malformed page token', async () => {
    const store = await seeded();
    await expect(store.list(request({ pageToken: 'bm9waXBl' }), anonymous())).rejects.toThrow(
      /page token/i,
    );
  });
});

/**
 * Counts the property operations a store performs on task data: the tasks handed to `save`
 * are wrapped (lazily, all the way down) in proxies that count reads while `enabled` is set.
 * A store that copies whole tasks reads every part and message, so its count grows with the
 * task; a store with a constant cost per event reads the same number whatever the size.
 */
function createOperationCounter() {
  const state = { enabled: false, count: 0 };
  const proxies = new WeakMap<object, object>();
  const created = new WeakSet<object>();
  const wrap = <T>(value: T): T => {
    if (typeof value !== 'object' || value === null || created.has(value)) return value;
    const known = proxies.get(value);
    if (known) return known as T;
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (state.enabled) state.count++;
        return wrap(Reflect.get(target, key, receiver));
      },
      ownKeys(target) {
        if (state.enabled) state.count++;
        return Reflect.ownKeys(target);
      },
      getOwnPropertyDescriptor(target, key) {
        if (state.enabled) state.count++;
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      has(target, key) {
        if (state.enabled) state.count++;
        return Reflect.has(target, key);
      },
    });
    proxies.set(value, proxy);
    created.add(proxy);
    return proxy as T;
  };
  /** The store as the request handler sees it, counting only inside `save` and `load`. */
  const counting = (store: TaskStore): TaskStore => ({
    async save(task, context) {
      state.enabled = true;
      try {
        await store.save(wrap(task), context);
      } finally {
        state.enabled = false;
      }
    },
    async load(taskId, context) {
      state.enabled = true;
      try {
        return await store.load(taskId, context);
      } finally {
        state.enabled = false;
      }
    },
    list: (params, context) => store.list(params, context),
  });
  return { state, wrap, counting };
}

/** A deliberately naive store (deep copy per save and load), the control for the counter. */
class DeepCopyTaskStore implements TaskStore {
  private readonly tasks = new Map<string, string>();
  async save(task: Task): Promise<void> {
    this.tasks.set(task.id, JSON.stringify(task));
  }
  async load(taskId: string): Promise<Task | undefined> {
    const json = this.tasks.get(taskId);
    return json === undefined ? undefined : JSON.parse(json);
  }
  async list(): Promise<never> {
    throw new Error('not used');
  }
}

/** Store operations spent on one appended chunk (ResultManager: load, append, save). */
async function operationsPerAppend(store: TaskStore, partCount: number): Promise<number> {
  const counter = createOperationCounter();
  const context = anonymous();
  const counted = counter.counting(store);
  await counted.save(makeTask('t1', partCount), context);
  const resultManager = new ResultManager(counted, context);
  counter.state.count = 0;
  await resultManager.processEvent(
    AgentEvent.artifactUpdate({
      taskId: 't1',
      contextId: 'ctx-t1',
      artifact: artifact('a1', [textPart('next')]),
      append: true,
      lastChunk: false,
      metadata: undefined,
    }),
  );
  const operations = counter.state.count;
  const parts = (await store.load('t1', context))!.artifacts[0]!.parts;
  expect(parts).toHaveLength(partCount + 1);
  expect(parts[partCount]).toEqual(textPart('next'));
  return operations;
}

describe('FastInMemoryTaskStore: cost per appended chunk', () => {
  it('does not grow with the size of the task (operation count)', async () => {
    const small = await operationsPerAppend(new FastInMemoryTaskStore(), 10);
    const large = await operationsPerAppend(new FastInMemoryTaskStore(), 1_000);
    const huge = await operationsPerAppend(new FastInMemoryTaskStore(), 10_000);
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small);
    expect(huge).toBe(small);
  });

  it('the counter does see a store that copies whole tasks (control)', async () => {
    const small = await operationsPerAppend(new DeepCopyTaskStore(), 10);
    const large = await operationsPerAppend(new DeepCopyTaskStore(), 1_000);
    expect(large).toBeGreaterThan(small * 50);
  });

  it('costs the same for the hundredth chunk as for the first', async () => {
    const store = new FastInMemoryTaskStore();
    const counter = createOperationCounter();
    const context = anonymous();
    const counted = counter.counting(store);
    await counted.save(makeTask('t1', 0), context);
    const resultManager = new ResultManager(counted, context);
    const costs: number[] = [];
    for (let i = 0; i < 100; i++) {
      counter.state.count = 0;
      await resultManager.processEvent(
        AgentEvent.artifactUpdate({
          taskId: 't1',
          contextId: 'ctx-t1',
          artifact: artifact('a1', [textPart(`c${i}`)]),
          append: true,
          lastChunk: false,
          metadata: undefined,
        }),
      );
      costs.push(counter.state.count);
    }
    expect(new Set(costs.slice(1)).size).toBe(1);
    expect(costs[99]).toBe(costs[1]);
  });
});

describe('FastInMemoryTaskStore under DefaultRequestHandler', () => {
  const card = AgentCard.fromJSON({
    name: 'store-test',
    description: 'test agent',
    version: '1.0.0',
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [],
    supportedInterfaces: [],
  });

  /**
   * First turn: asks for input. Second turn: streams `chunks` appended chunks into one
   * artifact, replaces a second artifact as many times, then completes with a status message.
   */
  function executor(chunks: number): AgentExecutor {
    return {
      async execute(requestContext, bus) {
        const { taskId, contextId } = requestContext;
        if (!requestContext.task) {
          bus.publish(
            AgentEvent.task({
              id: taskId,
              contextId,
              status: {
                state: SUBMITTED,
                message: undefined,
                timestamp: '2026-01-01T00:00:00.000Z',
              },
              artifacts: [],
              history: [],
              metadata: { turn: 1 },
            }),
          );
          bus.publish(
            AgentEvent.statusUpdate({
              taskId,
              contextId,
              status: {
                state: INPUT_REQUIRED,
                message: undefined,
                timestamp: '2026-01-01T00:00:01.000Z',
              },
              metadata: undefined,
            }),
          );
          bus.finished();
          return;
        }
        bus.publish(AgentEvent.task({ ...requestContext.task, metadata: { turn: 2 } }));
        for (let i = 0; i < chunks; i++) {
          bus.publish(
            AgentEvent.artifactUpdate({
              taskId,
              contextId,
              artifact: artifact('tokens', [textPart(`t${i} `)]),
              append: i > 0,
              lastChunk: i === chunks - 1,
              metadata: undefined,
            }),
          );
          bus.publish(
            AgentEvent.artifactUpdate({
              taskId,
              contextId,
              artifact: artifact('progress', [textPart(`${i + 1}/${chunks}`)]),
              append: false,
              lastChunk: false,
              metadata: undefined,
            }),
          );
        }
        bus.publish(
          AgentEvent.statusUpdate({
            taskId,
            contextId,
            status: {
              state: COMPLETED,
              message: {
                messageId: 'done',
                taskId,
                contextId,
                role: ROLE_AGENT,
                parts: [textPart('done')],
                metadata: undefined,
                extensions: [],
                referenceTaskIds: [],
              },
              timestamp: '2026-01-01T00:00:02.000Z',
            },
            metadata: { finished: true },
          }),
        );
        bus.finished();
      },
      async cancelTask() {},
    };
  }

  /** Both turns through the handler; returns what a client would observe. */
  async function conversation(store: TaskStore, chunks: number) {
    const handler = new DefaultRequestHandler(card, store, executor(chunks));
    const context = anonymous();
    const first = await handler.sendMessage(
      {
        tenant: '',
        message: userMessage('question', { messageId: 'u1' }),
        configuration: {
          acceptedOutputModes: [],
          taskPushNotificationConfig: undefined,
          returnImmediately: false,
          historyLength: 0,
        },
        metadata: undefined,
      },
      context,
    );
    if (!('status' in first)) throw new Error('expected a task');
    const firstHistoryLength = first.history.length;
    const afterFirst = await handler.getTask({ tenant: '', id: first.id }, context);
    const events = [];
    for await (const event of handler.sendMessageStream(
      {
        tenant: '',
        message: userMessage('answer please', {
          messageId: 'u2',
          taskId: first.id,
          contextId: first.contextId,
        }),
        configuration: undefined,
        metadata: undefined,
      },
      context,
    )) {
      events.push(event.payload?.$case);
    }
    const final = await handler.getTask({ tenant: '', id: first.id }, context);
    const normalise = (task: Task) =>
      JSON.parse(
        JSON.stringify(task).replaceAll(first.id, 'TASK').replaceAll(first.contextId, 'CTX'),
      );
    return {
      firstHistoryLength,
      afterFirst: normalise(afterFirst),
      events,
      final: normalise(final),
    };
  }

  it('gives the same results as the SDK’s InMemoryTaskStore', async () => {
    const fast = await conversation(new FastInMemoryTaskStore(), 50);
    const sdk = await conversation(new InMemoryTaskStore(), 50);
    expect(fast).toEqual(sdk);
  });

  it('keeps history that a response trimmed with historyLength', async () => {
    const result = await conversation(new FastInMemoryTaskStore(), 1);
    expect(result.firstHistoryLength).toBe(0);
    expect(result.afterFirst.history.map((m: Message) => m.messageId)).toEqual(['u1']);
    expect(result.final.history.map((m: Message) => m.messageId)).toEqual(['u1', 'u2', 'done']);
  });

  it('accumulates every appended chunk in order and keeps the last replacement', async () => {
    const chunks = 2_000;
    const result = await conversation(new FastInMemoryTaskStore(), chunks);
    const [tokens, progress] = result.final.artifacts as Artifact[];
    expect(tokens!.parts).toHaveLength(chunks);
    expect(tokens!.parts.map((p) => (p.content as { value: string }).value).join('')).toBe(
      Array.from({ length: chunks }, (_, i) => `t${i} `).join(''),
    );
    expect(progress!.parts).toEqual([textPart(`${chunks}/${chunks}`)]);
    expect(result.final.status.state).toBe(COMPLETED);
    expect(result.final.metadata).toEqual({ turn: 2, finished: true });
    expect(result.events).toHaveLength(2 + chunks * 2);
  });
});
