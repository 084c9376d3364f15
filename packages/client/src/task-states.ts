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

/** True when a task is in a state that ends its stream (terminal or interrupted). */
export function isTaskStreamFinal(task: Task): boolean {
  return isStreamFinalState(task.status?.state);
}

/**
 * True when a stream item ends the stream: a status update or a task snapshot in a final
 * state, or a direct `message` reply (A2A answers with a message instead of a task).
 */
export function isStreamFinalItem(item: StreamResponse): boolean {
  const payload = item.payload;
  if (!payload) return false;
  switch (payload.$case) {
    case 'statusUpdate':
      return isStreamFinalState(payload.value.status?.state);
    case 'task':
      return isStreamFinalState(payload.value.status?.state);
    case 'message':
      return true;
    default:
      return false;
  }
}
