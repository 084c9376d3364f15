/**
 * Per-request OAuth 2.0 bearer tokens end to end on a TLS mosquitto: the client attaches
 * `a2a-authorization: Bearer <token>` per request, the server's `createBearerAuthenticator`
 * validates it before the executor runs, refusals are JSON-RPC error replies, and no reply,
 * event or discovery message ever carries a token. On a plain `mqtt://` broker the client
 * refuses to send a token at all.
 */
import { SendMessageRequest, TaskState } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import { connectMqttSession } from '@a2a-mqtt/connection';
import { isA2AMqttError, USER_PROPERTY } from '@a2a-mqtt/protocol';
import {
  type A2AMqttServer,
  createA2AMqttServer,
  createBearerAuthenticator,
  createRequestHandler,
  FastInMemoryTaskStore,
} from '@a2a-mqtt/server';
import { createWireSniffer, type SniffedMessage, type WireSniffer } from '@a2a-mqtt/test-harness';
import { useBroker, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type A2AMqttClient, createA2AMqttClient } from './create-client';
import { MqttTransport } from './mqtt-transport';
import { createTestSigningKey, signTestJwt, type TestSigningKey } from './test-support/jwt';
import { ScriptedExecutor, testCard } from './test-support/scripted-executor';

const AGENT = { org: 'acme', unit: 'eng', agent: 'secure-agent' };
const ISSUER = 'https://idp.test/';
const AUDIENCE = 'https://agents.test/secure-agent';
const SCOPE = 'agents:invoke';

const tlsBroker = useBroker({ profile: 'tls' });
const plainBroker = useBroker();

let trustedKey: TestSigningKey;
let foreignKey: TestSigningKey;
let server: A2AMqttServer;
let executor: ScriptedExecutor;
let sniffer: WireSniffer;
let good: A2AMqttClient;
let bad: A2AMqttClient;
let goodTokenCalls = 0;
/** What the "bad" client sends next. */
let badToken = '';
const tokensSent: string[] = [];

function tokenFor(key: TestSigningKey, overrides: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const token = signTestJwt(key, {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-42',
    scope: `${SCOPE} agents:read`,
    iat: now,
    exp: now + 300,
    ...overrides,
  });
  tokensSent.push(token);
  return token;
}

function tlsSessionOptions() {
  const tls = tlsBroker().tls;
  if (tls === undefined) throw new Error('the tls profile has no TLS material');
  return { tls: { ca: tls.ca, servername: tls.serverName } };
}

function send(text: string) {
  return SendMessageRequest.fromJSON({
    message: {
      messageId: `m-${Math.random().toString(16).slice(2)}`,
      role: 'ROLE_USER',
      parts: [{ text }],
    },
  });
}

async function refusalOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the request to be refused');
  return outcome;
}

function isRequest(message: SniffedMessage): boolean {
  return message.parsed?.kind === 'request' || message.parsed?.kind === 'pool-request';
}

beforeAll(async () => {
  trustedKey = createTestSigningKey('trusted');
  foreignKey = createTestSigningKey('trusted'); // same kid, other key: a forged signature
  executor = new ScriptedExecutor('secure');
  sniffer = await createWireSniffer({ broker: tlsBroker() });
  server = await createA2AMqttServer({
    session: { url: tlsBroker().url, ...tlsSessionOptions() },
    agent: AGENT,
    requestHandler: createRequestHandler({
      agentCard: testCard('secure-agent'),
      agentExecutor: executor,
      taskStore: new FastInMemoryTaskStore(),
    }),
    authenticate: createBearerAuthenticator({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [trustedKey.publicJwk] },
      requiredScopes: [SCOPE],
    }),
  });
  good = await createA2AMqttClient({
    url: tlsBroker().url,
    sessionOptions: tlsSessionOptions(),
    agent: 'secure-agent',
    scope: { org: AGENT.org, unit: AGENT.unit },
    authorization: async () => {
      goodTokenCalls += 1;
      return tokenFor(trustedKey);
    },
  });
  bad = await createA2AMqttClient({
    url: tlsBroker().url,
    sessionOptions: tlsSessionOptions(),
    agent: 'secure-agent',
    scope: { org: AGENT.org, unit: AGENT.unit },
    authorization: () => badToken,
  });
});

afterAll(async () => {
  await good?.close();
  await bad?.close();
  await server?.close();
  await sniffer?.close();
});

