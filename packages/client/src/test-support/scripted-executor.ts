import {
  AgentCard,
  Task,
  TaskArtifactUpdateEvent,
  TaskState,
  TaskStatusUpdateEvent,
} from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';

/** One run of {@link ScriptedExecutor.execute}. */
export interface ExecutionRecord {
  taskId: string;
  contextId: string;
  messageId: string;
  text: string;
}

/**
 * A test agent whose behaviour is chosen by the message text (integration tests only):
 * - `stream`: submitted, working, artifact, completed;
 * - `gate:<name>`: working, then silent until the test calls `open(name)`, then completed
 *   (an executor that blocks on a promise the test resolves: no sleeps);
 * - `ask`: input-required; the continuation on the same task completes it;
 * - `wait`: working until canceled;
 * - anything else: completed with an echo artifact.
 */
export class ScriptedExecutor implements AgentExecutor {
  readonly executions: ExecutionRecord[] = [];
  private readonly cancels = new Map<string, () => void>();
  private readonly gates = new Map<string, { opened: Promise<void>; open: () => void }>();
  private readonly waiting = new Set<string>();

  constructor(private readonly name = 'agent') {}

  execute = async (context: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const message = context.userMessage;
    const part = message.parts[0]?.content;
    const text = part?.$case === 'text' ? part.value : '';
    const { taskId, contextId } = context;
    this.executions.push({ taskId, contextId, messageId: message.messageId, text });
    const publishStatus = (state: string, note?: string) =>
      bus.publish(
        AgentEvent.statusUpdate(
          TaskStatusUpdateEvent.fromJSON({
            taskId,
            contextId,
            status: {
              state,
              timestamp: new Date().toISOString(),
              ...(note
                ? {
                    message: {
                      messageId: `${taskId}-${state}-${Date.now()}`,
                      role: 'ROLE_AGENT',
                      parts: [{ text: note }],
                      taskId,
                      contextId,
                    },
                  }
                : {}),
            },
          }),
        ),
      );
    const publishArtifact = (value: string) =>
      bus.publish(
        AgentEvent.artifactUpdate(
          TaskArtifactUpdateEvent.fromJSON({
            taskId,
            contextId,
            artifact: { artifactId: `${taskId}-result`, name: 'result', parts: [{ text: value }] },
            lastChunk: true,
          }),
        ),
      );
    const existing = context.task;
    bus.publish(
      AgentEvent.task(
        existing ??
          Task.fromJSON({
            id: taskId,
            contextId,
            status: { state: 'TASK_STATE_SUBMITTED', timestamp: new Date().toISOString() },
            history: [],
          }),
      ),
    );
    if (existing?.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
      // Continuation of an interrupted task.
      publishStatus('TASK_STATE_WORKING');
      publishArtifact(`continued by ${this.name}: ${text}`);
      publishStatus('TASK_STATE_COMPLETED');
      bus.finished();
      return;
    }
    if (text === 'ask') {
      publishStatus('TASK_STATE_INPUT_REQUIRED', 'which language?');
      bus.finished();
      return;
    }
    publishStatus('TASK_STATE_WORKING');
    if (text.startsWith('gate:')) {
      const name = text.slice('gate:'.length);
      this.waiting.add(name);
      await this.gate(name).opened;
      this.waiting.delete(name);
    } else if (text === 'wait') {
      await new Promise<void>((resolve) => {
        this.cancels.set(taskId, resolve);
      });
      bus.finished();
      return;
    }
    publishArtifact(`${this.name}: ${text}`);
    publishStatus('TASK_STATE_COMPLETED');
    bus.finished();
  };

  /** Lets the runs waiting on (or later reaching) gate `name` finish. */
  open(name: string): void {
    this.gate(name).open();
  }

  /** Whether a run is waiting on gate `name` (its WORKING status was published). */
  isWaitingOn(name: string): boolean {
    return this.waiting.has(name);
  }

  private gate(name: string): { opened: Promise<void>; open: () => void } {
    let gate = this.gates.get(name);
    if (!gate) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { opened, open };
      this.gates.set(name, gate);
    }
    return gate;
  }

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    const task = this.executions.find((run) => run.taskId === taskId);
    bus.publish(
      AgentEvent.statusUpdate(
        TaskStatusUpdateEvent.fromJSON({
          taskId,
          contextId: task?.contextId ?? '',
          status: { state: 'TASK_STATE_CANCELED', timestamp: new Date().toISOString() },
        }),
      ),
    );
    this.cancels.get(taskId)?.();
    this.cancels.delete(taskId);
  };
}

/** A minimal valid agent card (the server adds its MQTT interface on registration). */
export function testCard(name: string): AgentCard {
  return AgentCard.fromJSON({
    name,
    description: `${name} (test agent)`,
    version: '1.0.0',
    supportedInterfaces: [],
    capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'code', name: 'code', description: 'writes code', tags: ['code'] }],
  });
}
