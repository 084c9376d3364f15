/**
 * Per-request OAuth 2.0 / OIDC bearer tokens (profile section "OAuth 2.0 and OIDC over MQTT
 * User Properties"): an {@link AuthenticateHook} that validates the JWT access token of
 * `a2a-authorization: Bearer <token>` with `jose` (signature, `exp`, `nbf`, `iss`, `aud`,
 * scopes) before the request reaches the request handler.
 *
 * The token itself never leaves this module: it is not logged, not put in errors, replies or
 * the call context; the returned {@link BearerUser} carries the verified claims only.
 */
import type { KeyObject } from 'node:crypto';
import { JsonRpcTransportError } from '@a2a-js/sdk/errors';
import type { User } from '@a2a-js/sdk/server';
import { type Logger, NOOP_LOGGER } from '@a2a-mqtt/connection';
import { A2A_MQTT_ERROR_CODE, A2AMqttError, JSON_RPC_ERROR_CODE } from '@a2a-mqtt/protocol';
import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  errors as joseErrors,
  jwtVerify,
  type RemoteJWKSetOptions,
} from 'jose';
import type { AuthenticateHook, AuthenticationContext } from './call-context.js';

/** Clock skew accepted on `exp` and `nbf`, in seconds. */
export const DEFAULT_BEARER_CLOCK_TOLERANCE_SECONDS = 5;

/** Longest bearer token accepted (UTF-8 bytes); longer ones are refused before parsing. */
export const DEFAULT_MAX_BEARER_TOKEN_BYTES = 16_384;

/**
 * Signature algorithms accepted by default: asymmetric ones only, so a public key can never be
 * used as an HMAC secret. A shared-secret `key` (`Uint8Array`, `oct` JWK, ...) defaults to
 * {@link DEFAULT_BEARER_HMAC_ALGORITHMS} instead.
 */
