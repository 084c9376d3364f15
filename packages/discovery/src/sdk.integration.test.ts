/**
 * `@a2a-js/sdk` integration: ClientFactory with the MQTT card resolver, and the same card
 * served over HTTP with the SDK's express `agentCardHandler`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_CARD_PATH, AgentCard } from '@a2a-js/sdk';
import {
  ClientFactory,
  DefaultAgentCardResolver,
  type Transport,
  type TransportFactory,
} from '@a2a-js/sdk/client';
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

/** Records what ClientFactory hands to the transport of a binding (default: the MQTT one). */
class RecordingTransportFactory implements TransportFactory {
  constructor(readonly protocolName: string = MQTT_PROTOCOL_BINDING) {}
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
  const wire = useWireCheck({ broker, prefix });
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

  it('delegates a non-MQTT address to the fallback resolver (the SDK default, over HTTP)', async () => {
    wire.expectNoTraffic();
    const requested: string[] = [];
    const remote = makeCard('Remote');
    const server = createServer((request, response) => {
      requested.push(request.url ?? '');
      if (request.url === `/${AGENT_CARD_PATH}`) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(AgentCard.toJSON(remote)));
      } else {
        response.writeHead(404).end();
      }
    });
    server.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const resolver = new MqttAgentCardResolver({
        session: clientSession,
        topics,
        fallback: new DefaultAgentCardResolver(),
      });
      const card = await resolver.resolve(base);
      expect(card.name).toBe('Remote');
      expect(card.supportedInterfaces[0]?.url).toBe('https://remote.example/a2a');
      expect(requested).toEqual([`/${AGENT_CARD_PATH}`]);

      // Through ClientFactory too: the card of an HTTP address comes from the well-known path.
      const transports = new RecordingTransportFactory('JSONRPC');
      const factory = new ClientFactory({ transports: [transports], cardResolver: resolver });
      await factory.createFromUrl(base);
      expect(transports.created.map(({ url, card }) => ({ url, name: card.name }))).toEqual([
        { url: 'https://remote.example/a2a', name: 'Remote' },
      ]);
      expect(requested).toEqual([`/${AGENT_CARD_PATH}`, `/${AGENT_CARD_PATH}`]);

      // With no fallback option, the SDK's HTTP resolver is the default.
      const byDefault = await new MqttAgentCardResolver({ session: clientSession, topics }).resolve(
        base,
      );
      expect(byDefault.name).toBe('Remote');
      expect(requested).toHaveLength(3);

      // `fallback: null`: a non-MQTT address is rejected and nothing is fetched.
      const rejected = await new MqttAgentCardResolver({
        session: clientSession,
        topics,
        fallback: null,
      })
        .resolve(base)
        .catch((e: unknown) => e);
      expect(isA2AMqttError(rejected, 'INVALID_TOPIC')).toBe(true);
      expect(requested).toHaveLength(3);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
