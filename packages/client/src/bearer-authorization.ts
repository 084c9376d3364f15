/**
 * Per-request OAuth 2.0 / OIDC bearer tokens on the requester side (profile section "OAuth
 * 2.0 and OIDC over MQTT User Properties"): every request carries
 * `a2a-authorization: Bearer <token>`, only over a TLS session, with the token read from a
 * string or from a provider called per request (so a refreshed token is used). The token never
 * appears in errors or logs.
 */
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  USER_PROPERTY,
  type UserProperties,
} from '@a2a-mqtt/protocol';

/**
 * Returns the current access token (without the `Bearer ` prefix). Called once per request,
 * right before it is published: return a cached token and refresh it before it expires (the
 * profile: refresh expired tokens before retrying). Transparent re-publications of the same
 * request (no first reply, fresh Correlation Data) reuse the token of that request, so return
 * one that stays valid for at least the request's retry window. When the provider throws, the
 * request fails with that error and nothing is published.
 */
export type BearerTokenProvider = () => string | Promise<string>;

/** The bearer options shared by `MqttTransport`, `MqttTransportFactory` and `createA2AMqttClient`. */
export interface BearerAuthorizationOptions {
  /**
   * OAuth 2.0 / OIDC access token sent on every request as
   * `a2a-authorization: Bearer <token>`: a fixed token or a {@link BearerTokenProvider}. Only
   * allowed on a TLS session (`mqtts://` or `wss://`) unless `allowInsecureBearer` is set.
   * @default undefined (no token)
   */
  authorization?: string | BearerTokenProvider;
  /**
   * Lets a bearer token travel on a session that is not TLS. The profile requires TLS for
   * requests carrying bearer tokens: **for tests only**.
   * @default false
   */
  allowInsecureBearer?: boolean;
}

/** The part of a session used to tell whether it runs over TLS (an `MqttSession` has it). */
interface SessionWithEndpoint {
  readonly endpoint?: { readonly protocol?: string } | undefined;
}

/** RFC 6750 `b64token`: the characters a bearer token may contain. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Whether a session runs over TLS: its broker endpoint (`MqttSession.endpoint`) uses
 * `mqtts` or `wss`. A session whose endpoint is unknown counts as not secure.
 */
export function isTlsSession(session: unknown): boolean {
  const protocol = (session as SessionWithEndpoint | undefined)?.endpoint?.protocol;
  return protocol === 'mqtts' || protocol === 'wss';
}

/**
 * Throws `INVALID_OPTIONS` when a bearer token would travel over a non-TLS broker
 * connection without `allowInsecureBearer`. `protocol` is the broker URL scheme.
 */
export function assertBearerTransport(
  protocol: string | undefined,
  allowInsecureBearer: boolean | undefined,
): void {
  if (allowInsecureBearer === true) return;
  if (protocol === 'mqtts' || protocol === 'wss') return;
  throw new A2AMqttError({
    code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS,
    message: `A bearer token (a2a-authorization) is only sent over TLS (mqtts:// or wss://), but the session uses ${protocol === undefined ? 'an unknown protocol' : `${protocol}://`}; set allowInsecureBearer: true for tests only`,
    details: { protocol },
  });
}

/**
 * @internal The bearer credentials of one transport: checked once at construction (TLS,
 * option shape), then {@link BearerCredentials.apply} adds `a2a-authorization` per request.
 */
export class BearerCredentials {
  // An ES private field: `util.inspect` and `JSON.stringify` of a transport never show it.
  readonly #source: string | BearerTokenProvider;

  private constructor(source: string | BearerTokenProvider) {
    this.#source = source;
  }

  /**
   * The credentials of `options` for `session`, or `undefined` without `authorization`.
   * Also refuses an `a2a-authorization` smuggled in through static user properties on a
   * non-TLS session, and both forms at once.
   */
  static from(
    options: BearerAuthorizationOptions & { userProperties?: Record<string, string> },
    session: unknown,
  ): BearerCredentials | undefined {
    const staticAuthorization =
      options.userProperties !== undefined &&
      Object.keys(options.userProperties).some(
        (key) => key.toLowerCase() === USER_PROPERTY.AUTHORIZATION,
      );
    const authorization = options.authorization;
    if (authorization === undefined) {
      if (staticAuthorization) {
        assertBearerTransport(protocolOf(session), options.allowInsecureBearer);
      }
      return undefined;
    }
    if (staticAuthorization) {
      throw invalid(
        'Give the token as `authorization`, not also as an a2a-authorization user property',
      );
    }
    if (typeof authorization === 'string') {
      checkToken(authorization);
    } else if (typeof authorization !== 'function') {
      throw invalid('authorization must be a token string or a function returning one');
    }
    assertBearerTransport(protocolOf(session), options.allowInsecureBearer);
    return new BearerCredentials(authorization);
  }

  /** The `a2a-authorization` value for the next request (calls the provider). */
  async header(): Promise<string> {
    const source = this.#source;
    const token = typeof source === 'string' ? source : await source();
    checkToken(token);
    return `Bearer ${token}`;
  }

  /** A copy of `userProperties` with `a2a-authorization` for the next request. */
  async apply(userProperties: UserProperties): Promise<UserProperties> {
    return { ...userProperties, [USER_PROPERTY.AUTHORIZATION]: await this.header() };
  }

  /** Never prints the token. */
  toJSON(): string {
    return '[BearerCredentials]';
  }
}

function protocolOf(session: unknown): string | undefined {
  return (session as SessionWithEndpoint | undefined)?.endpoint?.protocol;
}

function checkToken(token: unknown): void {
  if (typeof token !== 'string' || token.length === 0) {
    throw invalid('The bearer token is empty or not a string');
  }
  if (/^bearer\s/i.test(token)) {
    throw invalid('Give the bearer token without the "Bearer " prefix');
  }
  if (!B64TOKEN.test(token)) {
    throw invalid('The bearer token has characters outside RFC 6750 b64token');
  }
}

function invalid(message: string): A2AMqttError {
  // Never include the token in the message or details.
  return new A2AMqttError({ code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS, message });
}
