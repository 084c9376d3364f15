/**
 * `@a2a-js/sdk` integration: ClientFactory with the MQTT card resolver, and the same card
 * served over HTTP with the SDK's express `agentCardHandler`.
 */
import type { AddressInfo } from 'node:net';
import { AGENT_CARD_PATH, type AgentCard } from '@a2a-js/sdk';
import { ClientFactory, type Transport, type TransportFactory } from '@a2a-js/sdk/client';
import { agentCardHandler } from '@a2a-js/sdk/server/express';
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import {
  clientIdFor,
  createTopics,
  isA2AMqttError,
  MQTT_PROTOCOL_BINDING,
  readMqttInterface,
} from '@a2a-mqtt/protocol';
import { useBroker, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttAgentCardResolver } from './card-resolver.js';
import { agentCardProviderFor } from './http-card.js';
import { presenceWill } from './presence.js';
import { registerAgent } from './registration.js';
import { makeCard } from './test-support/cards.js';

/** Records what ClientFactory hands to the transport of the MQTT binding. */
class RecordingTransportFactory implements TransportFactory {
  readonly protocolName = MQTT_PROTOCOL_BINDING;
  readonly created: { url: string; card: AgentCard }[] = [];
  async create(url: string, card: AgentCard): Promise<Transport> {
    this.created.push({ url, card });
    return {} as Transport;
  }
}

describe.each(['$a2a/v1', 'a2a/v1'])('@a2a-js/sdk integration with prefix %s', (prefix) => {
  const topics = createTopics({ prefix });
  const agent = { org: 'acme', unit: 'support', agent: 'triage' };
  const broker = useBroker();
  // Every message under the prefix, in every test, is checked against the profile.
  useWireCheck({ broker, prefix });
  let agentSession: MqttSession;
  let clientSession: MqttSession;

  beforeAll(async () => {
    agentSession = await connectMqttSession({
      url: broker().url,
      clientId: clientIdFor(agent),
      will: presenceWill({ agent, card: makeCard('Triage'), topics, broker: broker().url }),
    });
    clientSession = await connectMqttSession({
      url: broker().url,
      clientId: 'acme/support/client',
    });
  });
  afterAll(async () => {
    await agentSession?.close();
    await clientSession?.close();
  });

  it('lets ClientFactory create a client from an MQTT address of an agent', async () => {
    const registration = await registerAgent({
      session: agentSession,
      agent,
      card: makeCard('Triage'),
      topics,
    });
    const transports = new RecordingTransportFactory();
    const factory = new ClientFactory({
      transports: [transports],
      cardResolver: new MqttAgentCardResolver({ session: clientSession, topics }),
    });
    const mqttUrl = readMqttInterface(registration.card)!.url;
    for (const address of [`a2a-mqtt:acme/support/triage`, mqttUrl]) {
      await factory.createFromUrl(address);
      const created = transports.created.at(-1)!;
      expect(created.card.name).toBe('Triage');
      expect(created.url).toBe(mqttUrl);
    }
    const missing = await new MqttAgentCardResolver({
      session: clientSession,
      topics,
      timeoutMs: 200,
    })
      .resolve('a2a-mqtt:acme/support/nobody')
      .catch((error: unknown) => error);
    expect(isA2AMqttError(missing, 'AGENT_NOT_FOUND')).toBe(true);
  });

  it('serves the registered card at the HTTP well-known path, following update()', async () => {
    const registration = await registerAgent({
      session: agentSession,
      agent,
      card: makeCard('Triage'),
      topics,
    });
    const app = express();
    app.use(
      `/${AGENT_CARD_PATH}`,
      agentCardHandler({ agentCardProvider: agentCardProviderFor(registration) }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const first = (await (await fetch(`${base}/${AGENT_CARD_PATH}`)).json()) as AgentCard;
      expect(first.name).toBe('Triage');
      expect(readMqttInterface(first)?.requestTopic).toBe(topics.request(agent));
      await registration.update(makeCard('Triage v2'));
      const second = (await (await fetch(`${base}/${AGENT_CARD_PATH}`)).json()) as AgentCard;
      expect(second.name).toBe('Triage v2');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
