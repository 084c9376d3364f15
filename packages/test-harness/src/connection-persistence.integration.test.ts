/**
 * @a2a-mqtt/connection with mosquitto's persistence and max-packet profiles: queued messages
 * survive the client being offline and the broker restarting (SIGTERM and SIGKILL); an
 * oversize publish fails fast and leaves the connection usable.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connectMqttSession, type InboundMessage, MqttSession } from '@a2a-mqtt/connection';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerHandle, startBroker, waitFor } from './index.js';

const TIMEOUT = { timeoutMs: 15_000 };
const sessions: MqttSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close({ force: true })));
});

/** Modification time of the broker's persistence file (0 while it does not exist). */
function databaseMtimeMs(broker: BrokerHandle): number {
  const dataDir = broker.dataDir;
  if (dataDir === undefined) throw new Error('a mosquitto broker has a data directory');
  const file = readdirSync(dataDir, { recursive: true })
    .map(String)
    .find((name) => name.endsWith('mosquitto.db'));
  return file === undefined ? 0 : statSync(join(dataDir, file)).mtimeMs;
}

describe('persistent profile', () => {
  let broker: BrokerHandle;
  beforeAll(async () => {
    broker = await startBroker({ profile: 'persistent' });
  });
  afterAll(async () => {
    await broker?.close();
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`delivers what was queued while offline, across a broker ${signal} restart`, async () => {
      const clientId = `acme/ops/persistent-${signal.toLowerCase()}`;
      const topic = `persist/${signal.toLowerCase()}`;
      const options = {
        url: broker.url,
        clientId,
        session: { persistent: true, expiryIntervalSeconds: 600 },
        reconnect: { enabled: false },
      };
      // 1. Create the session and its subscription, then go away (the session stays).
      const first = await connectMqttSession(options);
      await first.subscribe(topic, () => {}, { qos: 1 });
      await first.close();

      // 2. Messages published while the subscriber is offline are queued for it.
      const publisher = await connectMqttSession({ url: broker.url });
      sessions.push(publisher);
      const before = databaseMtimeMs(broker);
      for (const body of ['one', 'two', 'three']) {
        await expect(publisher.publish(topic, body, { qos: 1 })).resolves.toMatchObject({
          noMatchingSubscribers: false,
        });
      }
      await publisher.close();
      if (signal === 'SIGKILL') {
        // autosave_on_changes: wait until the broker wrote its database after the publishes.
        await waitFor(() => databaseMtimeMs(broker) > before, TIMEOUT);
      }
      await broker.restart({ signal });

      // 3. A new process resumes the session: the handler is in place before the CONNACK.
      const received: InboundMessage[] = [];
      const resumed = new MqttSession(options);
      sessions.push(resumed);
      const connected = new Promise<boolean>((resolve) => {
        resumed.once('connect', ({ sessionPresent }) => resolve(sessionPresent));
      });
      await resumed.subscribe(topic, (message) => received.push(message), { qos: 1 });
      await resumed.connect();
      expect(await connected).toBe(true);
      await waitFor(() => received.length >= 3, TIMEOUT);
      expect(received.map((message) => message.payload.toString())).toEqual([
        'one',
        'two',
        'three',
      ]);
    });
  }
});

describe('max-packet profile', () => {
  let broker: BrokerHandle;
  beforeAll(async () => {
    broker = await startBroker({ profile: 'max-packet' });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('refuses an oversize publish with PACKET_TOO_LARGE before sending, and stays usable', async () => {
    const session = await connectMqttSession({ url: broker.url });
    sessions.push(session);
    const limit = session.maximumPacketSize;
    expect(limit).toBeTypeOf('number');
    const received: string[] = [];
    await session.subscribe('size/ok', (message) => received.push(message.payload.toString()));
    // Refused locally: the oversize PUBLISH never reaches the socket.
    const sent: string[] = [];
    const onSend = (packet: { cmd: string; topic?: string }) => {
      if (packet.cmd === 'publish') sent.push(packet.topic ?? '');
    };
    session.client.on('packetsend', onSend);
    await expect(
      session.publish('size/big', Buffer.alloc((limit as number) + 1), { qos: 1 }),
    ).rejects.toMatchObject({
      code: 'PACKET_TOO_LARGE',
      details: expect.objectContaining({ maximumPacketSize: limit }),
    });
    session.client.removeListener('packetsend', onSend);
    expect(sent).toEqual([]);
    expect(session.connected).toBe(true);
    await expect(session.publish('size/ok', 'small', { qos: 1 })).resolves.toMatchObject({
      noMatchingSubscribers: false,
    });
    await waitFor(() => received.length === 1, TIMEOUT);
    expect(received).toEqual(['small']);
  });
});
