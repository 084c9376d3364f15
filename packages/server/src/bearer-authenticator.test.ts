import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JsonRpcTransportHandler } from '@a2a-js/sdk/server';
import type { Logger } from '@a2a-mqtt/connection';
import { isA2AMqttError } from '@a2a-mqtt/protocol';
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  generateSecret,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BearerAuthenticationError,
  type BearerAuthenticatorOptions,
  BearerUser,
  createBearerAuthenticator,
  scopesOf,
} from './bearer-authenticator.js';
import type { AuthenticationContext } from './call-context.js';

const ISSUER = 'https://idp.test/';
const AUDIENCE = 'https://agents.test/coder';
const AGENT = { org: 'acme', unit: 'eng', agent: 'coder' };

let signingKey: CryptoKey;
let publicJwk: JWK;
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  otherKey = (await generateKeyPair('ES256')).privateKey;
});

interface TokenOptions {
  key?: CryptoKey | Uint8Array;
  alg?: string;
  kid?: string;
  issuer?: string;
  audience?: string;
  subject?: string | null;
  expiresIn?: number | null;
  notBefore?: number;
  claims?: JWTPayload;
}

async function token(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: 'agents:invoke agents:read', ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? 'k1' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now);
  if (options.subject !== null) jwt.setSubject(options.subject ?? 'user-42');
  if (options.expiresIn !== null) jwt.setExpirationTime(now + (options.expiresIn ?? 300));
  if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
  return jwt.sign(options.key ?? signingKey);
}

function context(bearerToken: string | undefined, method = 'SendMessage'): AuthenticationContext {
  return {
    bearerToken,
    agent: AGENT,
    method,
    topic: '$a2a/v1/request/acme/eng/coder',
    userProperties: {},
  };
}

function authenticator(overrides: Partial<BearerAuthenticatorOptions> = {}) {
  return createBearerAuthenticator({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [publicJwk] },
    requiredScopes: ['agents:invoke'],
    ...overrides,
  });
}

