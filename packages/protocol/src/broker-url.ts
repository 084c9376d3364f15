/**
 * Broker URLs: `mqtt|mqtts|ws|wss://[user[:password]@]host[:port][/org[/unit]]`, the same
 * grammar for the four schemes. A `ws`/`wss` URL names its WebSocket path (default `/mqtt`) in a
 * `?path=` query, because the URL path is the namespace.
 *
 * A password is held in a {@link Secret} and never appears in any string form of an endpoint
 * or in an error message.
 */
import { A2AMqttError } from './errors.js';
import { describeValue, type IdentifierKind, isValidIdentifier } from './identifiers.js';

const REDACTED = '[REDACTED]';

/**
 * A secret string (a password or a token). Every string form prints `[REDACTED]`:
 * `String(secret)`, template literals, `JSON.stringify` and `util.inspect` / `console.log`.
 * Call {@link Secret.reveal} where the value is really needed.
 *
 * @example
 * ```ts
 * const password = new Secret('s3cret');
 * `${password}`;      // '[REDACTED]'
 * password.reveal();  // 's3cret'
 * ```
 */
export class Secret {
  readonly #value: string;

  /**
   * Wraps `value` (converted with `String()`); only {@link Secret.reveal} returns it.
   *
   * @param value - The secret text, e.g. a password or a bearer token.
   */
  constructor(value: string) {
    this.#value = String(value);
  }

  /** The secret value. */
  reveal(): string {
    return this.#value;
  }

  /** Always `'[REDACTED]'`. */
  toString(): string {
    return REDACTED;
  }

  /** Always `'[REDACTED]'`, so `JSON.stringify` never leaks the value. */
  toJSON(): string {
    return REDACTED;
  }

  /** `util.inspect` (and so `console.log`) prints `[REDACTED]`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}

/** The URL schemes of a broker. */
export type BrokerProtocol = 'mqtt' | 'mqtts' | 'ws' | 'wss';

/** Default port of each scheme. */
export const DEFAULT_BROKER_PORT: Readonly<Record<BrokerProtocol, number>> = Object.freeze({
  mqtt: 1883,
  mqtts: 8883,
  ws: 80,
  wss: 443,
});

/**
 * Default WebSocket path of `ws`/`wss` endpoints; a broker URL overrides it with `?path=`
 * (e.g. `ws://broker:8083/acme?path=/custom`).
 */
export const DEFAULT_WEBSOCKET_PATH = '/mqtt';

/** A parsed broker URL: connection fields plus an optional `{org}/{unit}` namespace. */
export interface BrokerEndpoint {
  /** The scheme. */
  protocol: BrokerProtocol;
  /** Host name or IP address; IPv6 addresses without brackets (e.g. `::1`). */
  host: string;
  /** TCP port; the scheme's default port when the URL has none. */
  port: number;
  /**
   * WebSocket path for `ws`/`wss`: the URL's `?path=` query, default `/mqtt`
   * ({@link DEFAULT_WEBSOCKET_PATH}); absent for `mqtt`/`mqtts`.
   */
  path?: string;
  /** Percent-decoded user name. */
  username?: string;
  /** Percent-decoded password. */
  password?: Secret;
  /** Default org of the namespace. */
  org?: string;
  /** Default unit of the namespace (only with `org`). */
  unit?: string;
  /** The URL without credentials. */
  toString(): string;
}

/** Options of {@link formatBrokerUrl}. */
export interface FormatBrokerUrlOptions {
  /**
   * Include `user:password@` (percent-encoded, password revealed). Only for handing the URL to
   * a library that needs it; never log the result.
   * @default false
   */
  includeCredentials?: boolean;
  /**
   * Include the `org`/`unit` namespace (the URL path, for every scheme).
   * @default true
   */
  includeNamespace?: boolean;
}

/** Brackets an IPv6 address for use in a URL authority. */
export function formatUrlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Formats an endpoint as a URL with an explicit port: `scheme://host:port[/org[/unit]]`, plus
 * `?path=` for a `ws`/`wss` WebSocket path other than `/mqtt`. Credentials are left out unless
 * `includeCredentials` is set. `parseBrokerUrl(formatBrokerUrl(endpoint))` gives the endpoint
 * back (its user name and password too with `includeCredentials`).
 *
 * @example
 * ```ts
 * formatBrokerUrl(parseBrokerUrl('mqtt://bob:pw@[::1]/acme')); // 'mqtt://[::1]:1883/acme'
 * formatBrokerUrl(parseBrokerUrl('wss://h/acme/support?path=/ws')); // 'wss://h:443/acme/support?path=/ws'
 * ```
 */
export function formatBrokerUrl(
  endpoint: BrokerEndpoint,
  options: FormatBrokerUrlOptions = {},
): string {
  let credentials = '';
  if (options.includeCredentials === true && endpoint.username !== undefined) {
    credentials = encodeURIComponent(endpoint.username);
    if (endpoint.password !== undefined) {
      credentials += `:${encodeURIComponent(endpoint.password.reveal())}`;
    }
    credentials += '@';
  }
  let url = `${endpoint.protocol}://${credentials}${formatUrlHost(endpoint.host)}:${endpoint.port}`;
  const includeNamespace = options.includeNamespace ?? true;
  const org = includeNamespace ? endpoint.org : undefined;
  if (org !== undefined) {
    url += `/${org}`;
    if (endpoint.unit !== undefined) url += `/${endpoint.unit}`;
  }
  const webSocket = endpoint.protocol === 'ws' || endpoint.protocol === 'wss';
  const path = endpoint.path;
  if (webSocket && path !== undefined && path !== DEFAULT_WEBSOCKET_PATH) {
    // `/` stays readable; everything else URLSearchParams would decode differently is encoded.
    url += `?path=${encodeURIComponent(path).replace(/%2F/gi, '/')}`;
  }
  return url;
}

/** The endpoint objects {@link parseBrokerUrl} returns: all string forms hide the password. */
class ParsedBrokerEndpoint implements BrokerEndpoint {
  readonly protocol: BrokerProtocol;
  readonly host: string;
  readonly port: number;
  readonly path?: string;
  readonly username?: string;
  readonly password?: Secret;
  readonly org?: string;
  readonly unit?: string;