export const DEFAULT_BEARER_ALGORITHMS: readonly string[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** Signature algorithms accepted by default with a shared secret `key` (`Uint8Array`). */
export const DEFAULT_BEARER_HMAC_ALGORITHMS: readonly string[] = Object.freeze([
  'HS256',
  'HS384',
  'HS512',
]);

/**
 * Why a bearer token was refused (`BearerAuthenticationError.failure`):
 * - `missing`: the request has no `a2a-authorization`;
 * - `malformed`: not a compact JWT (or too long);
 * - `invalid`: bad signature, unknown key, disallowed algorithm, wrong `iss` / `aud` / `typ`,
 *   `nbf` in the future, a required claim missing;
 * - `expired`: `exp` has passed (refresh the token and send the request again);
 * - `insufficient_scope`: valid token without a required scope;
 * - `unavailable`: the token could not be checked (e.g. the JWKS endpoint is unreachable).
 */
export const BEARER_AUTH_FAILURE = {
  MISSING: 'missing',
  MALFORMED: 'malformed',
  INVALID: 'invalid',
  EXPIRED: 'expired',
  INSUFFICIENT_SCOPE: 'insufficient_scope',
  UNAVAILABLE: 'unavailable',
} as const;

/** A value of {@link BEARER_AUTH_FAILURE}. */
export type BearerAuthFailure = (typeof BEARER_AUTH_FAILURE)[keyof typeof BEARER_AUTH_FAILURE];

const FAILURE_MESSAGES: Record<BearerAuthFailure, string> = {
  missing: 'Unauthenticated: a bearer token is required (a2a-authorization: Bearer <token>).',
  malformed: 'Unauthenticated: the bearer token is not a well-formed JWT.',
  invalid: 'Unauthenticated: the bearer token is invalid.',
  expired: 'Unauthenticated: the bearer token has expired.',
  insufficient_scope: 'Insufficient scope: the bearer token lacks a required scope.',
  unavailable: 'Internal error: bearer tokens cannot be verified right now.',
};

/**
 * The error a {@link createBearerAuthenticator} hook throws. It is an @a2a-js/sdk `A2AError`,
 * so the server answers the request with its JSON-RPC `code` and `message` only:
 * `-32600` "Unauthenticated: ..." or "Insufficient scope: ...", or `-32603` when the token
 * could not be checked. The message never contains the token.
 */
export class BearerAuthenticationError extends JsonRpcTransportError {
  /** Why the token was refused. */
  readonly failure: BearerAuthFailure;

  constructor(failure: BearerAuthFailure, message: string = FAILURE_MESSAGES[failure]) {
    super({
      jsonrpc: '2.0',
      id: null,
      error: {
        code:
          failure === 'unavailable'
            ? JSON_RPC_ERROR_CODE.INTERNAL_ERROR
            : JSON_RPC_ERROR_CODE.INVALID_REQUEST,
        message,
      },
    });
    this.failure = failure;
  }
}

/**
 * The @a2a-js/sdk `User` of a request whose bearer token was verified (`context.user` in the
 * request handler and executor). It holds the verified claims, never the token.
 */
export class BearerUser implements User {
  /** The verified JWT claims set. */
  readonly claims: Readonly<JWTPayload>;
  /** The token's scopes (`scope` and `scp` claims, deduplicated). */
  readonly scopes: readonly string[];
  readonly #userName: string;

  constructor(userName: string, claims: JWTPayload, scopes: readonly string[]) {
    this.#userName = userName;
    this.claims = Object.freeze({ ...claims });
    this.scopes = Object.freeze([...scopes]);
  }

  /** Always `true`. */
  get isAuthenticated(): boolean {
    return true;
  }

  /** The value of the user-name claim (`sub` by default). */
  get userName(): string {
    return this.#userName;
  }

  /** Whether the token grants `scope`. */
  hasScope(scope: string): boolean {
    return this.scopes.includes(scope);
  }
}

/** Options of {@link createBearerAuthenticator}. Give exactly one of `jwks` or `key`. */
export interface BearerAuthenticatorOptions {
  /** Accepted `iss` value(s): the authorization server's issuer identifier. */
  issuer: string | readonly string[];
  /** Accepted `aud` value(s): the identifier of this agent as a resource server. */
  audience: string | readonly string[];
  /**
   * The verification keys: a JWKS URL (`https://`, or `http://` on a loopback host only;
   * fetched and cached with `createRemoteJWKSet`), a JSON Web Key Set object (used with
   * `createLocalJWKSet`), or a `jose` key-resolver function.
   */
  jwks?: string | URL | JSONWebKeySet | JWTVerifyGetKey;
  /** One verification key (public key, JWK, or a shared secret as `Uint8Array`). */
  key?: CryptoKey | KeyObject | JWK | Uint8Array;
  /** Options of `createRemoteJWKSet` when `jwks` is a URL (timeouts, cache). @default {} */
  jwksOptions?: RemoteJWKSetOptions;
  /**
   * Scopes every request must carry (all of them), or a function choosing them per request
   * (for example by `context.method`). Scopes are read from the `scope` claim
   * (space-separated) and the `scp` claim (array or space-separated).
   * @default [] (no scope required)
   */
  requiredScopes?: readonly string[] | ((context: AuthenticationContext) => readonly string[]);
  /**
   * Accepted clock skew on `exp` and `nbf`, in seconds.
   * @default DEFAULT_BEARER_CLOCK_TOLERANCE_SECONDS (5)
   */
  clockToleranceSeconds?: number;
  /**
   * Accepted `alg` values.
   * @default DEFAULT_BEARER_ALGORITHMS (asymmetric only), or DEFAULT_BEARER_HMAC_ALGORITHMS
   * when `key` is a shared secret (`Uint8Array`, `oct` JWK, secret `KeyObject` / `CryptoKey`)
   */
  algorithms?: readonly string[];
  /** Required `typ` header (e.g. `at+jwt` for RFC 9068 access tokens). @default not checked */
  typ?: string;
  /** The claim that becomes `User.userName`. @default 'sub' */
  userNameClaim?: string;
  /**
   * Longest token accepted, in UTF-8 bytes.
   * @default DEFAULT_MAX_BEARER_TOKEN_BYTES (16 384)
   */
  maxTokenBytes?: number;
  /** Logger (refusals at debug, verification outages at warn; never the token). @default NOOP_LOGGER */
  logger?: Logger;
}

/**
 * Creates the `authenticate` hook of `createA2AMqttServer` / `createMultiAgentHost` that
 * requires a valid OAuth 2.0 / OIDC JWT access token on every request, as the profile's
 * `a2a-authorization: Bearer <token>` user property. `exp` is required; `exp`, `nbf`, `iss`,
 * `aud`, the signature and the required scopes are checked before the request handler runs.
 * A refused request gets a JSON-RPC error reply (`-32600` "Unauthenticated: ..." or
 * "Insufficient scope: ...") that never echoes the token. The returned user is a
 * {@link BearerUser}.
 *
 * Bearer tokens must travel over TLS (the profile's rule): serve on an `mqtts://` / `wss://`
 * broker listener; the client refuses to attach a token on a non-TLS session.
 *
 * @throws A2AMqttError `INVALID_OPTIONS` when the options are inconsistent.
 *
 * @example
 * ```ts
 * const server = await createA2AMqttServer({
 *   session: { url: 'mqtts://broker.example.com:8883' },
 *   agent: { org: 'acme', unit: 'eng', agent: 'code-generator-agent' },
 *   requestHandler,
 *   authenticate: createBearerAuthenticator({
 *     issuer: 'https://login.example.com/',
 *     audience: 'https://agents.example.com/code-generator-agent',
 *     jwks: 'https://login.example.com/.well-known/jwks.json',
 *     requiredScopes: ['agents:invoke'],
 *   }),
 * });
 * ```
 */
export function createBearerAuthenticator(options: BearerAuthenticatorOptions): AuthenticateHook {
  const issuers = nonEmptyList(options.issuer, 'issuer');
  const audiences = nonEmptyList(options.audience, 'audience');
  if ((options.jwks === undefined) === (options.key === undefined)) {
    throw invalidOptions('createBearerAuthenticator needs exactly one of jwks or key');
  }
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_BEARER_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw invalidOptions('clockToleranceSeconds must be a finite number >= 0');
  }
  const maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_BEARER_TOKEN_BYTES;
  if (!Number.isInteger(maxTokenBytes) || maxTokenBytes <= 0) {
    throw invalidOptions('maxTokenBytes must be a positive integer');
  }
  const userNameClaim = options.userNameClaim ?? 'sub';
  const algorithms = [
    ...(options.algorithms ??
      (isSecretKey(options.key) ? DEFAULT_BEARER_HMAC_ALGORITHMS : DEFAULT_BEARER_ALGORITHMS)),
  ];
  if (algorithms.length === 0 || algorithms.some((alg) => alg.toLowerCase() === 'none')) {
    throw invalidOptions('algorithms must list at least one signature algorithm and not "none"');
  }
  const requiredScopes = options.requiredScopes ?? [];
  const logger = options.logger ?? NOOP_LOGGER;
  const verifyOptions: JWTVerifyOptions = {
    issuer: issuers,
    audience: audiences,
    algorithms,
    clockTolerance,
    requiredClaims: ['exp', 'iss', 'aud'],
    ...(options.typ === undefined ? {} : { typ: options.typ }),
  };
  const verify = verifierFor(options);

  return async (context: AuthenticationContext): Promise<User> => {
    const token = context.bearerToken;
    if (token === undefined || token.length === 0) throw refuse('missing', context, logger);
    if (Buffer.byteLength(token, 'utf8') > maxTokenBytes || token.split('.').length !== 3) {
      throw refuse('malformed', context, logger);
    }
    let payload: JWTPayload;
    try {
      payload = (await verify(token, verifyOptions)).payload;
    } catch (error) {
      throw refuse(failureOf(error), context, logger, error);
    }
    const userName = payload[userNameClaim];
    if (typeof userName !== 'string' || userName.length === 0) {
      throw refuse('invalid', context, logger, undefined, `missing ${userNameClaim} claim`);
    }
    const scopes = scopesOf(payload);
    const required =
      typeof requiredScopes === 'function' ? requiredScopes(context) : requiredScopes;
    const missing = required.filter((scope) => !scopes.includes(scope));
    if (missing.length > 0) {
      const error = new BearerAuthenticationError(
        'insufficient_scope',
        `Insufficient scope: ${context.method} requires ${missing.map((scope) => `'${scope}'`).join(', ')}.`,
      );
      logger.debug(
        { agent: context.agent, method: context.method, failure: error.failure, missing },
        'a2a-mqtt bearer token refused',
      );
      throw error;
    }
    return new BearerUser(userName, payload, scopes);
  };
}

