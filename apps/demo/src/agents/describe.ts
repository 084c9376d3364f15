import { type StreamResponse, type Task, TaskState, taskStateToJSON } from '@a2a-js/sdk';
import { artifactText, messageText } from './events.js';

/** `TASK_STATE_WORKING` -> `working` (also `input-required`, `auth-required`). */
export function stateName(state: TaskState | undefined): string {
  if (state === undefined) return 'unknown';
  return taskStateToJSON(state)
    .replace(/^TASK_STATE_/, '')
    .toLowerCase()
    .replace(/_/g, '-');
}

/** States after which a task never changes. */
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

/** A flat, printable view of one stream item. */
export type StreamItemSummary =
  | { kind: 'task'; taskId: string; contextId: string; state: string; text: string }
  | { kind: 'message'; taskId: string; contextId: string; text: string }
  | {
      kind: 'status';
      taskId: string;
      contextId: string;
      state: string;
      text: string;
      final: boolean;
    }
  | {
      kind: 'artifact';
      taskId: string;
      contextId: string;
      artifactId: string;
      name: string;
      text: string;
      append: boolean;
      lastChunk: boolean;
    }
  | { kind: 'empty' };

/** Summarises a `StreamResponse` for printing. */
export function summarizeStreamItem(item: StreamResponse): StreamItemSummary {
  const payload = item.payload;
  switch (payload?.$case) {
    case 'task':
      return {
        kind: 'task',
        taskId: payload.value.id,
        contextId: payload.value.contextId,
        state: stateName(payload.value.status?.state),
        text: messageText(payload.value.status?.message),
      };
    case 'message':
      return {
        kind: 'message',
        taskId: payload.value.taskId,
        contextId: payload.value.contextId,
        text: messageText(payload.value),
      };
    case 'statusUpdate': {
      const state = payload.value.status?.state;
      return {
        kind: 'status',
        taskId: payload.value.taskId,
        contextId: payload.value.contextId,
        state: stateName(state),
        text: messageText(payload.value.status?.message),
        final:
          state !== undefined &&
          (TERMINAL_STATES.has(state) ||
            state === TaskState.TASK_STATE_INPUT_REQUIRED ||
            state === TaskState.TASK_STATE_AUTH_REQUIRED),
      };
    }
    case 'artifactUpdate':
      return {
        kind: 'artifact',
        taskId: payload.value.taskId,
        contextId: payload.value.contextId,
        artifactId: payload.value.artifact?.artifactId ?? '',
        name: payload.value.artifact?.name ?? '',
        text: artifactText(payload.value.artifact),
        append: payload.value.append,
        lastChunk: payload.value.lastChunk,
      };
    default:
      return { kind: 'empty' };
  }
}

/** A task's artifacts with their text (chunks already stitched by the task store). */
export function taskArtifacts(task: Task): { artifactId: string; name: string; text: string }[] {
  return task.artifacts.map((artifact) => ({
    artifactId: artifact.artifactId,
    name: artifact.name,
    text: artifactText(artifact),
  }));
}
