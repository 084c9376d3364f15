import { randomUUID } from 'node:crypto';
import { type AgentCard, Message, TaskState } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor } from '@a2a-js/sdk/server';
import { type A2AMqttServer, createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';

/** The echo agent's card (A2A v1.0). */
export const echoCard: AgentCard = {
  name: 'echo',
  description: 'Replies with the text it receives',
  version: '1.0.0',
  provider: undefined,
  supportedInterfaces: [], // the server adds its MQTT interface entry when it registers the card
  capabilities: { streaming: true, pushNotifications: false, extensions: [] },
  securitySchemes: {},
  securityRequirements: [],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [
    {
      id: 'echo',
      name: 'Echo',
      description: 'Replies with the text of the message',
      tags: ['demo'],
      examples: ['hello'],
      inputModes: [],
      outputModes: [],
      securityRequirements: [],
    },
  ],
  signatures: [],
};

/** An ordinary @a2a-js/sdk executor: completes each task with the text it was sent. */
export const echoExecutor: AgentExecutor = {
  async execute(context, bus) {
    const { taskId, contextId, userMessage } = context;
    const text = userMessage.parts
      .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
      .join('');
    // The first event is the task: the server already created it under the requester's Task.id.
    bus.publish(
      AgentEvent.task(
        context.task ?? {
          id: taskId,
          contextId,
          status: {
            state: TaskState.TASK_STATE_SUBMITTED,
            message: undefined,
            timestamp: undefined,
          },
          history: [userMessage],
          artifacts: [],
          metadata: undefined,
        },
      ),
    );
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: {
          state: TaskState.TASK_STATE_COMPLETED,
          // Message.fromJSON reads the A2A JSON shape (role 'ROLE_AGENT', parts [{ text }]).
          message: Message.fromJSON({
            messageId: randomUUID(),
            taskId,
            contextId,
            role: 'ROLE_AGENT',
            parts: [{ text }],
          }),
          timestamp: new Date().toISOString(),
        },
        metadata: undefined,
      }),
    );
    bus.finished();
  },
  async cancelTask() {}, // nothing to cancel: each task completes at once
};

/**
 * Serves the echo agent as `{org}/{unit}/echo` on the broker at `url`. `server.close()` stops
 * intake, finishes in-flight work and publishes the offline card.
 */
export async function startEchoAgent({
  url,
  org,
  unit,
}: {
  url: string; // e.g. 'mqtt://localhost:1883'
  org: string;
  unit: string;
}): Promise<A2AMqttServer> {
  return createA2AMqttServer({
    session: { url }, // owned session: client id {org}/{unit}/echo, presence Last Will
    agent: { org, unit, agent: 'echo' },
    requestHandler: createRequestHandler({ agentCard: echoCard, agentExecutor: echoExecutor }),
  });
}
