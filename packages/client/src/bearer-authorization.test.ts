import { inspect } from 'node:util';
import { isA2AMqttError } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { assertBearerTransport, isTlsSession } from './bearer-authorization';
import { MqttTransport } from './mqtt-transport';
import { MqttTransportFactory } from './mqtt-transport-factory';
import { getRequester } from './requester';
import { FakeSession, flush } from './test-support/fake-session';

const agent = { org: 'acme', unit: 'eng', agent: 'coder' };
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl';

/** A fake session on a TLS broker (what `MqttSession.endpoint` reports). */
class TlsFakeSession extends FakeSession {
  readonly endpoint = { protocol: 'mqtts' as const };
}

/** A fake session on a plain broker. */
class PlainFakeSession extends FakeSession {
  readonly endpoint = { protocol: 'mqtt' as const };
}

function expectInvalidOptions(action: () => unknown, ...secrets: string[]): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(isA2AMqttError(caught, 'INVALID_OPTIONS')).toBe(true);
  const text = `${(caught as Error).message} ${JSON.stringify(caught)} ${inspect(caught)}`;
  for (const secret of secrets) expect(text).not.toContain(secret);
}

const task = { id: 't1', contextId: 'c1', status: { state: 'TASK_STATE_WORKING' } };

describe('bearer authorization on MqttTransport', () => {
  it('adds a2a-authorization: Bearer <token> to every request on a TLS session', async () => {
    const session = new TlsFakeSession();
    const transport = new MqttTransport({ session, agent, authorization: TOKEN });
    const pending = transport.getTask({ tenant: '', id: 't1' });
    await flush();
    expect(session.published[0]!.properties.userProperties).toMatchObject({
      'a2a-authorization': `Bearer ${TOKEN}`,
      'A2A-Version': '1.0',
    });
    session.result(0, task);
    await expect(pending).resolves.toMatchObject({ id: 't1' });
    await getRequester(session).close();
    // The token is not visible when a transport is printed.
    const idle = new MqttTransport({ session: new TlsFakeSession(), agent, authorization: TOKEN });
    expect(inspect(idle, { depth: 8, showHidden: true })).not.toContain(TOKEN);
    await idle.requester.close();
  });

  it('calls a token provider per request, so a refreshed token is used', async () => {
    const session = new TlsFakeSession();
    let calls = 0;
    const transport = new MqttTransport({
      session,
      agent,
      authorization: async () => `token-${++calls}`,
    });
    for (let index = 0; index < 2; index++) {
      const pending = transport.getTask({ tenant: '', id: 't1' });
      await flush();
      session.result(index, task);
      await pending;
    }
    const stream = transport.resubscribeTask({ tenant: '', id: 't1' });
    const first = stream.next();
    await flush();
    session.result(2, {
      statusUpdate: { taskId: 't1', contextId: 'c1', status: { state: 'TASK_STATE_COMPLETED' } },
    });
    await first;
    await stream.return(undefined);
    expect(calls).toBe(3);
    expect(session.published.map((p) => p.properties.userProperties['a2a-authorization'])).toEqual([
      'Bearer token-1',
      'Bearer token-2',
      'Bearer token-3',
    ]);
    await getRequester(session).close();
  });

  it('fails the request without publishing when the provider fails or returns a bad token', async () => {
    const session = new TlsFakeSession();
    const failing = new MqttTransport({
      session,
      agent,
      authorization: async () => {
        throw new Error('idp unreachable');
      },
    });
    await expect(failing.getTask({ tenant: '', id: 't1' })).rejects.toThrow('idp unreachable');
    const bad = new MqttTransport({ session, agent, authorization: () => 'has space' });
    const error = await bad.getTask({ tenant: '', id: 't1' }).catch((e: unknown) => e);
    expect(isA2AMqttError(error, 'INVALID_OPTIONS')).toBe(true);
    expect((error as Error).message).not.toContain('has space');
    expect(session.published).toHaveLength(0);
    await getRequester(session).close();
  });

  it('refuses to attach a token on a non-TLS session (INVALID_OPTIONS, token not echoed)', async () => {
    for (const session of [new PlainFakeSession(), new FakeSession()]) {
      expectInvalidOptions(
        () => new MqttTransport({ session, agent, authorization: TOKEN }),
        TOKEN,
      );
      expectInvalidOptions(
        () => new MqttTransport({ session, agent, authorization: () => TOKEN }),
        TOKEN,
      );
      // Nor smuggled in as a plain user property.
      expectInvalidOptions(
        () =>
          new MqttTransport({
            session,
            agent,
            userProperties: { 'A2A-Authorization': `Bearer ${TOKEN}` },
          }),
        TOKEN,
      );
      expectInvalidOptions(
        () => new MqttTransportFactory({ session, authorization: TOKEN }),
        TOKEN,
      );
      expect(session.published).toHaveLength(0);
      await getRequester(session).close();
    }
  });

  it('sends over a non-TLS session only with allowInsecureBearer (tests only)', async () => {
    const session = new PlainFakeSession();
    const transport = new MqttTransport({
      session,
      agent,
      authorization: TOKEN,
      allowInsecureBearer: true,
    });
    const pending = transport.getTask({ tenant: '', id: 't1' });
    await flush();
    expect(session.published[0]!.properties.userProperties['a2a-authorization']).toBe(
      `Bearer ${TOKEN}`,
    );
    session.result(0, task);
    await pending;
    await getRequester(session).close();
  });

  it('rejects malformed token options', async () => {
    const session = new TlsFakeSession();
    for (const authorization of ['', `Bearer ${TOKEN}`, 'a b', 'tok\n'] as const) {
      expectInvalidOptions(() => new MqttTransport({ session, agent, authorization }), 'tok\n');
    }
    expectInvalidOptions(
      () =>
        new MqttTransport({
          session,
          agent,
          authorization: TOKEN,
          userProperties: { 'a2a-authorization': `Bearer ${TOKEN}` },
        }),
      TOKEN,
    );
    await getRequester(session).close();
  });

  it('tells TLS sessions apart', () => {
    expect(isTlsSession({ endpoint: { protocol: 'mqtts' } })).toBe(true);
    expect(isTlsSession({ endpoint: { protocol: 'wss' } })).toBe(true);
    expect(isTlsSession({ endpoint: { protocol: 'ws' } })).toBe(false);
    expect(isTlsSession({})).toBe(false);
    expect(() => assertBearerTransport('wss', undefined)).not.toThrow();
    expect(() => assertBearerTransport('ws', false)).toThrow(/only sent over TLS/);
    expect(() => assertBearerTransport(undefined, true)).not.toThrow();
  });
});
