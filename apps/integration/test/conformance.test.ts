/**
 * The harness's conformance suite against our server (the echo demo agent) and our client, on
 * every available broker.
 */
import { createA2AMqttClient } from '@a2a-mqtt/client';
import { createTopics } from '@a2a-mqtt/protocol';
import { createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';
import { defineConformanceSuite, describeBrokers } from '@a2a-mqtt/test-harness/vitest';
import { echoAgent, sendMessageRequest } from '../../demo/src/agents/index.js';
import { logger } from './support.js';

describeBrokers('conformance', (broker) => {
  defineConformanceSuite({
    name: 'A2A over MQTT conformance (a2a-mqtt server + client)',
    broker,
    createAgent: async ({ broker: handle, prefix, address, credentials }) => {
      const server = await createA2AMqttServer({
        session: {
          url: handle.url,
          ...(credentials
            ? { username: credentials.username, password: credentials.password }
            : {}),
          logger,
        },
        agent: address,
        requestHandler: createRequestHandler({
          agentCard: echoAgent.card(),
          agentExecutor: echoAgent.createExecutor({ stepDelayMs: 5 }),
        }),
        topics: createTopics({ prefix }),
        shutdownTimeoutMs: 2_000,
        logger,
      });
      return {
        close: async () => {
          await server.registration?.unregister().catch(() => undefined);
          await server.close();
        },
      };
    },
    createClient: async ({
      broker: handle,
      prefix,
      agentAddress,
      requesterAddress,
      credentials,
    }) => {
      const agent = await createA2AMqttClient({
        url: handle.url,
        ...(credentials
          ? { sessionOptions: { username: credentials.username, password: credentials.password } }
          : {}),
        agent: agentAddress.agent,
        scope: { org: agentAddress.org, unit: agentAddress.unit },
        topics: createTopics({ prefix }),
        requesterId: requesterAddress.agent,
        logger,
      });
      return {
        sendMessage: (text) => agent.client.sendMessage(sendMessageRequest(text)),
        sendMessageStream: (text) => agent.client.sendMessageStream(sendMessageRequest(text)),
        close: () => agent.close(),
      };
    },
  });
});
