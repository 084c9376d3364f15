import { randomUUID } from 'node:crypto';
import { AgentCard, Task, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor } from '@a2a-js/sdk/server';
import { type A2AMqttServer, createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';

/** The echo agent's card; `fromJSON` fills in the rest (the server adds its MQTT interface). */
export const echoCard: AgentCard = AgentCard.fromJSON({
  name: 'echo',
  description: 'Replies with the text it receives',
  version: '1.0.0',
  capabilities: { streaming: true },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'echo', name: 'Echo', description: 'Replies with the text', tags: ['demo'] }],
});

/** An ordinary @a2a-js/sdk executor: completes each task with the text it was sent. */
export const echoExecutor: AgentExecutor = {
  async execute({ taskId, contextId, userMessage, task }, bus) {
    const text = userMessage.parts
      .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
      .join('');
    // First the task (the server already made it under the requester's Task.id), then its end.
    const submitted = Task.fromJSON({
      id: taskId,
      contextId,
      status: { state: 'TASK_STATE_SUBMITTED' },
    });
    bus.publish(AgentEvent.task(task ?? { ...submitted, history: [userMessage] }));
    bus.publish(
      AgentEvent.statusUpdate(
        TaskStatusUpdateEvent.fromJSON({
          taskId,
          contextId,
          status: {
            state: 'TASK_STATE_COMPLETED',
            message: { messageId: randomUUID(), role: 'ROLE_AGENT', parts: [{ text }] },
          },
        }),
      ),
    );
    bus.finished();
  },
  async cancelTask() {}, // nothing to cancel: each task completes at once
};

/** Serves the agent as `{org}/{unit}/echo`; `close()` finishes its work, the card goes offline. */
export function startEchoAgent(options: {
  url: string; // e.g. 'mqtt://localhost:1883'
  org: string;
  unit: string;
}): Promise<A2AMqttServer> {
  return createA2AMqttServer({
    session: { url: options.url }, // owned session: client id {org}/{unit}/echo, presence will
    agent: { org: options.org, unit: options.unit, agent: 'echo' },
    requestHandler: createRequestHandler({ agentCard: echoCard, agentExecutor: echoExecutor }),
  });
}
