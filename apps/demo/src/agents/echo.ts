import { TaskState } from '@a2a-js/sdk';
import { DemoExecutorBase, type DemoRun } from './base-executor.js';
import { demoCard } from './card.js';
import { artifactEvent, messageText, statusEvent } from './events.js';
import type { DemoAgentDefinition, DemoExecutorOptions } from './types.js';

/** Default pause between the echo agent's steps. */
export const DEFAULT_ECHO_STEP_DELAY_MS = 20;

/** Options of {@link EchoAgentExecutor}. */
export interface EchoExecutorOptions extends DemoExecutorOptions {
  /** Turns the received text into the reply. @default the identity (an echo) */
  reply?: (text: string) => string;
}

/**
 * Replies with the text it received: submitted, working, an `echo` artifact, then completed with
 * the echoed text as the final status message.
 */
export class EchoAgentExecutor extends DemoExecutorBase {
  readonly #reply: (text: string) => string;

  constructor(options: EchoExecutorOptions = {}) {
    super(options, DEFAULT_ECHO_STEP_DELAY_MS);
    this.#reply = options.reply ?? ((text) => text);
  }

  protected async run({ taskId, contextId, context, publish, pause }: DemoRun): Promise<void> {
    const text = this.#reply(messageText(context.userMessage));
    await pause();
    publish(artifactEvent({ taskId, contextId, artifactId: 'echo', name: 'echo', text }));
    publish(
      statusEvent({
        taskId,
        contextId,
        state: TaskState.TASK_STATE_COMPLETED,
        text,
        step: `done:${context.userMessage.messageId}`,
      }),
    );
  }
}

/** The echo agent: `a2a-mqtt serve echo`, the target of `a2a-mqtt send echo hi`. */
export const echoAgent: DemoAgentDefinition = {
  kind: 'echo',
  defaultAgentId: 'echo',
  card: (options) =>
    demoCard({
      name: options?.name ?? 'Echo Agent',
      description: 'Echoes the text it receives (a deterministic test agent).',
      skills: [
        {
          id: 'echo',
          name: 'Echo',
          description: 'Replies with the same text.',
          tags: ['echo', 'test'],
          examples: ['hi'],
        },
      ],
    }),
  createExecutor: (options) => new EchoAgentExecutor(options),
};
