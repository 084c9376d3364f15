import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MosquittoBrokerHandle, startBroker, waitFor } from './index.js';

const TIMEOUT = { timeoutMs: 10_000 };

async function connectOrError(
  options: mqtt.IClientOptions,
): Promise<{ client?: MqttClient; error?: Error & { code?: unknown } }> {
  try {
    return { client: await mqtt.connectAsync(options) };
  } catch (error) {
    return { error: error as Error & { code?: unknown } };
  }
}

describe('acl profile', () => {
  const prefix = '$a2a/v1';
  const alice = { org: 'acme', unit: 'sales', agent: 'alice' };
  const bob = { org: 'acme', unit: 'sales', agent: 'bob' };
  const carol = { org: 'acme', unit: 'support', agent: 'carol' };
  const dave = { org: 'globex', unit: 'sales', agent: 'dave' };
  let broker: MosquittoBrokerHandle;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    broker = await startBroker({
      profile: 'acl',
      acl: { prefix, agents: [alice, bob, carol, dave] },
    });
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.endAsync()));
    await broker.close();
  });

  async function connectAgent(agent: typeof alice): Promise<MqttClient> {
    const credentials = broker.agentCredentials!(agent);
    const client = await mqtt.connectAsync(
      broker.clientOptions({ ...credentials, clientId: credentials.username }),
    );
    clients.push(client);
    return client;
  }

  it('accepts an agent with its credentials and refuses a bad password or anonymous', async () => {
    await connectAgent(alice);
    const credentials = broker.agentCredentials!(alice);
    const bad = await connectOrError(
      broker.clientOptions({ username: credentials.username, password: 'wrong' }),
    );
    expect(bad.client).toBeUndefined();
    expect(String(bad.error?.message)).toMatch(/Bad User Name or Password|Not authorized/i);
    const anonymous = await connectOrError(broker.clientOptions());
    expect(anonymous.client).toBeUndefined();
    expect(() => broker.agentCredentials!({ org: 'x', unit: 'y', agent: 'z' })).toThrow(/not part/);
  });

  it("answers PUBACK 0x87 when agent A publishes to agent B's discovery topic", async () => {
    const client = await connectAgent(alice);
    await client.publishAsync(`${prefix}/discovery/acme/sales/alice`, '{}', {
      qos: 1,
      retain: true,
    });
    const denied = await client
      .publishAsync(`${prefix}/discovery/acme/sales/bob`, '{}', { qos: 1, retain: true })
      .then(
        () => undefined,
        (error: { code?: number }) => error,
      );
    expect(denied?.code).toBe(0x87);
  });

  it('isolates orgs: dave (globex) never receives acme cards; bob (same unit) does', async () => {
    const aliceClient = await connectAgent(alice);
    const bobClient = await connectAgent(bob);
    const daveClient = await connectAgent(dave);
    const seenByBob: string[] = [];
    const seenByDave: string[] = [];
    bobClient.on('message', (topic) => seenByBob.push(topic));
    daveClient.on('message', (topic) => seenByDave.push(topic));
    // acl_file grants every SUBSCRIBE; read rights are checked per message.
    await bobClient.subscribeAsync(`${prefix}/discovery/acme/sales/+`, { qos: 1 });
    await daveClient.subscribeAsync(`${prefix}/discovery/acme/sales/+`, { qos: 1 });
    await daveClient.subscribeAsync(`${prefix}/discovery/globex/sales/+`, { qos: 1 });
    await aliceClient.publishAsync(`${prefix}/discovery/acme/sales/alice`, 'card', { qos: 1 });
    await daveClient.publishAsync(`${prefix}/discovery/globex/sales/dave`, 'card', { qos: 1 });
    await waitFor(
      () =>
        seenByBob.includes(`${prefix}/discovery/acme/sales/alice`) &&
        seenByDave.includes(`${prefix}/discovery/globex/sales/dave`),
      TIMEOUT,
    );
    expect(seenByDave).not.toContain(`${prefix}/discovery/acme/sales/alice`);
  });

  it('isolates units: carol (acme/support) never receives acme/sales cards, retained or live', async () => {
    const aliceClient = await connectAgent(alice);
    const carolClient = await connectAgent(carol);
    const aliceCard = `${prefix}/discovery/acme/sales/alice`;
    const carolCard = `${prefix}/discovery/acme/support/carol`;
    // A retained sales card before carol subscribes ...
    await aliceClient.publishAsync(aliceCard, 'retained sales card', { qos: 1, retain: true });
    const seenByCarol: string[] = [];
    carolClient.on('message', (topic, payload) => seenByCarol.push(`${topic} ${payload}`));
    // ... an org-wide filter (acl_file grants the SUBSCRIBE and checks read rights per message) ...
    await carolClient.subscribeAsync(`${prefix}/discovery/acme/+/+`, { qos: 1 });
    // ... a live sales card after it, then carol's own card as a fence: mosquitto handles the
    // publishes in this order and delivers over one connection in order, so once carol has her
    // own card, a sales card she were allowed to read would already be in `seenByCarol`.
    await aliceClient.publishAsync(aliceCard, 'live sales card', { qos: 1 });
    await carolClient.publishAsync(carolCard, 'support card', { qos: 1 });
    await waitFor(() => seenByCarol.includes(`${carolCard} support card`), {
      ...TIMEOUT,
      description: "carol's own card (the fence)",
    });
    expect(seenByCarol).toEqual([`${carolCard} support card`]);
  });

  it("forces the username as client id: bob claiming alice's client id does not take her connection over", async () => {
    // Alice first, then bob with alice's client id: without `use_username_as_clientid` the broker
    // would hand bob alice's session and disconnect her (session takeover, DISCONNECT 0x8E).
    const aliceClient = await connectAgent(alice);
    const aliceEvents: string[] = [];
    aliceClient.on('disconnect', (packet) =>
      aliceEvents.push(`disconnect 0x${(packet.reasonCode ?? 0).toString(16)}`),
    );
    aliceClient.on('close', () => aliceEvents.push('close'));
    aliceClient.on('offline', () => aliceEvents.push('offline'));
    const bobCredentials = broker.agentCredentials!(bob);
    // connectAsync resolves on bob's CONNACK: the broker has handled his CONNECT, and a takeover
    // writes alice's DISCONNECT before that CONNACK.
    const bobClient = await mqtt.connectAsync(
      broker.clientOptions({ ...bobCredentials, clientId: 'acme/sales/alice' }),
    );
    clients.push(bobClient);
    expect(bobClient.connected).toBe(true);
    // A round trip on alice's own connection after bob's CONNACK: a takeover would show up as a
    // DISCONNECT / close on her socket before (or instead of) this PUBACK.
    let outcome: string | undefined;
    aliceClient.once('close', () => {
      outcome ??= 'alice closed';
    });
    aliceClient.publishAsync(`${prefix}/discovery/acme/sales/alice`, 'x', { qos: 1 }).then(
      () => {
        outcome ??= 'acked';
      },
      (error: Error) => {
        outcome ??= `alice's publish failed: ${error.message}`;
      },
    );
    await waitFor(() => outcome, {
      ...TIMEOUT,
      description: "alice's PUBACK or her connection closing",
    });
    expect(outcome).toBe('acked');
    expect(aliceEvents).toEqual([]);
    expect(aliceClient.connected).toBe(true);
  });

  it('gives the harness admin access to the whole prefix', async () => {
    const admin = broker.admin!;
    const client = await mqtt.connectAsync(broker.clientOptions({ ...admin }));
    clients.push(client);
    await client.publishAsync(`${prefix}/discovery/acme/sales/bob`, '', { qos: 1, retain: true });
  });
});

