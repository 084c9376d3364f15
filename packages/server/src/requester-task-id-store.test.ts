import { InMemoryTaskStore, ServerCallContext } from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import {
  RequesterTaskIdStore,
  TASK_ADOPTION_STATE_KEY,
  type TaskAdoption,
} from './requester-task-id-store.js';

describe('RequesterTaskIdStore', () => {
  it('answers an adoption ticket once with a SUBMITTED task under the requester id', async () => {
    const store = new RequesterTaskIdStore(new InMemoryTaskStore());
    const context = new ServerCallContext();
    expect(await store.load('t-1', context)).toBeUndefined();
    const adoption: TaskAdoption = { taskId: 't-1', contextId: 'c-1' };
    context.state.set(TASK_ADOPTION_STATE_KEY, adoption);
    expect(await store.load('t-2', context)).toBeUndefined();
    const task = await store.load('t-1', context);
    expect(task).toMatchObject({
      id: 't-1',
      contextId: 'c-1',
      status: { state: 1 },
      history: [],
      artifacts: [],
    });
    expect(adoption.consumed).toBe(true);
    expect(await store.load('t-1', context)).toBeUndefined();
  });

  it('prefers a stored task and passes saves and lists through', async () => {
    const inner = new InMemoryTaskStore();
    const store = new RequesterTaskIdStore(inner);
    const context = new ServerCallContext();
    context.state.set(TASK_ADOPTION_STATE_KEY, { taskId: 't', contextId: 'new' });
    await store.save(
      { id: 't', contextId: 'old', status: undefined, artifacts: [], history: [], metadata: {} },
      context,
    );
    expect((await store.load('t', context))?.contextId).toBe('old');
    expect((await inner.load('t', context))?.contextId).toBe('old');
    const listed = await store.list(
      {
        tenant: '',
        contextId: '',
        status: 0,
        pageSize: 10,
        pageToken: '',
        historyLength: undefined,
        statusTimestampAfter: undefined,
        includeArtifacts: false,
      } as never,
      context,
    );
    expect(listed.tasks).toHaveLength(1);
  });
});
