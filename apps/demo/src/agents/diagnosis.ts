import type { Task } from '@a2a-js/sdk';
import { TaskState } from '@a2a-js/sdk';
import { DemoExecutorBase, type DemoRun } from './base-executor.js';
import { demoCard } from './card.js';
import { artifactEvent, messageText, statusEvent } from './events.js';
import type { DemoAgentDefinition, DemoExecutorOptions } from './types.js';

/** Default pause between two diagnosis steps (the agent is "long-running"). */
export const DEFAULT_DIAGNOSIS_STEP_DELAY_MS = 250;

/** Artifact id of the step log (one part per finished step: the agent's checkpoint). */
export const DIAGNOSIS_LOG_ARTIFACT_ID = 'diagnosis-log';
/** Artifact id of the final report. */
export const DIAGNOSIS_REPORT_ARTIFACT_ID = 'diagnosis-report';

/** The steps of a diagnosis, in order. */
export const DIAGNOSIS_STEPS: readonly string[] = [
  'collect metrics',
  'scan logs',
  'correlate deploys',
  'reproduce in staging',
  'identify root cause',
];

function finding(step: string, target: string): string {
  switch (step) {
    case 'collect metrics':
      return `p99 latency of ${target} rose from 120 ms to 2.4 s at 02:10 UTC`;
    case 'scan logs':
      return `1 842 "connection pool exhausted" warnings in ${target}`;
    case 'correlate deploys':
      return 'release 4.2.0 went out at 02:07 UTC (pool size 50 -> 5)';
    case 'reproduce in staging':
      return 'reproduced with pool size 5 under 200 rps';
    default:
      return 'misconfigured connection pool size in release 4.2.0';
  }
}

/** The number of steps already recorded in a stored task (its checkpoint). */
export function completedDiagnosisSteps(task: Task | undefined): number {
  const log = task?.artifacts.find((artifact) => artifact.artifactId === DIAGNOSIS_LOG_ARTIFACT_ID);
  return log?.parts.length ?? 0;
}

/**
 * A long-running diagnosis: five steps, each recorded as one part of the `diagnosis-log`
 * artifact, then a `diagnosis-report` artifact and completed. Run again on a stored task (after a
 * restart), it continues after the last recorded step instead of starting over, so no step is
 * lost or done twice.
 */
export class DiagnosisAgentExecutor extends DemoExecutorBase {
  constructor(options: DemoExecutorOptions = {}) {
    super(options, DEFAULT_DIAGNOSIS_STEP_DELAY_MS);
  }

  protected async run({ taskId, contextId, context, publish, pause }: DemoRun): Promise<void> {
    const task = context.task;
    const firstMessage = task?.history[0] ?? context.userMessage;
    const target =
      messageText(firstMessage)
        .replace(/^diagnose\s+/i, '')
        .trim() || 'the service';
    const done = completedDiagnosisSteps(task);
    const steps = DIAGNOSIS_STEPS.length;
    if (done > 0) {
      publish(
        statusEvent({
          taskId,
          contextId,
          state: TaskState.TASK_STATE_WORKING,
          text: `Resuming after step ${done}/${steps}`,
          step: `resume-${done}`,
        }),
      );
    }
    for (let index = done; index < steps; index++) {
      const step = DIAGNOSIS_STEPS[index] ?? '';
      publish(
        statusEvent({
          taskId,
          contextId,
          state: TaskState.TASK_STATE_WORKING,
          text: `Step ${index + 1}/${steps}: ${step}`,
          step: `step-${index + 1}`,
        }),
      );
      await pause();
      publish(
        artifactEvent({
          taskId,
          contextId,
          artifactId: DIAGNOSIS_LOG_ARTIFACT_ID,
          name: 'diagnosis log',
          text: `${index + 1}. ${step}: ${finding(step, target)}\n`,
          append: index > 0,
          lastChunk: index === steps - 1,
        }),
      );
    }
    const report = [
      `# Diagnosis of ${target}`,
      '',
      `Root cause: ${finding('identify root cause', target)}.`,
      'Fix: restore the pool size to 50 and alert on pool exhaustion.',
      done > 0 ? `(Resumed after step ${done}/${steps}; no step was repeated.)` : '',
    ].join('\n');
    publish(
      artifactEvent({
        taskId,
        contextId,
        artifactId: DIAGNOSIS_REPORT_ARTIFACT_ID,
        name: 'diagnosis report',
        mediaType: 'text/markdown',
        text: report,
      }),
    );
    publish(
      statusEvent({
        taskId,
        contextId,
        state: TaskState.TASK_STATE_COMPLETED,
        text: `Root cause found: ${finding('identify root cause', target)}`,
        step: 'done',
      }),
    );
  }
}

/** The diagnosis assistant of scenario 2 (`a2a-mqtt serve diagnosis`). */
export const diagnosisAgent: DemoAgentDefinition = {
  kind: 'diagnosis',
  defaultAgentId: 'diagnosis-agent',
  card: (options) =>
    demoCard({
      name: options?.name ?? 'diagnosis-agent',
      description:
        'Long-running incident diagnosis; survives restarts and continues a task where it stopped.',
      outputModes: ['text/plain', 'text/markdown'],
      skills: [
        {
          id: 'diagnose',
          name: 'Diagnose an incident',
          description: 'Collects evidence step by step and reports the root cause.',
          tags: ['diagnosis', 'operations', 'long-running'],
          examples: ['diagnose checkout-service latency'],
        },
      ],
    }),
  createExecutor: (options) => new DiagnosisAgentExecutor(options),
};
