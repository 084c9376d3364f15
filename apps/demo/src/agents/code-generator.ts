import { TaskState } from '@a2a-js/sdk';
import { DemoExecutorBase, type DemoRun } from './base-executor.js';
import { demoCard } from './card.js';
import { type CodeModel, templateCodeModel } from './code-model.js';
import { artifactEvent, messageText, statusEvent } from './events.js';
import type { DemoAgentDefinition, DemoExecutorOptions } from './types.js';

/** Default pause between the code generator's steps (so the stream is visible). */
export const DEFAULT_CODE_GENERATOR_STEP_DELAY_MS = 60;

/** Name of the plan artifact. */
export const TODO_LIST_ARTIFACT_NAME = 'TODO List';
/** Name of the code artifact. */
export const GENERATED_CODE_ARTIFACT_NAME = 'generated code';

/** Options of {@link CodeGeneratorAgentExecutor}. */
export interface CodeGeneratorExecutorOptions extends DemoExecutorOptions {
  /** The model that plans and writes the code. @default templateCodeModel (deterministic) */
  model?: CodeModel;
}

/**
 * Plans, then writes code, streaming as it goes: status "planning", a "TODO List" artifact,
 * status "writing code", the "generated code" artifact in chunks, then completed. A model call
 * that fails ends the task `failed` with the error's message as its status.
 */
export class CodeGeneratorAgentExecutor extends DemoExecutorBase {
  readonly #model: CodeModel;

  constructor(options: CodeGeneratorExecutorOptions = {}) {
    super(options, DEFAULT_CODE_GENERATOR_STEP_DELAY_MS);
    this.#model = options.model ?? templateCodeModel;
  }

  protected async run({ taskId, contextId, context, publish, pause }: DemoRun): Promise<void> {
    const prompt = messageText(context.userMessage).trim();
    const working = (text: string, step: string): void =>
      publish(statusEvent({ taskId, contextId, state: TaskState.TASK_STATE_WORKING, text, step }));

    const failed = (error: unknown): void =>
      publish(
        statusEvent({
          taskId,
          contextId,
          state: TaskState.TASK_STATE_FAILED,
          text: `Code generation failed: ${error instanceof Error ? error.message : String(error)}`,
          step: 'model-failed',
        }),
      );

    working('Planning the change', 'planning');
    await pause();
    // A real model call goes here (see code-model.ts).
    let plan: string[];
    try {
      plan = await this.#model.plan(prompt);
    } catch (error) {
      failed(error);
      return;
    }
    publish(
      artifactEvent({
        taskId,
        contextId,
        artifactId: 'todo-list',
        name: TODO_LIST_ARTIFACT_NAME,
        mediaType: 'text/markdown',
        text: plan.map((item) => `- [ ] ${item}`).join('\n'),
      }),
    );
    await pause();
    working('Writing code', 'writing');
    const chunks: string[] = [];
    try {
      for await (const chunk of this.#model.generate(prompt, plan)) chunks.push(chunk);
    } catch (error) {
      failed(error);
      return;
    }
    for (const [index, chunk] of chunks.entries()) {
      await pause();
      publish(
        artifactEvent({
          taskId,
          contextId,
          artifactId: 'code',
          name: GENERATED_CODE_ARTIFACT_NAME,
          mediaType: this.#model.mediaType(prompt),
          text: chunk,
          append: index > 0,
          lastChunk: index === chunks.length - 1,
        }),
      );
    }
    const lines = chunks.join('').split('\n').length;
    publish(
      statusEvent({
        taskId,
        contextId,
        state: TaskState.TASK_STATE_COMPLETED,
        text: `Done: ${plan.length} planned steps, ${lines} lines of code`,
        step: `done:${context.userMessage.messageId}`,
      }),
    );
  }
}

/** The code-generator agent of scenario 1 (`a2a-mqtt serve code-generator`). */
export const codeGeneratorAgent: DemoAgentDefinition = {
  kind: 'code-generator',
  defaultAgentId: 'code-generator-agent',
  card: (options) =>
    demoCard({
      name: options?.name ?? 'code-generator-agent',
      description: 'Plans a code change, then writes the code, streaming its progress.',
      outputModes: ['text/plain', 'text/markdown'],
      skills: [
        {
          id: 'generate-code',
          name: 'Generate code',
          description: 'Rewrites or writes code from a natural-language request.',
          tags: ['code', 'refactoring'],
          examples: ['rewrite the thread pool as coroutines'],
        },
      ],
    }),
  createExecutor: (options) => new CodeGeneratorAgentExecutor(options),
};
