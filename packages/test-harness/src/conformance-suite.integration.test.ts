/**
 * Runs the conformance suite against a minimal raw mqtt.js reference agent and client written
 * here, so the suite itself is exercised without importing @a2a-mqtt/client or /server.
 */
import {
  type AgentAddress,
  createCorrelationData,
  createReplySuffix,
  createTopics,
  DEFAULT_A2A_VERSION,
  JSON_RPC_ERROR_CODE,
  SERVICE_PARAMETER,
} from '@a2a-mqtt/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { BrokerHandle } from './index.js';
import { defineConformanceSuite, useBroker } from './vitest.js';

function cardFor(broker: BrokerHandle, requestTopic: string) {
  return {
    name: 'Reference echo agent',
    description: 'Answers every message by completing a task',
    version: '1.0.0',
    supportedInterfaces: [
      {
        url: `${broker.url}/${requestTopic}`,
        protocolBinding: 'MQTT5+JSONRPC',
        protocolVersion: '1.0',
      },
    ],
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'echo', name: 'Echo', description: 'Echoes text', tags: ['test'] }],
  };
}

async function startReferenceAgent(broker: BrokerHandle, prefix: string, address: AgentAddress) {
  const topics = createTopics({ prefix });
  const requestTopic = topics.request(address);
  const client: MqttClient = await mqtt.connectAsync(
    broker.clientOptions({ clientId: `${address.org}/${address.unit}/${address.agent}` }),
  );
  client.on('message', (_topic, payload, packet) => {
    const responseTopic = packet.properties?.responseTopic;
    const correlationData = packet.properties?.correlationData;
    if (!responseTopic) return;
    const reply = (body: object) =>
      client.publish(responseTopic, JSON.stringify(body), {
        qos: 1,
        properties: { correlationData },
      });
    let request: {
      id?: string | number;
      method?: string;
      params?: { message?: { taskId?: string; contextId?: string } };
    };
    try {
      request = JSON.parse(payload.toString('utf8'));
    } catch {
      reply({
        jsonrpc: '2.0',
        id: null,
        error: { code: JSON_RPC_ERROR_CODE.PARSE_ERROR, message: 'Parse error' },
      });
      return;
    }
    const id = request.id ?? null;
    const taskId = request.params?.message?.taskId ?? 'task';
    const contextId = request.params?.message?.contextId ?? 'context';
    const status = (state: string) => ({ taskId, contextId, status: { state } });
    switch (request.method) {
      case 'SendMessage':
        reply({
          jsonrpc: '2.0',
          id,
          result: { task: { id: taskId, contextId, status: { state: 'TASK_STATE_COMPLETED' } } },
        });
        break;
      case 'SendStreamingMessage':
        reply({
          jsonrpc: '2.0',
          id,
          result: { task: { id: taskId, contextId, status: { state: 'TASK_STATE_SUBMITTED' } } },
        });
        reply({ jsonrpc: '2.0', id, result: { statusUpdate: status('TASK_STATE_WORKING') } });
        reply({ jsonrpc: '2.0', id, result: { statusUpdate: status('TASK_STATE_COMPLETED') } });
        break;
      default:
        reply({
          jsonrpc: '2.0',
          id,
          error: { code: JSON_RPC_ERROR_CODE.METHOD_NOT_FOUND, message: 'Method not found' },
        });
    }
  });
  await client.subscribeAsync(requestTopic, { qos: 1 });
  await client.publishAsync(
    topics.discovery(address),
    JSON.stringify(cardFor(broker, requestTopic)),
    {
      qos: 1,
      retain: true,
      properties: { userProperties: { 'a2a-status': 'online', 'a2a-status-source': 'agent' } },
    },
  );
  return {
    async close() {
      await client.publishAsync(topics.discovery(address), '', { qos: 1, retain: true });
      await client.endAsync();
    },
  };
}

async function startReferenceClient(
  broker: BrokerHandle,
  prefix: string,
  agent: AgentAddress,
  requester: AgentAddress,
) {
  const topics = createTopics({ prefix });
  const replyTopic = topics.reply({
    org: requester.org,
    unit: requester.unit,
    requester: requester.agent,
    suffix: createReplySuffix(),
  });
  const client = await mqtt.connectAsync(
    broker.clientOptions({ clientId: `ref-client-${createReplySuffix()}` }),
  );
  const listeners = new Map<string, (body: { result?: unknown; error?: unknown }) => void>();
  client.on('message', (_topic, payload, packet) => {
    const key = packet.properties?.correlationData?.toString('hex');
    if (key) listeners.get(key)?.(JSON.parse(payload.toString('utf8')));
  });
  await client.subscribeAsync(replyTopic, { qos: 1 });
  const send = async (
    method: string,
    text: string,
    onItem: (body: { result?: unknown; error?: unknown }) => void,
  ) => {
    const correlationData = createCorrelationData();
    listeners.set(correlationData.toString('hex'), onItem);
    const message = {
      messageId: createReplySuffix(),
      role: 'ROLE_USER',
      parts: [{ text }],
      taskId: crypto.randomUUID(),
      contextId: crypto.randomUUID(),
    };
    await client.publishAsync(
      topics.request(agent),
      JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { message } }),
      {
        qos: 1,
        properties: {
          responseTopic: replyTopic,
          correlationData,
          userProperties: { [SERVICE_PARAMETER.VERSION]: DEFAULT_A2A_VERSION },
        },
      },
    );
    return () => listeners.delete(correlationData.toString('hex'));
  };
  return {
    sendMessage: (text: string) =>
      new Promise<unknown>((resolve, reject) => {
        void send('SendMessage', text, (body) =>
          body.error ? reject(body.error) : resolve(body.result),
        ).catch(reject);
      }),
    async *sendMessageStream(text: string): AsyncGenerator<unknown> {
      const queue: unknown[] = [];
      let wake: (() => void) | undefined;
      const stop = await send('SendStreamingMessage', text, (body) => {
        queue.push(body.result ?? body);
        wake?.();
      });
      try {
        const { isStreamEndingEvent } = await import('./index.js');
        for (;;) {
          while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          const item = queue.shift();
          yield item;
          if (isStreamEndingEvent(item)) return;
        }
      } finally {
        stop();
      }
    },
    close: () => client.endAsync(),
  };
}

const broker = useBroker();
defineConformanceSuite({
  name: 'conformance suite against the raw reference agent',
  broker,
  createAgent: ({ broker: handle, prefix, address }) =>
    startReferenceAgent(handle, prefix, address),
  createClient: ({ broker: handle, prefix, agentAddress, requesterAddress }) =>
    startReferenceClient(handle, prefix, agentAddress, requesterAddress),
});