/** The scopes of a claims set: `scope` (space-separated or array) and `scp`, deduplicated. */
export function scopesOf(claims: JWTPayload): string[] {
  const scopes = new Set<string>();
  for (const value of [claims.scope, claims.scp]) {
    const list = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const scope of list) {
      if (typeof scope === 'string' && scope.length > 0) scopes.add(scope);
    }
  }
  return [...scopes];
}

type Verify = (token: string, options: JWTVerifyOptions) => Promise<{ payload: JWTPayload }>;

function verifierFor(options: BearerAuthenticatorOptions): Verify {
  const jwks = options.jwks;
  if (jwks !== undefined) {
    let getKey: JWTVerifyGetKey;
    if (typeof jwks === 'function') {
      getKey = jwks;
    } else if (typeof jwks === 'string' || jwks instanceof URL) {
      getKey = createRemoteJWKSet(jwksUrl(jwks), options.jwksOptions);
    } else if (typeof jwks === 'object' && jwks !== null && Array.isArray(jwks.keys)) {
      getKey = createLocalJWKSet(jwks);
    } else {
      throw invalidOptions(
        'jwks must be a URL, a JSON Web Key Set ({ keys: [...] }) or a function',
      );
    }
    return (token, verifyOptions) => jwtVerify(token, getKey, verifyOptions);
  }
  const key = options.key!;
  if (isJwk(key)) {
    if ('d' in key) {
      throw invalidOptions('key must be a public JWK (it has a private "d" member)');
    }
    const getKey = createLocalJWKSet({ keys: [key] });
    return (token, verifyOptions) => jwtVerify(token, getKey, verifyOptions);
  }
  return (token, verifyOptions) => jwtVerify(token, key, verifyOptions);
}