  constructor(fields: Omit<BrokerEndpoint, 'toString'>) {
    this.protocol = fields.protocol;
    this.host = fields.host;
    this.port = fields.port;
    if (fields.path !== undefined) this.path = fields.path;
    if (fields.username !== undefined) this.username = fields.username;
    if (fields.password !== undefined) this.password = fields.password;
    if (fields.org !== undefined) this.org = fields.org;
    if (fields.unit !== undefined) this.unit = fields.unit;
    Object.freeze(this);
  }

  toString(): string {
    return formatBrokerUrl(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const user = this.username === undefined ? '' : `, username: ${JSON.stringify(this.username)}`;
    const password = this.password === undefined ? '' : `, password: ${REDACTED}`;
    return `BrokerEndpoint { url: ${JSON.stringify(this.toString())}${user}${password} }`;
  }
}

/** Redacts the credentials of a URL-like string for use in an error message. */
function redactUrl(input: string): string {
  const at = input.lastIndexOf('@');
  if (at < 0) return input;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(input);
  const start = scheme ? scheme[0].length : 0;
  const userinfo = input.slice(start, at);
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:***`;
  return `${input.slice(0, start)}${user}@${input.slice(at + 1)}`;
}

function brokerUrlError(
  input: string,
  reason: string,
  extra?: { cause?: unknown; details?: Record<string, unknown> },
): A2AMqttError {
  const redacted = redactUrl(input);
  const shown = redacted.length > 200 ? `${redacted.slice(0, 200)}...` : redacted;
  return new A2AMqttError({
    code: 'INVALID_BROKER_URL',
    message: `Invalid broker URL ${JSON.stringify(shown)}: ${reason}`,
    cause: extra?.cause,
    details: { url: shown, ...extra?.details },
  });
}

function decodeCredential(input: string, value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw brokerUrlError(input, `malformed percent-encoding in the ${what}`);
  }
}

const HOST_NAME_PATTERN = /^[A-Za-z0-9._~-]+$/;
const IPV6_PATTERN = /^[0-9A-Fa-f:.]+$/;
/** A WebSocket path: starts with `/`; no whitespace, control characters, `?` or `#`. */
function isWebSocketPath(path: string): boolean {
  if (!path.startsWith('/')) return false;
  for (let index = 0; index < path.length; index += 1) {
    const code = path.charCodeAt(index);
    if (code <= 0x20 || code === 0x7f || code === 0x3f /* ? */ || code === 0x23 /* # */) {
      return false;
    }
  }
  return !/\s/.test(path);
}

/**
 * Parses a broker URL: `mqtt|mqtts|ws|wss://[user[:password]@]host[:port][/org[/unit]]`.
 *
 * - Default ports: mqtt 1883, mqtts 8883, ws 80, wss 443. IPv6 hosts in brackets (`[::1]`).
 * - User and password are percent-decoded; everything before the last `@` is the user info
 *   (`/`, `?` and `#` in it must be percent-encoded).
 * - For every scheme the path is the namespace `/{org}[/{unit}]`. The namespace may instead be
 *   given as `?org=&unit=` (accepted for compatibility), never both.
 * - `ws`/`wss` take their WebSocket path from `?path=` (it must start with `/`; default `/mqtt`,
 *   {@link DEFAULT_WEBSOCKET_PATH}); `mqtt`/`mqtts` refuse `?path=`. Other query parameters are
 *   ignored.
 * - Errors are `INVALID_BROKER_URL` {@link A2AMqttError}s that never contain the password.
 *
 * @example
 * ```ts
 * const endpoint = parseBrokerUrl('mqtts://agent:p%40ss@broker.example.com/acme/support');
 * endpoint.port;              // 8883
 * endpoint.password?.reveal(); // 'p@ss'
 * endpoint.org;               // 'acme'
 * String(endpoint);           // 'mqtts://broker.example.com:8883/acme/support'
 *
 * const ws = parseBrokerUrl('wss://broker.example.com/acme/support?path=/custom');
 * ws.path;                    // '/custom' (the WebSocket path; '/mqtt' without ?path=)
 * ws.unit;                    // 'support'
 * ```
 */
export function parseBrokerUrl(url: string): BrokerEndpoint {
  if (typeof url !== 'string') {
    throw new A2AMqttError({
      code: 'INVALID_BROKER_URL',
      message: `Invalid broker URL: expected a string, got ${describeValue(url)}`,
    });
  }
  const input = url.trim();
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(input);
  if (!schemeMatch) {
    throw brokerUrlError(input, 'expected mqtt://, mqtts://, ws:// or wss://');
  }
  const scheme = schemeMatch[1]!.toLowerCase();
  if (scheme !== 'mqtt' && scheme !== 'mqtts' && scheme !== 'ws' && scheme !== 'wss') {
    throw brokerUrlError(
      input,
      `unsupported scheme ${JSON.stringify(scheme)} (expected mqtt, mqtts, ws or wss)`,
    );
  }
  const protocol: BrokerProtocol = scheme;
  let rest = input.slice(schemeMatch[0].length);

  // User info: everything before the last '@', so an unencoded '@' or ':' in a password
  // still parses (and never leaks into the host or the path).
  let username: string | undefined;
  let password: Secret | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (/[/?#]/.test(userinfo)) {
      // Ambiguous with an '@' in the path or query: refuse rather than guess.
      throw brokerUrlError(
        input,
        'the characters / ? # in a user name or password must be percent-encoded',
      );
    }
    const colon = userinfo.indexOf(':');
    const rawUser = colon < 0 ? userinfo : userinfo.slice(0, colon);
    username = decodeCredential(input, rawUser, 'user name');
    if (colon >= 0) {
      password = new Secret(decodeCredential(input, userinfo.slice(colon + 1), 'password'));
    }
  }

  const fragment = rest.indexOf('#');
  if (fragment >= 0) throw brokerUrlError(input, 'a fragment (#...) is not allowed');
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const afterAuthority = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const queryStart = afterAuthority.indexOf('?');
  const pathPart = queryStart < 0 ? afterAuthority : afterAuthority.slice(0, queryStart);
  const queryPart = queryStart < 0 ? '' : afterAuthority.slice(queryStart + 1);

  // Host and port.
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) throw brokerUrlError(input, 'unterminated IPv6 address (missing "]")');
    host = authority.slice(1, close);
    if (!IPV6_PATTERN.test(host) || !host.includes(':')) {
      throw brokerUrlError(input, `invalid IPv6 address ${JSON.stringify(host)}`);
    }
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) {
      throw brokerUrlError(input, 'unexpected characters after the IPv6 address');
    }
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = authority.indexOf(':');
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
    if (host !== '' && !HOST_NAME_PATTERN.test(host)) {
      throw brokerUrlError(input, `invalid host ${JSON.stringify(host)}`);
    }
  }
  if (host === '') throw brokerUrlError(input, 'missing host');
  host = host.toLowerCase();

