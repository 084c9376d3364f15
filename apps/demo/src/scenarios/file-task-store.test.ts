import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Task, TaskState } from '@a2a-js/sdk';
import { ServerCallContext } from '@a2a-js/sdk/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { textPart } from '../agents/index.js';
import { FileTaskStore } from './file-task-store.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'a2a-mqtt-store-test-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function task(id: string, state: TaskState, contextId = 'c1'): Task {
  return {
    id,
    contextId,
    status: { state, message: undefined, timestamp: '2026-01-01T00:00:00.000Z' },
    artifacts: [
      {
        artifactId: 'a',
        name: 'log',
        description: '',
        parts: [textPart('step 1')],
        metadata: undefined,
        extensions: [],
      },
    ],
    history: [],
    metadata: undefined,
  };
}

describe('FileTaskStore', () => {
  it('keeps tasks across instances (a restart), artifacts included', async () => {
    const context = new ServerCallContext();
    await new FileTaskStore(directory).save(task('t1', TaskState.TASK_STATE_WORKING), context);
    const reopened = new FileTaskStore(directory);
    expect(await reopened.load('t1', context)).toEqual(task('t1', TaskState.TASK_STATE_WORKING));
    expect(await reopened.load('missing', context)).toBeUndefined();
  });

  it('lists unfinished tasks (submitted, working) for resumption', async () => {
    const store = new FileTaskStore(directory);
    await store.save(task('w', TaskState.TASK_STATE_WORKING));
    await store.save(task('s', TaskState.TASK_STATE_SUBMITTED));
    await store.save(task('done', TaskState.TASK_STATE_COMPLETED));
    await store.save(task('input', TaskState.TASK_STATE_INPUT_REQUIRED));
    expect((await store.unfinished()).map((t) => t.id).sort()).toEqual(['s', 'w']);
    expect(FileTaskStore.isTerminal(await store.load('done'))).toBe(true);
  });

  it('lists by context with pagination', async () => {
    const store = new FileTaskStore(directory);
    for (const id of ['a', 'b', 'c']) await store.save(task(id, TaskState.TASK_STATE_COMPLETED));
    await store.save(task('other', TaskState.TASK_STATE_COMPLETED, 'c2'));
    const first = await store.list(
      {
        tenant: '',
        contextId: 'c1',
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageSize: 2,
        pageToken: '',
        statusTimestampAfter: undefined,
      },
      new ServerCallContext(),
    );
    expect(first.totalSize).toBe(3);
    expect(first.tasks).toHaveLength(2);
    expect(first.tasks[0]?.artifacts).toEqual([]);
    const second = await store.list(
      {
        tenant: '',
        contextId: 'c1',
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageSize: 2,
        pageToken: first.nextPageToken,
        statusTimestampAfter: undefined,
      },
      new ServerCallContext(),
    );
    expect(second.tasks).toHaveLength(1);
    expect(second.nextPageToken).toBe('');
  });
});