async function refusal(outcome: unknown): Promise<BearerAuthenticationError> {
  const error = await Promise.resolve(outcome).then(
    () => {
      throw new Error('expected the token to be refused');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(BearerAuthenticationError);
  return error as BearerAuthenticationError;
}

/** The JSON-RPC error the server publishes for a hook failure (agent-endpoint uses this mapping). */
function replyErrorOf(error: unknown) {
  return JsonRpcTransportHandler.mapToJSONRPCError(error as Error);
}

describe('createBearerAuthenticator', () => {
  it('accepts a valid token and returns a BearerUser with the verified claims', async () => {
    const user = await authenticator()(context(await token({ claims: { tenant: 't1' } })));
    expect(user).toBeInstanceOf(BearerUser);
    expect(user.isAuthenticated).toBe(true);
    expect(user.userName).toBe('user-42');
    const bearer = user as BearerUser;
    expect(bearer.claims.iss).toBe(ISSUER);
    expect(bearer.claims.tenant).toBe('t1');
    expect(bearer.scopes).toEqual(['agents:invoke', 'agents:read']);
    expect(bearer.hasScope('agents:read')).toBe(true);
    expect(bearer.hasScope('admin')).toBe(false);
  });

  it('refuses an expired token with "expired" and a -32600 reply that does not echo it', async () => {
    const expired = await token({ expiresIn: -60 });
    const error = await refusal(authenticator()(context(expired)));
    expect(error.failure).toBe('expired');
    const reply = replyErrorOf(error);
    expect(reply).toEqual({
      code: -32600,
      message: 'Unauthenticated: the bearer token has expired.',
    });
    expect(JSON.stringify(reply)).not.toContain(expired);
    expect(JSON.stringify(error)).not.toContain(expired);
  });

  it('accepts a token expired within the clock tolerance only', async () => {
    const recent = await token({ expiresIn: -3 });
    await expect(authenticator()(context(recent))).resolves.toBeInstanceOf(BearerUser);
    const strict = authenticator({ clockToleranceSeconds: 0 });
    expect((await refusal(strict(context(recent)))).failure).toBe('expired');
  });

  it('refuses a wrong issuer', async () => {
    const error = await refusal(
      authenticator()(context(await token({ issuer: 'https://evil.test/' }))),
    );
    expect(error.failure).toBe('invalid');
    expect(replyErrorOf(error)).toEqual({
      code: -32600,
      message: 'Unauthenticated: the bearer token is invalid.',
    });
  });

  it('refuses a wrong audience', async () => {
    const error = await refusal(
      authenticator()(context(await token({ audience: 'https://agents.test/other' }))),
    );
    expect(error.failure).toBe('invalid');
  });

  it('refuses a token without exp, without sub, or not yet valid (nbf)', async () => {
    const hook = authenticator();
    expect((await refusal(hook(context(await token({ expiresIn: null }))))).failure).toBe(
      'invalid',
    );
    expect((await refusal(hook(context(await token({ subject: null }))))).failure).toBe('invalid');
    expect((await refusal(hook(context(await token({ notBefore: 120 }))))).failure).toBe('invalid');
  });

  it('refuses a token lacking a required scope with "Insufficient scope"', async () => {
    const hook = authenticator({ requiredScopes: ['agents:invoke', 'agents:admin'] });
    const limited = await token();
    const error = await refusal(hook(context(limited)));
    expect(error.failure).toBe('insufficient_scope');
    const reply = replyErrorOf(error);
    expect(reply.code).toBe(-32600);
    expect(reply.message).toBe("Insufficient scope: SendMessage requires 'agents:admin'.");
    expect(reply.message).not.toContain(limited);
  });

  it('reads scopes from scp arrays and chooses required scopes per method', async () => {
    const hook = authenticator({
      requiredScopes: (ctx) => (ctx.method === 'GetTask' ? ['tasks:read'] : ['agents:invoke']),
    });
    const readOnly = await token({ claims: { scope: undefined, scp: ['tasks:read'] } });
    await expect(hook(context(readOnly, 'GetTask'))).resolves.toBeInstanceOf(BearerUser);
    expect((await refusal(hook(context(readOnly, 'SendMessage')))).failure).toBe(
      'insufficient_scope',
    );
    expect(scopesOf({ scope: 'a b  a', scp: ['c', 7, 'b'] })).toEqual(['a', 'b', 'c']);
  });

  it('refuses a bad signature (a key outside the key set)', async () => {
    const error = await refusal(authenticator()(context(await token({ key: otherKey }))));
    expect(error.failure).toBe('invalid');
    const forged = await refusal(
      authenticator()(context(await token({ key: otherKey, kid: 'unknown' }))),
    );
    expect(forged.failure).toBe('invalid');
  });

  it('refuses an HMAC token against an asymmetric key set (no algorithm confusion)', async () => {
    const secret = await generateSecret('HS256');
    const error = await refusal(
      authenticator()(context(await token({ key: secret, alg: 'HS256' }))),
    );
    expect(error.failure).toBe('invalid');
  });

  it('refuses malformed and missing tokens', async () => {
    const hook = authenticator();
    expect((await refusal(hook(context(undefined)))).failure).toBe('missing');
    expect(replyErrorOf(await refusal(hook(context(undefined)))).message).toMatch(
      /^Unauthenticated: a bearer token is required/,
    );
    expect((await refusal(hook(context('not-a-jwt')))).failure).toBe('malformed');
    expect((await refusal(hook(context('a.b.c')))).failure).toBe('malformed');
    const huge = `${'a'.repeat(20_000)}.b.c`;
    expect((await refusal(hook(context(huge)))).failure).toBe('malformed');
  });

  it('verifies with a single key, including a shared secret (HS256 by default)', async () => {
    const pair = await generateKeyPair('RS256');
    const rsaToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('svc')
      .setExpirationTime('5m')
      .sign(pair.privateKey);
    const withKey = authenticator({ jwks: undefined, key: pair.publicKey, requiredScopes: [] });
    expect((await withKey(context(rsaToken))).userName).toBe('svc');

    const secret = await generateSecret('HS256', { extractable: true });
    const hmac = authenticator({ jwks: undefined, key: secret, requiredScopes: [] });
    await expect(hmac(context(await token({ key: secret, alg: 'HS256' })))).resolves.toBeInstanceOf(
      BearerUser,
    );
    // An ES256 token is refused by the HMAC-only default algorithm list.
    expect((await refusal(hmac(context(await token())))).failure).toBe('invalid');
  });

  it('fetches a remote JWKS, and answers -32603 when it cannot be fetched', async () => {
    let fetched = 0;
    const server: Server = createServer((_request, response) => {
      fetched += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const remote = authenticator({ jwks: `http://127.0.0.1:${port}/jwks.json` });
      expect((await remote(context(await token()))).userName).toBe('user-42');
      expect(fetched).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const unreachable = authenticator({
      jwks: `http://127.0.0.1:${port}/jwks.json`,
      jwksOptions: { timeoutDuration: 2_000 },
    });
    const error = await refusal(unreachable(context(await token())));
    expect(error.failure).toBe('unavailable');
    expect(replyErrorOf(error).code).toBe(-32603);
  });

  it('never logs the token', async () => {
    const lines: unknown[] = [];
    const record = (obj: object | string, msg?: string) => {
      lines.push(obj, msg);
    };
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    const hook = authenticator({ logger, requiredScopes: ['agents:admin'] });
    const tokens = [
      await token({ expiresIn: -60 }),
      await token({ issuer: 'https://evil.test/' }),
      await token({ key: otherKey }),
      await token(),
    ];
    for (const value of tokens) await refusal(hook(context(value)));
    expect(lines.length).toBeGreaterThan(0);
    const logged = JSON.stringify(lines);
    for (const value of tokens) {
      expect(logged).not.toContain(value);
      expect(logged).not.toContain(value.split('.')[2]);
    }
    expect(logged).toContain('ERR_JWT_EXPIRED');
  });

  it('rejects inconsistent options with INVALID_OPTIONS', () => {
    const base = { issuer: ISSUER, audience: AUDIENCE };
    const cases: BearerAuthenticatorOptions[] = [
      { ...base },
      { ...base, jwks: { keys: [publicJwk] }, key: publicJwk },
      { ...base, jwks: 'http://idp.example.com/jwks.json' },
      { ...base, jwks: 'not a url' },
      { ...base, issuer: '', jwks: { keys: [publicJwk] } },
      { ...base, audience: [], jwks: { keys: [publicJwk] } },
      { ...base, jwks: { keys: [publicJwk] }, algorithms: ['none'] },
      { ...base, jwks: { keys: [publicJwk] }, clockToleranceSeconds: -1 },
      { ...base, key: { ...publicJwk, d: 'private' } },
    ];
    for (const options of cases) {
      expect(() => createBearerAuthenticator(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      );
      try {
        createBearerAuthenticator(options);
      } catch (error) {
        expect(isA2AMqttError(error, 'INVALID_OPTIONS')).toBe(true);
      }
    }
  });
});