  let port = DEFAULT_BROKER_PORT[protocol];
  if (portText !== undefined && portText !== '') {
    const parsed = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(parsed >= 1 && parsed <= 65_535)) {
      throw brokerUrlError(input, `invalid port ${JSON.stringify(portText)} (expected 1-65535)`);
    }
    port = parsed;
  }

  // Namespace (the path, or the ?org=&unit= query) and WebSocket path (the ?path= query).
  const webSocket = protocol === 'ws' || protocol === 'wss';
  const query = new URLSearchParams(queryPart);
  let org = query.get('org') ?? undefined;
  let unit = query.get('unit') ?? undefined;
  if (pathPart !== '' && pathPart !== '/') {
    const segments = pathPart.slice(1).replace(/\/$/, '').split('/');
    if (segments.length > 2) {
      throw brokerUrlError(
        input,
        webSocket
          ? 'the path must be /{org} or /{org}/{unit} (give a WebSocket path as ?path=/...)'
          : 'the path must be /{org} or /{org}/{unit}',
      );
    }
    if (org !== undefined || unit !== undefined) {
      throw brokerUrlError(input, 'give the namespace either in the path or in the query');
    }
    org = segments[0];
    unit = segments[1];
  }
  let path: string | undefined;
  const pathQuery = query.get('path');
  if (webSocket) {
    path = pathQuery ?? DEFAULT_WEBSOCKET_PATH;
    if (!isWebSocketPath(path)) {
      throw brokerUrlError(
        input,
        `invalid WebSocket path ${JSON.stringify(path.slice(0, 100))} (must start with / and contain no spaces, ? or #)`,
      );
    }
  } else if (pathQuery !== null) {
    throw brokerUrlError(input, `?path= (a WebSocket path) is only for ws:// and wss://`);
  }
  const checkNamespace = (value: string | undefined, kind: IdentifierKind): void => {
    if (value !== undefined && !isValidIdentifier(value)) {
      throw brokerUrlError(
        input,
        `invalid ${kind} identifier ${describeValue(value)} in the namespace (must match ^[A-Za-z0-9_.-]+$)`,
        { details: { kind, value } },
      );
    }
  };
  checkNamespace(org, 'org');
  checkNamespace(unit, 'unit');
  if (unit !== undefined && org === undefined) {
    throw brokerUrlError(input, 'a unit needs an org');
  }

  const fields: Omit<BrokerEndpoint, 'toString'> = { protocol, host, port };
  if (path !== undefined) fields.path = path;
  if (username !== undefined) fields.username = username;
  if (password !== undefined) fields.password = password;
  if (org !== undefined) fields.org = org;
  if (unit !== undefined) fields.unit = unit;
  return new ParsedBrokerEndpoint(fields);
}

/**
 * Returns `broker` as a {@link BrokerEndpoint}: parses a string, passes an endpoint through.
 */
export function toBrokerEndpoint(broker: BrokerEndpoint | string): BrokerEndpoint {
  return typeof broker === 'string' ? parseBrokerUrl(broker) : broker;
}
