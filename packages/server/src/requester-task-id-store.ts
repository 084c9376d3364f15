/**
 * The requester-generated Task.id of the MQTT profile, implemented as a {@link TaskStore}
 * decorator so that task creation still happens inside @a2a-js/sdk's request handler.
 *
 * `DefaultRequestHandler` rejects a `SendMessage` whose `message.taskId` it does not know
 * (`TaskNotFoundError`). The MQTT runtime validates the id (UUIDv4), checks that no such task
 * exists, and marks the call context with an adoption ticket. When the handler then loads
 * that id, this store answers with a fresh SUBMITTED task under the requester's id (and
 * contextId); the handler appends the message, saves it through the wrapped store, and runs
 * the executor as for any existing task. Calls without a ticket behave exactly like the
 * wrapped store.
 */
import { TaskState } from '@a2a-js/sdk';
import type { ServerCallContext, TaskStore } from '@a2a-js/sdk/server';

type Task = NonNullable<Awaited<ReturnType<TaskStore['load']>>>;
type ListParams = Parameters<TaskStore['list']>[0];
type ListResult = Awaited<ReturnType<TaskStore['list']>>;

/** Key of the adoption ticket in `ServerCallContext.state`. */
export const TASK_ADOPTION_STATE_KEY = 'a2a-mqtt.task-adoption';

/** What the runtime puts under {@link TASK_ADOPTION_STATE_KEY}. */
export interface TaskAdoption {
  /** The requester-generated Task.id the handler may create. */
  taskId: string;
  /** The requester's contextId, or a generated one when the message had none. */
  contextId: string;
  /** Set by the store when the ticket was used. */
  consumed?: boolean;
}

/**
 * A {@link TaskStore} that lets @a2a-js/sdk's `DefaultRequestHandler` create a task under a
 * requester-generated Task.id, as the A2A over MQTT profile requires. Wrap the store you give
 * the request handler (in-memory, database or your own); {@link createRequestHandler} does it
 * for you.
 *
 * @example
 * ```ts
 * const store = new RequesterTaskIdStore(new InMemoryTaskStore());
 * const handler = new DefaultRequestHandler(card, store, executor);
 * ```
 */
export class RequesterTaskIdStore implements TaskStore {
  /** @param inner the store that keeps the tasks. */
  constructor(private readonly inner: TaskStore) {}

  /** Loads a task; for an adoption ticket naming an unknown id, a new SUBMITTED task. */
  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const task = await this.inner.load(taskId, context);
    if (task) return task;
    const adoption = context?.state?.get(TASK_ADOPTION_STATE_KEY) as TaskAdoption | undefined;
    if (!adoption || adoption.consumed || adoption.taskId !== taskId) return undefined;
    adoption.consumed = true;
    return {
      id: taskId,
      contextId: adoption.contextId,
      status: {
        state: TaskState.TASK_STATE_SUBMITTED,
        message: undefined,
        timestamp: new Date().toISOString(),
      },
      artifacts: [],
      history: [],
      metadata: {},
    };
  }

  /** Saves through the wrapped store. */
  save(task: Task, context: ServerCallContext): Promise<void> {
    return this.inner.save(task, context);
  }

  /** Lists through the wrapped store. */
  list(params: ListParams, context: ServerCallContext): Promise<ListResult> {
    return this.inner.list(params, context);
  }
}