describe('tls profile', () => {
  let broker: MosquittoBrokerHandle;
  beforeAll(async () => {
    broker = await startBroker({ profile: 'tls' });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('accepts a client trusting the run CA and refuses one without it', async () => {
    expect(broker.url).toBe(`mqtts://127.0.0.1:${broker.port}`);
    const good = await mqtt.connectAsync(broker.clientOptions());
    await good.endAsync();
    const byName = await mqtt.connectAsync(broker.clientOptions({ host: 'localhost' }));
    await byName.endAsync();
    const withoutCa = await connectOrError({
      ...broker.clientOptions(),
      ca: undefined,
    });
    expect(withoutCa.client).toBeUndefined();
    expect(String(withoutCa.error?.code ?? withoutCa.error?.message)).toMatch(
      /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY|self.signed/i,
    );
  });
});

describe('mtls profile', () => {
  let broker: MosquittoBrokerHandle;
  beforeAll(async () => {
    broker = await startBroker({ profile: 'mtls' });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('accepts the default client certificate and an issued one; refuses a client without one', async () => {
    expect(broker.tls?.cert).toContain('BEGIN CERTIFICATE');
    const good = await mqtt.connectAsync(broker.clientOptions());
    await good.endAsync();
    const issued = await broker.tls!.issueClientCertificate('acme/sales/alice');
    const second = await mqtt.connectAsync(
      broker.clientOptions({ cert: issued.cert, key: issued.key }),
    );
    await second.endAsync();
    const withoutCert = await connectOrError({
      ...broker.clientOptions(),
      cert: undefined,
      key: undefined,
    });
    expect(withoutCert.client).toBeUndefined();
    expect(String(withoutCert.error?.code ?? withoutCert.error?.message)).toMatch(
      /CERTIFICATE_REQUIRED|certificate required|ECONNRESET|closed/i,
    );
  });
});

describe('persistent profile', () => {
  let broker: MosquittoBrokerHandle;
  beforeAll(async () => {
    broker = await startBroker({ profile: 'persistent' });
  });
  afterAll(async () => {
    await broker.close();
  });

  async function readRetained(topic: string): Promise<string> {
    const client = await mqtt.connectAsync(broker.clientOptions());
    try {
      const received: string[] = [];
      client.on('message', (_topic, payload, packet) => {
        if (packet.retain) received.push(payload.toString());
      });
      await client.subscribeAsync(topic, { qos: 1 });
      return (await waitFor(() => received[0], TIMEOUT)) as string;
    } finally {
      await client.endAsync();
    }
  }

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`keeps a retained message across a ${signal} restart on the same port`, async () => {
      const topic = `$a2a/v1/discovery/acme/sales/persist-${signal}`;
      const port = broker.port;
      const saves = () => broker.logs().match(/Saving in-memory database/g)?.length ?? 0;
      const savesBefore = saves();
      const publisher = await mqtt.connectAsync(broker.clientOptions());
      await publisher.publishAsync(topic, `card-${signal}`, { qos: 1, retain: true });
      await publisher.endAsync();
      const oldPid = broker.pid;
      // autosave_on_changes writes the database after the change; SIGKILL must come after that.
      await waitFor(() => saves() > savesBefore, TIMEOUT);
      await broker.restart({ signal });
      expect(broker.pid).not.toBe(oldPid);
      expect(broker.port).toBe(port);
      expect(await readRetained(topic)).toBe(`card-${signal}`);
    });
  }
});

describe('max-packet profile', () => {
  let broker: MosquittoBrokerHandle;
  beforeAll(async () => {
    broker = await startBroker({ profile: 'max-packet', maxPacketSize: 2_048 });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('advertises Maximum Packet Size in CONNACK', async () => {
    const client = mqtt.connect(broker.clientOptions());
    try {
      const [connack] = await new Promise<[mqtt.IConnackPacket]>((resolve, reject) => {
        client.once('connect', (packet) => resolve([packet]));
        client.once('error', reject);
      });
      expect(connack.properties?.maximumPacketSize).toBe(2_048);
    } finally {
      await client.endAsync();
    }
  });
});
