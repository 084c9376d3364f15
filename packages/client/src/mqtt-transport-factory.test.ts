import { AgentCard } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions } from '@a2a-js/sdk/client';
import { buildMqttInterface, createTopics } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { MqttTransport } from './mqtt-transport';
import { createMqttTransportFactories, MqttTransportFactory } from './mqtt-transport-factory';
import { getRequester } from './requester';
import { FakeSession, flush } from './test-support/fake-session';

const topics = createTopics({ prefix: 'a2a/v1' });
const agent = { org: 'acme', unit: 'eng', agent: 'code-generator-agent' };

function card(protocolBinding?: string): AgentCard {
  const mqtt = buildMqttInterface({ broker: 'mqtt://127.0.0.1:1883', topics, agent });
  return AgentCard.fromJSON({
    name: 'Code generator',
    description: 'writes code',
    version: '1.0.0',
    supportedInterfaces: [
      { url: 'http://127.0.0.1:9/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { ...mqtt, protocolBinding: protocolBinding ?? mqtt.protocolBinding },
    ],
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [],
  });
}

describe('MqttTransportFactory', () => {
  it('gives ClientFactory an MQTT client for a card with an MQTT interface', async () => {
    const session = new FakeSession();
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new MqttTransportFactory({ session })],
        preferredTransports: ['MQTT5+JSONRPC'],
      }),
    );
    const client = await factory.createFromAgentCard(card());
    expect(client.transport).toBeInstanceOf(MqttTransport);
    expect((client.transport as MqttTransport).requestTopic).toBe(
      'a2a/v1/request/acme/eng/code-generator-agent',
    );
    const pending = client.getTask({ tenant: '', id: 't1' });
    await flush();
    expect(session.published[0]!.topic).toBe('a2a/v1/request/acme/eng/code-generator-agent');
    expect(session.published[0]!.properties.userProperties).toMatchObject({ 'A2A-Version': '1.0' });
    // Replies come back under the prefix of the card's request topic, not the default `$a2a/v1`.
    expect(session.published[0]!.properties.responseTopic).toMatch(
      /^a2a\/v1\/reply\/acme\/eng\/tester\//,
    );
    session.result(0, { id: 't1', contextId: 'c1', status: { state: 'TASK_STATE_WORKING' } });
    await expect(pending).resolves.toMatchObject({ id: 't1' });
    await getRequester(session, { topics }).close();
  });

  it('keeps an explicit reply prefix (requesterOptions.topics) for every card', async () => {
    const session = new FakeSession();
    const mqtt = new MqttTransportFactory({
      session,
      requesterOptions: { topics: createTopics({ prefix: 'replies/v1' }) },
    });
    const client = await new ClientFactory({ transports: [mqtt] }).createFromAgentCard(card());
    const pending = client.getTask({ tenant: '', id: 't1' });
    await flush();
    expect(session.published[0]!.topic).toBe('a2a/v1/request/acme/eng/code-generator-agent');
    expect(session.published[0]!.properties.responseTopic).toMatch(/^replies\/v1\/reply\//);
    session.result(0, { id: 't1', contextId: 'c1', status: { state: 'TASK_STATE_WORKING' } });
    await expect(pending).resolves.toMatchObject({ id: 't1' });
    await mqtt.requester.close();
  });

  it('needs no preferredTransports for a card whose only interface is MQTT', async () => {
    const session = new FakeSession();
    const mqttOnly = AgentCard.fromJSON({
      ...(AgentCard.toJSON(card()) as Record<string, unknown>),
      supportedInterfaces: [buildMqttInterface({ broker: 'mqtt://127.0.0.1:1883', topics, agent })],
    });
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new MqttTransportFactory({ session })],
      }),
    );
    expect((await factory.createFromAgentCard(mqttOnly)).transport).toBeInstanceOf(MqttTransport);
    await getRequester(session).close();
  });

  it('a card listing JSONRPC first gets MQTT only with preferredTransports (or MQTT-only transports)', async () => {
    const session = new FakeSession();
    const mqtt = new MqttTransportFactory({ session });
    // The SDK picks the card's first interface it has a factory for: with the defaults that is
    // JSON-RPC over HTTP.
    const withDefaults = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [mqtt] }),
    );
    expect((await withDefaults.createFromAgentCard(card())).transport).not.toBeInstanceOf(
      MqttTransport,
    );
    const preferred = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [mqtt],
        preferredTransports: ['MQTT5+JSONRPC'],
      }),
    );
    expect((await preferred.createFromAgentCard(card())).transport).toBeInstanceOf(MqttTransport);
    const mqttOnly = new ClientFactory({ transports: [mqtt] });
    expect((await mqttOnly.createFromAgentCard(card())).transport).toBeInstanceOf(MqttTransport);
    await mqtt.requester.close();
  });

  it('accepts binding aliases through createMqttTransportFactories', async () => {
    const session = new FakeSession();
    const factories = createMqttTransportFactories({ session });
    expect(factories.map((f) => f.protocolName)).toContain('MQTTv5+JSONRPCv2');
    expect(new Set(factories.map((f) => f.requester)).size).toBe(1);
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: factories,
        preferredTransports: factories.map((f) => f.protocolName),
      }),
    );
    const client = await factory.createFromAgentCard(card('MQTTv5+JSONRPCv2'));
    expect(client.transport).toBeInstanceOf(MqttTransport);
    await factories[0]!.requester.close();
  });

  it('rejects a non-MQTT binding name and a card URL that is no MQTT interface', async () => {
    const session = new FakeSession();
    expect(() => new MqttTransportFactory({ session, protocolName: 'JSONRPC' })).toThrowError(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    const factory = new MqttTransportFactory({ session });
    await expect(factory.create('http://example.com', card())).rejects.toMatchObject({
      code: 'INVALID_AGENT_CARD',
    });
    await factory.requester.close();
  });
});
