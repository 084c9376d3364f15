/**
 * Test agents (not part of the public API): an executor scripted by the text of the user
 * message, and card / request builders for raw JSON-RPC over MQTT.
 *
 * Scripts (first word of the message text):
 * - `work` (default): task SUBMITTED, WORKING, an artifact, COMPLETED.
 * - `ask`: first turn ends INPUT_REQUIRED; a later turn on the same task completes.
 * - `slow`: WORKING, then waits until cancelled (publishes CANCELED) or `releaseSlow()`.
 * - `fail`: throws (the SDK turns it into FAILED).
 * - `hold`: like `work`, but waits for `releaseHeld()` before finishing.
 */
import { randomUUID } from 'node:crypto';
import { type AgentCard, type Message, Role, TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';

/** A minimal A2A v1.0 card for tests. */
export function testCard(
  name: string,
  options: { streaming?: boolean; pushNotifications?: boolean; extendedAgentCard?: boolean } = {},
): AgentCard {
  return {
    name,
    description: `test agent ${name}`,
    version: '1.0.0',
    supportedInterfaces: [],
    capabilities: {
      streaming: options.streaming ?? true,
      pushNotifications: options.pushNotifications ?? false,
      extendedAgentCard: options.extendedAgentCard ?? false,
      extensions: [],
    },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: 'echo',
        name: 'echo',
        description: 'echo',
        tags: ['test'],
        examples: [],
        inputModes: [],
        outputModes: [],
      },
    ],
  } as unknown as AgentCard;
}

/** The executor behind the test agents; counts every `execute` per task id. */
export class ScriptedExecutor implements AgentExecutor {
  /** `execute` calls per task id. */
  readonly executions = new Map<string, number>();
  /** Every `execute` call in order: task id and message text. */
  readonly calls: { taskId: string; text: string; agent: string }[] = [];
  private readonly cancelled = new Set<string>();
  private readonly slowWaiters = new Map<string, () => void>();
  private readonly heldWaiters: (() => void)[] = [];
  private readonly contexts = new Map<string, string>();

  constructor(readonly agentName = 'agent') {}

  execute = async (context: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const taskId = context.taskId;
    const contextId = context.contextId;
    const text = textOf(context);
    this.contexts.set(taskId, contextId);
    this.executions.set(taskId, (this.executions.get(taskId) ?? 0) + 1);
    this.calls.push({ taskId, text, agent: this.agentName });
    const command = text.split(/\s+/)[0] ?? 'work';
    const previous = context.task;

    bus.publish(
      AgentEvent.task({
        id: taskId,
        contextId,
        status: {
          state: TaskState.TASK_STATE_SUBMITTED,
          message: undefined,
          timestamp: new Date().toISOString(),
        },
        artifacts: previous?.artifacts ?? [],
        history: previous?.history ?? [context.userMessage],
        metadata: {},
      }),
    );
    const status = (state: TaskState, reply?: string) =>
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: {
            state,
            message: reply === undefined ? undefined : agentMessage(taskId, contextId, reply),
            timestamp: new Date().toISOString(),
          },
          metadata: {},
        }),
      );

    if (command === 'fail') throw new Error('scripted failure');
    status(TaskState.TASK_STATE_WORKING);
    if (command === 'ask' && previous?.status?.state !== TaskState.TASK_STATE_INPUT_REQUIRED) {
      status(TaskState.TASK_STATE_INPUT_REQUIRED, 'which colour?');
      bus.finished();
      return;
    }
    if (command === 'slow') {
      await new Promise<void>((resolve) => this.slowWaiters.set(taskId, resolve));
      if (this.cancelled.has(taskId)) return;
    }
    if (command === 'hold') {
      await new Promise<void>((resolve) => this.heldWaiters.push(resolve));
    }
    bus.publish(
      AgentEvent.artifactUpdate({
        taskId,
        contextId,
        artifact: {
          artifactId: `artifact-${taskId}`,
          name: 'answer',
          description: '',
          parts: [
            {
              content: { $case: 'text', value: `${this.agentName}: ${text}` },
              metadata: undefined,
              filename: '',
              mediaType: 'text/plain',
            },
          ],
          metadata: undefined,
          extensions: [],
        },
        append: false,
        lastChunk: true,
        metadata: {},
      }),
    );
    status(TaskState.TASK_STATE_COMPLETED, `done by ${this.agentName}`);
    bus.finished();
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    this.cancelled.add(taskId);
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId: this.contexts.get(taskId) ?? '',
        status: {
          state: TaskState.TASK_STATE_CANCELED,
          message: undefined,
          timestamp: new Date().toISOString(),
        },
        metadata: {},
      }),
    );
    this.slowWaiters.get(taskId)?.();
    this.slowWaiters.delete(taskId);
  };

  /** Lets a `slow` task finish normally. */
  releaseSlow(taskId: string): void {
    this.slowWaiters.get(taskId)?.();
    this.slowWaiters.delete(taskId);
  }

  /** Lets every waiting `hold` task finish. */
  releaseHeld(): void {
    for (const resolve of this.heldWaiters.splice(0)) resolve();
  }

  /** Number of `hold` tasks waiting. */
  get heldCount(): number {
    return this.heldWaiters.length;
  }
}

function textOf(context: RequestContext): string {
  for (const part of context.userMessage.parts) {
    if (part.content?.$case === 'text') return part.content.value;
  }
  return '';
}

function agentMessage(taskId: string, contextId: string, text: string): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: [
      {
        content: { $case: 'text', value: text },
        metadata: undefined,
        filename: '',
        mediaType: 'text/plain',
      },
    ],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** A JSON-RPC `SendMessage` / `SendStreamingMessage` request body (A2A v1.0 JSON). */
export function sendRequest(options: {
  id?: string | number | null;
  method?: 'SendMessage' | 'SendStreamingMessage';
  text: string;
  taskId?: string;
  contextId?: string;
  messageId?: string;
}): Record<string, unknown> {
  const message: Record<string, unknown> = {
    messageId: options.messageId ?? randomUUID(),
    role: 'ROLE_USER',
    parts: [{ text: options.text }],
  };
  if (options.taskId !== undefined) message.taskId = options.taskId;
  if (options.contextId !== undefined) message.contextId = options.contextId;
  return {
    jsonrpc: '2.0',
    id: options.id === undefined ? 1 : options.id,
    method: options.method ?? 'SendMessage',
    params: { message },
  };
}
