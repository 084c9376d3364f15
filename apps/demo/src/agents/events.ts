/**
 * Small builders for the A2A v1.0 objects the demo agents publish. They fill every field of
 * the `@a2a-js/sdk` protobuf-style types so the agents stay short and deterministic.
 */
import {
  type Artifact,
  type Message,
  type Part,
  Role,
  type SendMessageRequest,
  type Task,
  TaskState,
  type TaskStatus,
} from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutionEvent } from '@a2a-js/sdk/server';

/** A plain-text part (`text/plain` unless another media type is given). */
export function textPart(text: string, mediaType = 'text/plain'): Part {
  return { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType };
}

/** The concatenated text parts of a message (or an empty string). */
export function messageText(message: Message | undefined): string {
  if (message === undefined) return '';
  return message.parts
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');
}

/** The concatenated text parts of an artifact (or an empty string). */
export function artifactText(artifact: Artifact | undefined): string {
  if (artifact === undefined) return '';
  return artifact.parts
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');
}

/**
 * A message from the agent. `messageId` is derived from the task and a step name, so a rerun of
 * the same deterministic agent produces the same ids.
 */
export function agentMessage(options: {
  taskId: string;
  contextId: string;
  text: string;
  messageId: string;
}): Message {
  return {
    messageId: options.messageId,
    taskId: options.taskId,
    contextId: options.contextId,
    role: Role.ROLE_AGENT,
    parts: [textPart(options.text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** A task status with the current time. */
export function status(state: TaskState, message?: Message): TaskStatus {
  return { state, message, timestamp: new Date().toISOString() };
}

/** The first event of a new task: a `SUBMITTED` snapshot holding the user's message. */
export function submittedTask(options: {
  taskId: string;
  contextId: string;
  userMessage: Message;
}): Task {
  return {
    id: options.taskId,
    contextId: options.contextId,
    status: status(TaskState.TASK_STATE_SUBMITTED),
    artifacts: [],
    history: [options.userMessage],
    metadata: undefined,
  };
}

/** A status update event; `text` becomes the status message. */
export function statusEvent(options: {
  taskId: string;
  contextId: string;
  state: TaskState;
  text?: string;
  step: string;
}): AgentExecutionEvent {
  const message =
    options.text === undefined
      ? undefined
      : agentMessage({
          taskId: options.taskId,
          contextId: options.contextId,
          text: options.text,
          messageId: `${options.taskId}:${options.step}`,
        });
  return AgentEvent.statusUpdate({
    taskId: options.taskId,
    contextId: options.contextId,
    status: status(options.state, message),
    metadata: undefined,
  });
}

/** An artifact update event (one chunk of an artifact). */
export function artifactEvent(options: {
  taskId: string;
  contextId: string;
  artifactId: string;
  name: string;
  text: string;
  mediaType?: string;
  append?: boolean;
  lastChunk?: boolean;
  description?: string;
}): AgentExecutionEvent {
  return AgentEvent.artifactUpdate({
    taskId: options.taskId,
    contextId: options.contextId,
    artifact: {
      artifactId: options.artifactId,
      name: options.name,
      description: options.description ?? '',
      parts: [textPart(options.text, options.mediaType)],
      metadata: undefined,
      extensions: [],
    },
    append: options.append ?? false,
    lastChunk: options.lastChunk ?? true,
    metadata: undefined,
  });
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A user message (the requester side), optionally continuing a task or a conversation. */
export function userMessage(
  text: string,
  ids: { taskId?: string; contextId?: string; messageId?: string } = {},
): Message {
  return {
    messageId: ids.messageId ?? crypto.randomUUID(),
    taskId: ids.taskId ?? '',
    contextId: ids.contextId ?? '',
    role: Role.ROLE_USER,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** A complete `SendMessageRequest` for `client.sendMessage` / `sendMessageStream`. */
export function sendMessageRequest(
  text: string,
  options: { taskId?: string; contextId?: string; returnImmediately?: boolean } = {},
): SendMessageRequest {
  return {
    tenant: '',
    message: userMessage(text, options),
    configuration:
      options.returnImmediately === undefined
        ? undefined
        : {
            acceptedOutputModes: [],
            taskPushNotificationConfig: undefined,
            returnImmediately: options.returnImmediately,
          },
    metadata: undefined,
  };
}
