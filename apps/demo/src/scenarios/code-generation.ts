import { createA2AMqttClient } from '@a2a-mqtt/client';
import { createTopics } from '@a2a-mqtt/protocol';
import {
  codeGeneratorAgent,
  GENERATED_CODE_ARTIFACT_NAME,
  sendMessageRequest,
  summarizeStreamItem,
  TODO_LIST_ARTIFACT_NAME,
} from '../agents/index.js';
import type { ScenarioDefinition } from './scenario.js';
import { startAgent } from './support.js';

/** The request of scenario 1. */
export const CODE_GENERATION_PROMPT = 'rewrite the thread pool as coroutines';

/**
 * Scenario 1: `code-generator-agent` registers its card; a client that knows no address
 * discovers it by name, sends the prompt and prints the streamed status updates, the
 * "TODO List" artifact and the generated code, ending in completed.
 */
export const codeGenerationScenario: ScenarioDefinition = {
  id: 'code-generation',
  title: 'Code generation',
  timeoutMs: 20_000,
  async run(context) {
    const { env } = context;
    const topics = createTopics({ prefix: env.prefix });
    const unit = context.unit('dev');
    const agentId = codeGeneratorAgent.defaultAgentId;
    const server = await startAgent({
      context,
      topics,
      agent: { org: env.org, unit, agent: agentId },
      card: codeGeneratorAgent.card(),
      executor: codeGeneratorAgent.createExecutor(),
    });
    context.progress(`${agentId} registered its card on ${server.registration?.topic ?? '?'}`);

    // The client only knows the agent's name: discovery gives it the request topic.
    const agent = await createA2AMqttClient({
      url: env.brokerUrl,
      agent: agentId,
      scope: { org: env.org, unit },
      topics,
      requesterId: 'ide-assistant',
      logger: context.logger,
    });
    context.defer(() => agent.close());
    context.check(
      'client discovered the agent by name',
      agent.entry.address.agent === agentId && agent.entry.status === 'online',
      `${agent.entry.id}, ${agent.entry.status}`,
    );
    context.progress(`discovered "${agent.card.name}" (${agent.entry.id}), sending the request`, {
      prompt: CODE_GENERATION_PROMPT,
    });

    const order: string[] = [];
    const statuses: string[] = [];
    let todoList = '';
    let code = '';
    let finalState = '';
    let taskId = '';
    for await (const item of agent.client.sendMessageStream(
      sendMessageRequest(CODE_GENERATION_PROMPT),
      { signal: context.signal },
    )) {
      const summary = summarizeStreamItem(item);
      switch (summary.kind) {
        case 'task':
          taskId = summary.taskId;
          order.push('task');
          context.progress(`task ${summary.taskId} ${summary.state}`);
          break;
        case 'status':
          statuses.push(summary.state);
          order.push(`status:${summary.state}`);
          context.progress(`status ${summary.state}${summary.text ? `: ${summary.text}` : ''}`);
          if (summary.final) finalState = summary.state;
          break;
        case 'artifact':
          order.push(`artifact:${summary.name}`);
          if (summary.name === TODO_LIST_ARTIFACT_NAME) {
            todoList += summary.text;
            context.progress(`artifact "${summary.name}":\n${indent(summary.text)}`);
          } else {
            code = summary.append ? code + summary.text : summary.text;
            context.progress(
              `artifact "${summary.name}" chunk${summary.lastChunk ? ' (last)' : ''}: ${summary.text.split('\n').filter(Boolean).length} lines`,
            );
          }
          break;
        case 'message':
          order.push('message');
          context.progress(`message: ${summary.text}`);
          break;
        default:
          break;
      }
    }
    context.progress(`generated code:\n${indent(code.trimEnd())}`);

    const firstTodo = order.indexOf(`artifact:${TODO_LIST_ARTIFACT_NAME}`);
    const firstCode = order.indexOf(`artifact:${GENERATED_CODE_ARTIFACT_NAME}`);
    context.check(
      'streamed status updates while working',
      statuses.filter((state) => state === 'working').length >= 2,
      statuses.join(' -> '),
    );
    context.check(
      'the "TODO List" artifact came before the code',
      firstTodo >= 0 && firstCode > firstTodo,
      `todo at #${firstTodo}, code at #${firstCode}`,
    );
    context.check(
      'the TODO List has the plan',
      todoList.split('\n').filter((line) => line.startsWith('- [ ]')).length === 5,
    );
    context.check(
      'the generated code is the coroutine rewrite',
      code.includes('class CoroutinePool') && code.includes('scope.async'),
      `${code.split('\n').length} lines`,
    );
    context.check('the task ended completed', finalState === 'completed', finalState || 'no final');
    const stored = await agent.client.getTask({ tenant: '', id: taskId, historyLength: 0 });
    context.check(
      'GetTask returns the completed task with both artifacts',
      stored.id === taskId && stored.artifacts.length === 2,
      `${stored.artifacts.map((artifact) => artifact.name).join(', ')}`,
    );
  },
};

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
}