function jwksUrl(value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOptions('jwks is not a valid URL');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw invalidOptions('a jwks URL must use https:// (http:// only on a loopback host)');
  }
  return url;
}

function isJwk(key: unknown): key is JWK {
  return (
    typeof key === 'object' &&
    key !== null &&
    !(key instanceof Uint8Array) &&
    typeof (key as { kty?: unknown }).kty === 'string'
  );
}

/** Whether a `key` is a shared secret (HMAC), whatever its representation. */
function isSecretKey(key: BearerAuthenticatorOptions['key']): boolean {
  if (key === undefined) return false;
  if (key instanceof Uint8Array) return true;
  if (isJwk(key)) return key.kty === 'oct';
  const { type } = key as { type?: unknown };
  return type === 'secret';
}

function failureOf(error: unknown): BearerAuthFailure {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
    return 'malformed';
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return 'unavailable';
  }
  if (error instanceof joseErrors.JOSEError) return 'invalid';
  // Not a verdict on the token (fetching the JWKS failed, ...).
  return 'unavailable';
}

function refuse(
  failure: BearerAuthFailure,
  context: AuthenticationContext,
  logger: Logger,
  cause?: unknown,
  detail?: string,
): BearerAuthenticationError {
  const fields: Record<string, unknown> = {
    agent: context.agent,
    method: context.method,
    failure,
  };
  // jose codes and claim names only: never the token nor a message that could quote it.
  if (cause instanceof joseErrors.JOSEError) fields.code = cause.code;
  if (cause instanceof joseErrors.JWTClaimValidationFailed) fields.claim = cause.claim;
  if (detail !== undefined) fields.detail = detail;
  if (failure === 'unavailable') {
    fields.errorName = cause instanceof Error ? cause.name : typeof cause;
    logger.warn(fields, 'a2a-mqtt bearer token could not be verified');
  } else {
    logger.debug(fields, 'a2a-mqtt bearer token refused');
  }
  return new BearerAuthenticationError(failure);
}

function nonEmptyList(value: string | readonly string[], name: string): string[] {
  const list = typeof value === 'string' ? [value] : [...(value ?? [])];
  if (list.length === 0 || list.some((item) => typeof item !== 'string' || item.length === 0)) {
    throw invalidOptions(`${name} must be a non-empty string or a non-empty list of them`);
  }
  return list;
}

function invalidOptions(message: string): A2AMqttError {
  return new A2AMqttError({ code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS, message });
}