describe('per-request OAuth bearer tokens over TLS', () => {
  // Per test: the wire under `$a2a/v1` follows the profile (the file-wide `sniffer` above keeps
  // every message of the file for the token checks).
  const wire = useWireCheck({ broker: tlsBroker, prefix: '$a2a/v1' });

  it('serves a request with a valid token (token fetched per request)', async () => {
    const before = goodTokenCalls;
    const result = await good.client.sendMessage(send('hello with token'));
    if (!('status' in result)) throw new Error('expected a task');
    expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const task = await good.client.getTask({ tenant: '', id: result.id, historyLength: undefined });
    expect(task.id).toBe(result.id);
    expect(goodTokenCalls - before).toBe(2);
    expect(executor.executions.map((run) => run.text)).toContain('hello with token');
  });

  it.each([
    [
      'a forged signature',
      () => tokenFor(foreignKey),
      /^Unauthenticated: the bearer token is invalid/,
    ],
    [
      'an expired token',
      () => tokenFor(trustedKey, { exp: Math.floor(Date.now() / 1000) - 120 }),
      /^Unauthenticated: the bearer token has expired/,
    ],
    [
      'a wrong audience',
      () => tokenFor(trustedKey, { aud: 'https://agents.test/other' }),
      /^Unauthenticated/,
    ],
    [
      'a wrong issuer',
      () => tokenFor(trustedKey, { iss: 'https://evil.test/' }),
      /^Unauthenticated/,
    ],
    [
      'a missing scope',
      () => tokenFor(trustedKey, { scope: 'agents:read' }),
      /^Insufficient scope: SendMessage requires 'agents:invoke'/,
    ],
    [
      'a malformed token',
      () => 'not.a-jwt',
      /^Unauthenticated: the bearer token is not a well-formed JWT/,
    ],
  ])(
    'refuses %s with an error reply and never runs the executor',
    async (_name, make, expected) => {
      badToken = make();
      const text = `refused ${_name}`;
      const error = await refusalOf(bad.client.sendMessage(send(text)));
      expect(error).toBeInstanceOf(RequestMalformedError);
      expect(error.message).toMatch(expected);
      expect(error.message).not.toContain(badToken);
      expect(executor.executions.map((run) => run.text)).not.toContain(text);
      // The refusal is the server's JSON-RPC reply (-32600), seen on the wire.
      const reply = await sniffer.waitForMessage(
        (message) =>
          message.parsed?.kind === 'reply' &&
          (message.json as { error?: { message?: string } } | undefined)?.error?.message ===
            error.message,
        { timeoutMs: 5_000 },
      );
      expect((reply.json as { error: { code: number } }).error.code).toBe(-32600);
    },
  );

  it('never echoes a token in any reply, event or discovery message', async () => {
    // This test only reads what the file-wide sniffer recorded; it publishes nothing itself.
    wire.expectNoTraffic();
    const requests = sniffer.messages(isRequest);
    // The sniffer does see the tokens on requests, so the check below is not vacuous.
    const sentOnRequests = requests
      .map((message) => message.properties.userProperties?.[USER_PROPERTY.AUTHORIZATION])
      .filter((value): value is string => typeof value === 'string');
    expect(sentOnRequests.length).toBeGreaterThanOrEqual(8);
    expect(sentOnRequests.every((value) => value.startsWith('Bearer '))).toBe(true);

    const others = sniffer.messages((message) => !isRequest(message));
    expect(others.some((message) => message.parsed?.kind === 'reply')).toBe(true);
    const secrets = [...new Set([...tokensSent, ...sentOnRequests.map((v) => v.slice(7))])];
    for (const message of others) {
      const wire = [
        message.payload.toString('utf8'),
        JSON.stringify(message.properties.userProperties ?? {}),
        message.properties.responseTopic ?? '',
        message.properties.contentType ?? '',
      ].join('\n');
      for (const secret of secrets) {
        expect(wire.includes(secret), `${message.topic} echoes a token`).toBe(false);
        // Not even the signature part of one.
        expect(wire.includes(secret.split('.').pop() ?? secret)).toBe(false);
      }
      expect(message.properties.userProperties?.[USER_PROPERTY.AUTHORIZATION]).toBeUndefined();
    }
    expect(sniffer.violations()).toEqual([]);
  });
});

describe('bearer tokens over plain mqtt://', () => {
  const plainWire = useWireCheck({ broker: plainBroker, prefix: '$a2a/v1' });

  it('the client refuses to attach a token (INVALID_OPTIONS) and nothing is sent', async () => {
    const plainSniffer = plainWire.sniffer();
    const token = tokenFor(trustedKey);
    const error = await refusalOf(
      createA2AMqttClient({
        url: plainBroker().url,
        agent: 'secure-agent',
        scope: { org: AGENT.org, unit: AGENT.unit },
        authorization: token,
      }),
    );
    expect(isA2AMqttError(error, 'INVALID_OPTIONS')).toBe(true);
    expect(error.message).toMatch(/only sent over TLS/);
    expect(error.message).not.toContain(token);

    const session = await connectMqttSession({
      url: plainBroker().url,
      clientId: 'acme/eng/plain-requester',
    });
    try {
      let thrown: unknown;
      try {
        new MqttTransport({ session, agent: AGENT, authorization: async () => token });
      } catch (caught) {
        thrown = caught;
      }
      expect(isA2AMqttError(thrown, 'INVALID_OPTIONS')).toBe(true);

      // allowInsecureBearer (tests only) is what it takes to send one over plain MQTT.
      const insecure = new MqttTransport({
        session,
        agent: AGENT,
        authorization: token,
        allowInsecureBearer: true,
      });
      const abort = new AbortController();
      const pending = insecure.getTask({ tenant: '', id: 'probe' }, { signal: abort.signal });
      const seen = await plainSniffer.waitForMessage(isRequest, { timeoutMs: 5_000 });
      abort.abort();
      await pending.catch(() => undefined);
      expect(seen.properties.userProperties?.[USER_PROPERTY.AUTHORIZATION]).toBe(`Bearer ${token}`);
      // Only that one deliberate request carried a token.
      const withToken = plainSniffer.messages(
        (message) => message.properties.userProperties?.[USER_PROPERTY.AUTHORIZATION] !== undefined,
      );
      expect(withToken).toHaveLength(1);
      await insecure.requester.close();
    } finally {
      await session.close();
    }
  });
});
