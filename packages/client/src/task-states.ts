import { type StreamResponse, type Task, TaskState } from '@a2a-js/sdk';

/**
 * States that end a reply stream for its correlation: the terminal states and the two
 * interrupted ones (`INPUT_REQUIRED`, `AUTH_REQUIRED`), per the profile's streaming rules.
 */
export function isStreamFinalState(state: TaskState | undefined): boolean {
  switch (state) {
    case TaskState.TASK_STATE_COMPLETED:
    case TaskState.TASK_STATE_FAILED:
    case TaskState.TASK_STATE_CANCELED:
    case TaskState.TASK_STATE_REJECTED:
    case TaskState.TASK_STATE_INPUT_REQUIRED:
    case TaskState.TASK_STATE_AUTH_REQUIRED:
      return true;
    default:
      return false;
  }
}

/**
 * True when a task is in a state that ends its stream (terminal or interrupted). Used for the
 * task a `GetTask` recovery of a stalled stream returns, never for a task snapshot received on
 * the stream itself (see {@link isStreamFinalItem}).
 */
export function isTaskStreamFinal(task: Task): boolean {
  return isStreamFinalState(task.status?.state);
}

/**
 * True when a stream item ends the stream for its correlation, as the profile defines it
 * (`Streaming Reply Mapping`, items 5 to 7): a `statusUpdate` whose state is terminal
 * (`COMPLETED`, `FAILED`, `CANCELED`, `REJECTED`) or interrupted (`INPUT_REQUIRED`,
 * `AUTH_REQUIRED`), or a direct `message` reply (A2A answers with a message instead of a task,
 * so nothing follows it).
 *
 * A `task` snapshot never ends a stream, whatever its state: it is the state of the task when
 * the stream (re)started, and what follows it on the same correlation is the task's status
 * updates. A stream retry of a finished task, for instance, gets the snapshot and then its
 * final status update; a `SubscribeToTask` or a continuation starts with a snapshot in the
 * interrupted state the task is leaving.
 */
export function isStreamFinalItem(item: StreamResponse): boolean {
  const payload = item.payload;
  if (!payload) return false;
  switch (payload.$case) {
    case 'statusUpdate':
      return isStreamFinalState(payload.value.status?.state);
    case 'message':
      return true;
    default:
      return false;
  }
}
