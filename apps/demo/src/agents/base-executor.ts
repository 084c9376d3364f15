import { TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { delay, statusEvent, submittedTask } from './events.js';
import type { DemoExecutorOptions } from './types.js';

/** Thrown inside a run when its task was canceled; the run ends quietly. */
class TaskCanceled extends Error {}

/** What a run gets to publish its work. */
export interface DemoRun {
  readonly taskId: string;
  readonly contextId: string;
  readonly context: RequestContext;
  /** Publishes an event unless the task was canceled or the executor aborted. */
  publish(event: Parameters<ExecutionEventBus['publish']>[0]): void;
  /** Waits `stepDelayMs` (or `ms`); throws to end the run when canceled or aborted. */
  pause(ms?: number): Promise<void>;
}

/**
 * The lifecycle shared by the demo executors: publish the task snapshot first (the SDK requires a
 * `task` event first, also on follow-up turns), then working, then the agent's own steps, with
 * cooperative cancellation (`cancelTask` publishes `CANCELED` at once) and an abort signal that
 * silences every run (a simulated crash: nothing more is published, nothing fails).
 */
export abstract class DemoExecutorBase implements AgentExecutor {
  protected readonly stepDelayMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #running = new Map<string, { contextId: string; canceled: boolean }>();

  protected constructor(options: DemoExecutorOptions, defaultStepDelayMs: number) {
    this.stepDelayMs = options.stepDelayMs ?? defaultStepDelayMs;
    this.#signal = options.signal;
  }

  /** The agent's steps, after the task snapshot and the first `WORKING` status. */
  protected abstract run(run: DemoRun): Promise<void>;

  execute = async (context: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const { taskId, contextId } = context;
    const state = { contextId, canceled: false };
    this.#running.set(taskId, state);
    const live = (): boolean => !state.canceled && !this.#signal?.aborted;
    const run: DemoRun = {
      taskId,
      contextId,
      context,
      publish: (event) => {
        if (live()) bus.publish(event);
      },
      pause: async (ms) => {
        try {
          await delay(ms ?? this.stepDelayMs, this.#signal);
        } catch {
          throw new TaskCanceled();
        }
        if (!live()) throw new TaskCanceled();
      },
    };
    try {
      run.publish(
        AgentEvent.task(
          context.task ?? submittedTask({ taskId, contextId, userMessage: context.userMessage }),
        ),
      );
      run.publish(
        statusEvent({ taskId, contextId, state: TaskState.TASK_STATE_WORKING, step: 'working' }),
      );
      await this.run(run);
    } catch (error) {
      if (!(error instanceof TaskCanceled)) throw error;
    } finally {
      if (this.#running.get(taskId) === state) this.#running.delete(taskId);
    }
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    const state = this.#running.get(taskId);
    if (state === undefined || state.canceled) return;
    state.canceled = true;
    bus.publish(
      statusEvent({
        taskId,
        contextId: state.contextId,
        state: TaskState.TASK_STATE_CANCELED,
        text: 'Canceled on request.',
        step: 'canceled',
      }),
    );
  };
}
