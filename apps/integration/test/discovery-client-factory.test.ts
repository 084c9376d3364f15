/**
 * `@a2a-js/sdk`'s `ClientFactory` with the MQTT card resolver of `@a2a-mqtt/discovery` and the
 * real MQTT transport of `@a2a-mqtt/client`, against an agent served and registered by
 * `@a2a-mqtt/server`, on every broker target (mosquitto always; EMQX when a container runtime
 * exists; the broker of MQTT_URL when set; a skip says why), with the default and a custom
 * prefix. From an MQTT address to a reply in the SDK's own calls: `createFromUrl(address)`, then
 * `sendMessage`.
 *
 * It lives here, not in packages/discovery: `@a2a-mqtt/client` depends on
 * `@a2a-mqtt/discovery`, so discovery cannot use client (even as a devDependency) without a
 * dependency cycle.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AgentCard,
  SendMessageRequest,
  Task,
  TaskArtifactUpdateEvent,
  TaskState,
  TaskStatusUpdateEvent,
} from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions } from '@a2a-js/sdk/client';
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { MqttTransport, MqttTransportFactory } from '@a2a-mqtt/client';
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { MqttAgentCardResolver } from '@a2a-mqtt/discovery';
import { clientIdFor, createTopics, isUuidV4, readMqttInterface } from '@a2a-mqtt/protocol';
import {
  type A2AMqttServer,
  createA2AMqttServer,
  createRequestHandler,
  FastInMemoryTaskStore,
} from '@a2a-mqtt/server';
import { describeBrokers, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from './support.js';

/** One run of {@link GreeterExecutor}. */
interface Received {
  taskId: string;
  contextId: string;
  text: string;
}

/** Completes every task at once with a `greeting` artifact; records what it received. */
class GreeterExecutor implements AgentExecutor {
  readonly received: Received[] = [];

  execute = async (context: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const { taskId, contextId } = context;
    const part = context.userMessage.parts[0]?.content;
    const text = part?.$case === 'text' ? part.value : '';
    this.received.push({ taskId, contextId, text });
    const timestamp = new Date().toISOString();
    bus.publish(
      AgentEvent.task(
        context.task ??
          Task.fromJSON({
            id: taskId,
            contextId,
            status: { state: 'TASK_STATE_SUBMITTED', timestamp },
            history: [],
          }),
      ),
    );
    bus.publish(
      AgentEvent.artifactUpdate(
        TaskArtifactUpdateEvent.fromJSON({
          taskId,
          contextId,
          artifact: {
            artifactId: 'greeting',
            name: 'greeting',
            parts: [{ text: `hello, ${text}` }],
          },
          lastChunk: true,
        }),
      ),
    );
    bus.publish(
      AgentEvent.statusUpdate(
        TaskStatusUpdateEvent.fromJSON({
          taskId,
          contextId,
          status: { state: 'TASK_STATE_COMPLETED', timestamp },
        }),
      ),
    );
    bus.finished();
  };

  cancelTask = async (): Promise<void> => {};
}

function message(text: string): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
  });
}

describeBrokers('ClientFactory with MqttAgentCardResolver and MqttTransportFactory', (broker) => {
  describe.each(['$a2a/v1', 'a2a/v1'])('with prefix %s', (prefix) => {
    const topics = createTopics({ prefix });
    // A unit per block and run: a shared (external) broker may hold cards of other runs.
    const unit = `factory-${prefix.startsWith('$') ? 'd' : 'p'}-${randomBytes(3).toString('hex')}`;
    const agent = { org: 'acme', unit, agent: 'greeter' };
    const executor = new GreeterExecutor();
    let server: A2AMqttServer | undefined;
    let session: MqttSession | undefined;
    let transports: MqttTransportFactory | undefined;

    beforeAll(async () => {
      server = await createA2AMqttServer({
        session: { url: broker().url },
        agent,
        topics,
        logger,
        requestHandler: createRequestHandler({
          agentCard: AgentCard.fromJSON({
            name: 'Greeter',
            description: 'Greets whoever writes to it',
            version: '1.0.0',
            supportedInterfaces: [],
            capabilities: { streaming: true },
            defaultInputModes: ['text/plain'],
            defaultOutputModes: ['text/plain'],
            skills: [{ id: 'greet', name: 'Greet', description: 'Greets', tags: ['greeting'] }],
          }),
          agentExecutor: executor,
          taskStore: new FastInMemoryTaskStore(),
        }),
      });
      session = await connectMqttSession({
        url: broker().url,
        clientId: clientIdFor({ org: 'acme', unit, agent: 'factory-client' }),
      });
    });

    afterAll(async () => {
      await transports?.requester.close();
      await session?.close();
      await server?.close();
    });

    // Every message under the prefix, in every test, is checked against the profile.
    useWireCheck({ broker, prefix });

    it('creates a client from an MQTT address and sendMessage reaches the registered agent', async () => {
      if (!session || !server?.registration) throw new Error('setup failed');
      // No reply prefix given: the replies come back under the prefix of the agent's card (the
      // wire check flags a Response Topic under another prefix).
      transports = new MqttTransportFactory({ session, requesterOptions: { logger } });
      const factory = new ClientFactory(
        ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
          transports: [transports],
          cardResolver: new MqttAgentCardResolver({ session, topics, logger }),
        }),
      );
      const interfaceUrl = readMqttInterface(server.registration.card)?.url;
      expect(interfaceUrl).toBeDefined();
      // The card's own MQTT interface URL, and the short address of the agent.
      const addresses = [interfaceUrl as string, `a2a-mqtt:acme/${unit}/greeter`];
      for (const [index, address] of addresses.entries()) {
        const client = await factory.createFromUrl(address);
        expect(client.transport).toBeInstanceOf(MqttTransport);
        expect((client.transport as MqttTransport).requestTopic).toBe(topics.request(agent));

        const result = await client.sendMessage(message(`caller ${index}`));
        if (!('status' in result)) throw new Error('expected a task');
        expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
        expect(isUuidV4(result.id)).toBe(true);
        expect(result.artifacts[0]?.parts[0]?.content).toEqual({
          $case: 'text',
          value: `hello, caller ${index}`,
        });
        // The agent ran once for this call, under the requester-generated Task.id.
        expect(executor.received.at(-1)).toEqual({
          taskId: result.id,
          contextId: result.contextId,
          text: `caller ${index}`,
        });
      }
      expect(executor.received).toHaveLength(addresses.length);
    });
  });
});
