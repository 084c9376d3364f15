/**
 * @a2a-mqtt/connection against mosquitto's security profiles: passwords and ACLs, TLS and
 * mTLS. Each profile accepts the right clients and refuses the wrong ones with typed errors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { connectMqttSession, type MqttSession } from '@a2a-mqtt/connection';
import { type AgentAddress, isA2AMqttError } from '@a2a-mqtt/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BrokerHandle, generateTlsMaterial, startBroker, waitForEvent } from './index.js';
import type { EventSource } from './wait.js';

const sessions: MqttSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close({ force: true })));
});

async function track(promise: Promise<MqttSession>): Promise<MqttSession> {
  const session = await promise;
  sessions.push(session);
  return session;
}

const NO_RECONNECT = { enabled: false } as const;

describe('acl profile', () => {
  let broker: BrokerHandle;
  const alpha: AgentAddress = { org: 'acme', unit: 'ops', agent: 'alpha' };
  const beta: AgentAddress = { org: 'acme', unit: 'ops', agent: 'beta' };
  const PREFIX = '$a2a/v1';
  beforeAll(async () => {
    broker = await startBroker({ profile: 'acl', acl: { prefix: PREFIX, agents: [alpha, beta] } });
  });
  afterAll(async () => {
    await broker?.close();
  });

  function credentials(agent: AgentAddress) {
    const found = broker.agentCredentials?.(agent);
    if (found === undefined) throw new Error('the acl profile has no agent credentials');
    return found;
  }

  it('accepts an agent with its credentials', async () => {
    const { username, password } = credentials(alpha);
    const session = await track(
      connectMqttSession({
        url: broker.url,
        clientId: username,
        username,
        password,
        reconnect: NO_RECONNECT,
      }),
    );
    expect(session.connected).toBe(true);
  });

  it('authenticates with the credentials of the URL, also on reconnect, and never shows the password', async () => {
    const { username, password } = credentials(alpha);
    // The grammar's user info: `/` in the username (`acme/ops/alpha`) is percent-encoded.
    const url = `mqtt://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${broker.host}:${broker.port}`;
    const session = await track(
      connectMqttSession({ url, clientId: username, reconnect: { initialDelayMs: 50 } }),
    );
    expect(session.connected).toBe(true);
    const own = `${PREFIX}/discovery/${alpha.org}/${alpha.unit}/${alpha.agent}`;
    // Authorized (a refusal would reject NOT_AUTHORIZED); nobody subscribes, so PUBACK 0x10.
    await expect(session.publish(own, '{}', { qos: 1 })).resolves.toBeDefined();
    // mqtt.js re-sends CONNECT with the (hidden) password on every reconnect.
    const reconnected = waitForEvent<[{ sessionPresent: boolean }]>(
      session as unknown as EventSource,
      'connect',
      { timeoutMs: 10_000 },
    );
    session.destroySocket();
    await reconnected;
    await expect(session.publish(own, '', { qos: 1, retain: true })).resolves.toBeDefined();
    for (const text of [
      inspect(session, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(session),
      String(session),
      inspect(session.client.options, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(session.client.options),
    ]) {
      expect(text).not.toContain(password);
    }
    expect(session.toJSON()).toMatchObject({ username, connected: true });
  });

  it('refuses a bad password with NOT_AUTHORIZED and the CONNACK reason code', async () => {
    const { username } = credentials(alpha);
    const error = await connectMqttSession({
      url: broker.url,
      clientId: username,
      username,
      password: 'wrong-password',
      reconnect: NO_RECONNECT,
    }).catch((caught: unknown) => caught);
    expect(isA2AMqttError(error, 'NOT_AUTHORIZED')).toBe(true);
    expect([0x86, 0x87]).toContain((error as { reasonCode?: number }).reasonCode);
    expect(String((error as Error).message)).not.toContain('wrong-password');
  });

  it("refuses publishing to another agent's discovery topic with NOT_AUTHORIZED (0x87)", async () => {
    const { username, password } = credentials(alpha);
    const session = await track(
      connectMqttSession({
        url: broker.url,
        clientId: username,
        username,
        password,
        reconnect: NO_RECONNECT,
      }),
    );
    const own = `${PREFIX}/discovery/${alpha.org}/${alpha.unit}/${alpha.agent}`;
    const other = `${PREFIX}/discovery/${beta.org}/${beta.unit}/${beta.agent}`;
    await expect(session.publish(own, '{}', { qos: 1 })).resolves.toMatchObject({});
    await expect(session.publish(other, '{}', { qos: 1 })).rejects.toMatchObject({
      code: 'NOT_AUTHORIZED',
      reasonCode: 0x87,
    });
    // The refusal does not cost the connection.
    expect(session.connected).toBe(true);
    await session.publish(own, '', { qos: 1, retain: true });
  });
});

/** A CA that did not sign the broker's certificate. */
function foreignCa(): string {
  const dir = mkdtempSync(join(tmpdir(), 'a2a-mqtt-foreign-ca-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        '1',
        '-subj',
        '/CN=foreign-ca',
      ],
      { cwd: dir, stdio: 'ignore' },
    );
    return readFileSync(join(dir, 'ca.crt'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('tls profile', () => {
  let broker: BrokerHandle;
  beforeAll(async () => {
    broker = await startBroker({ profile: 'tls' });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('connects with the broker CA and the server name', async () => {
    const tls = broker.tls;
    if (tls === undefined) throw new Error('the tls profile has no TLS material');
    const session = await track(
      connectMqttSession({
        url: broker.url,
        tls: { ca: tls.ca, servername: tls.serverName },
        reconnect: NO_RECONNECT,
      }),
    );
    expect(session.connected).toBe(true);
    expect(session.endpoint?.protocol).toBe('mqtts');
  });

  it('sets TCP_NODELAY on the TCP handle under the TLS socket, at connect and on every reconnect', async () => {
    const tls = broker.tls;
    if (tls === undefined) throw new Error('the tls profile has no TLS material');
    // The TCP handle class (libuv), taken from a plain socket: a TLSSocket's handle is a TLSWrap
    // whose setNoDelay forwards to this handle (`_parent`), which sets the socket option.
    const probe = new net.Socket();
    probe.on('error', () => undefined);
    probe.connect({ host: '127.0.0.1', port: broker.port });
    const tcpHandle = (probe as unknown as { _handle: { constructor: { prototype: object } } })
      ._handle.constructor.prototype as { setNoDelay(enable: boolean): number };
    probe.destroy();
    const socketSpy = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const handleSpy = vi.spyOn(tcpHandle, 'setNoDelay');
    try {
      const session = await track(
        connectMqttSession({
          url: broker.url,
          tls: { ca: tls.ca, servername: tls.serverName },
          reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
        }),
      );
      expect(session.endpoint?.protocol).toBe('mqtts');
      const tcpOf = (socket: unknown) =>
        (socket as { _handle?: { _parent?: unknown } })._handle?._parent;
      const noDelayOn = (socket: unknown) =>
        socketSpy.mock.contexts.some(
          (context, index) => context === socket && socketSpy.mock.calls[index]?.[0] === true,
        ) &&
        handleSpy.mock.contexts.some(
          (context, index) =>
            context !== undefined &&
            context === tcpOf(socket) &&
            handleSpy.mock.calls[index]?.[0] === true,
        );
      const first = session.client.stream;
      expect(first).toBeInstanceOf(TLSSocket);
      expect(noDelayOn(first)).toBe(true);
      const reconnected = waitForEvent(session as unknown as EventSource, 'connect', {
        timeoutMs: 10_000,
      });
      session.destroySocket();
      await reconnected;
      const second = session.client.stream;
      expect(second).not.toBe(first);
      expect(second).toBeInstanceOf(TLSSocket);
      expect(noDelayOn(second)).toBe(true);
    } finally {
      socketSpy.mockRestore();
      handleSpy.mockRestore();
    }
  });

  it('refuses a server name the broker certificate does not cover with CONNECT_FAILED', async () => {
    // The same CA as the passing case above: only the server name differs.
    const tls = broker.tls;
    if (tls === undefined) throw new Error('the tls profile has no TLS material');
    const error = await connectMqttSession({
      url: broker.url,
      tls: { ca: tls.ca, servername: 'wrong.example' },
      reconnect: NO_RECONNECT,
    }).catch((caught: unknown) => caught);
    expect(isA2AMqttError(error, 'CONNECT_FAILED')).toBe(true);
    const cause = (error as Error).cause as (Error & { code?: string }) | undefined;
    expect(cause?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(String(cause?.message)).toContain('wrong.example');
    expect((error as { details?: { errorCode?: string } }).details?.errorCode).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
  });

  it('refuses a broker certificate signed by another CA with CONNECT_FAILED', async () => {
    const error = await connectMqttSession({
      url: broker.url,
      tls: { ca: foreignCa(), servername: broker.tls?.serverName },
      reconnect: NO_RECONNECT,
    }).catch((caught: unknown) => caught);
    expect(isA2AMqttError(error, 'CONNECT_FAILED')).toBe(true);
    expect((error as { details?: { errorCode?: string } }).details?.errorCode).toMatch(
      /SELF_SIGNED|UNABLE_TO_VERIFY|UNKNOWN_CA|CERT/,
    );
  });
});

describe('mtls profile', () => {
  let broker: BrokerHandle;
  let foreignDir: string;
  beforeAll(async () => {
    broker = await startBroker({ profile: 'mtls' });
    foreignDir = mkdtempSync(join(tmpdir(), 'a2a-mqtt-foreign-tls-'));
  });
  afterAll(async () => {
    await broker?.close();
    if (foreignDir !== undefined) rmSync(foreignDir, { recursive: true, force: true });
  });

  it('connects with a client certificate issued by the broker CA', async () => {
    const tls = broker.tls;
    if (tls === undefined) throw new Error('the mtls profile has no TLS material');
    const client = await tls.issueClientCertificate('alpha.ops.acme');
    const session = await track(
      connectMqttSession({
        url: broker.url,
        tls: { ca: tls.ca, cert: client.cert, key: client.key, servername: tls.serverName },
        reconnect: NO_RECONNECT,
      }),
    );
    expect(session.connected).toBe(true);
  });

  it('refuses a client certificate issued by a foreign CA with CONNECT_FAILED (unknown CA)', async () => {
    const tls = broker.tls;
    if (tls === undefined) throw new Error('the mtls profile has no TLS material');
    // A second, complete set of TLS material from the harness generator, in its own directory:
    // a well-formed client certificate whose CA the broker does not trust.
    const foreign = await generateTlsMaterial(foreignDir);
    const stranger = await foreign.issueClientCertificate('alpha.ops.acme');
    const error = await connectMqttSession({
      url: broker.url,
      tls: { ca: tls.ca, cert: stranger.cert, key: stranger.key, servername: tls.serverName },
      reconnect: NO_RECONNECT,
      connectTimeoutMs: 5_000,
    }).catch((caught: unknown) => caught);
    expect(isA2AMqttError(error, 'CONNECT_FAILED')).toBe(true);
    const cause = (error as Error).cause as (Error & { code?: string }) | undefined;
    // mosquitto rejects the certificate with a TLS "unknown CA" alert.
    expect(cause?.code).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    expect((error as { details?: { errorCode?: string } }).details?.errorCode).toBe(
      'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    );
  });

  it('refuses a client without a certificate with CONNECT_FAILED', async () => {
    const error = await connectMqttSession({
      url: broker.url,
      tls: { ca: broker.tls?.ca, servername: broker.tls?.serverName },
      reconnect: NO_RECONNECT,
      connectTimeoutMs: 5_000,
    }).catch((caught: unknown) => caught);
    expect(isA2AMqttError(error, 'CONNECT_FAILED')).toBe(true);
    const errorCode = (error as { details?: { errorCode?: string } }).details?.errorCode ?? '';
    // TLS 1.3 reports the refusal as an alert after the handshake (sometimes as a reset).
    expect(`${errorCode} ${(error as Error).message}`).toMatch(
      /CERTIFICATE_REQUIRED|ECONNRESET|closed before a CONNACK/,
    );
  });
});
