import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatBrokerUrl, parseBrokerUrl, Secret, toBrokerEndpoint } from './broker-url.js';
import { A2AMqttError } from './errors.js';

const PASSWORD = 'Sup3r$ecret';

function thrown(fn: () => unknown): A2AMqttError {
  try {
    fn();
  } catch (error) {
    if (A2AMqttError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

function expectNoPassword(text: string, password = PASSWORD): void {
  expect(text).not.toContain(password);
  expect(text).not.toContain(encodeURIComponent(password));
}

describe('Secret', () => {
  it('hides its value in every string form and reveals it on demand', () => {
    const secret = new Secret(PASSWORD);
    expect(secret.reveal()).toBe(PASSWORD);
    expect(String(secret)).toBe('[REDACTED]');
    expect(`${secret}`).toBe('[REDACTED]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[REDACTED]"}');
    expect(inspect(secret)).toBe('[REDACTED]');
    expect(inspect({ nested: { secret } }, { depth: 5 })).not.toContain(PASSWORD);
  });
});

describe('parseBrokerUrl', () => {
  it.each([
    ['mqtt://broker', 1883],
    ['mqtts://broker', 8883],
    ['ws://broker', 80],
    ['wss://broker', 443],
  ] as const)('%s defaults to port %i', (url, port) => {
    const endpoint = parseBrokerUrl(url);
    expect(endpoint.port).toBe(port);
    expect(endpoint.host).toBe('broker');
    expect(endpoint.protocol).toBe(url.split(':')[0]);
  });

  it('parses credentials, host, port and namespace', () => {
    const endpoint = parseBrokerUrl(
      `mqtt://alice:${PASSWORD}@Broker.Example.com:1884/acme/support`,
    );
    expect(endpoint).toMatchObject({
      protocol: 'mqtt',
      host: 'broker.example.com',
      port: 1884,
      username: 'alice',
      org: 'acme',
      unit: 'support',
    });
    expect(endpoint.password?.reveal()).toBe(PASSWORD);
    expect(endpoint.path).toBeUndefined();
  });

  it('accepts an org-only namespace, a trailing slash and no namespace', () => {
    expect(parseBrokerUrl('mqtt://h/acme')).toMatchObject({ org: 'acme' });
    expect(parseBrokerUrl('mqtt://h/acme').unit).toBeUndefined();
    expect(parseBrokerUrl('mqtt://h/acme/support/')).toMatchObject({
      org: 'acme',
      unit: 'support',
    });
    expect(parseBrokerUrl('mqtt://h/').org).toBeUndefined();
  });

  it('percent-decodes user and password', () => {
    const endpoint = parseBrokerUrl('mqtts://us%40er:p%40ss%3Aw%2Fo%3Frd%23@h');
    expect(endpoint.username).toBe('us@er');
    expect(endpoint.password?.reveal()).toBe('p@ss:w/o?rd#');
  });

  it('keeps an unencoded @ or : in the password (user info ends at the last @)', () => {
    const endpoint = parseBrokerUrl('mqtt://user:p@ss:word@host:1999');
    expect(endpoint.username).toBe('user');
    expect(endpoint.password?.reveal()).toBe('p@ss:word');
    expect(endpoint.host).toBe('host');
    expect(endpoint.port).toBe(1999);
  });

  it('handles a user without password and an empty password', () => {
    const userOnly = parseBrokerUrl('mqtt://user@h');
    expect(userOnly.username).toBe('user');
    expect(userOnly.password).toBeUndefined();
    expect(parseBrokerUrl('mqtt://user:@h').password?.reveal()).toBe('');
  });

  it('parses IPv6 hosts with and without port', () => {
    expect(parseBrokerUrl('mqtt://[::1]')).toMatchObject({ host: '::1', port: 1883 });
    expect(parseBrokerUrl('mqtts://u:p@[2001:DB8::1]:8884/acme')).toMatchObject({
      host: '2001:db8::1',
      port: 8884,
      org: 'acme',
    });
    expect(String(parseBrokerUrl('mqtt://[::1]:1885'))).toBe('mqtt://[::1]:1885');
  });

  it('reads the ws/wss namespace from the path, like mqtt, with the WebSocket path /mqtt by default', () => {
    expect(parseBrokerUrl('ws://h:8083')).toMatchObject({ path: '/mqtt', port: 8083 });
    expect(parseBrokerUrl('ws://h:8083').org).toBeUndefined();
    expect(parseBrokerUrl('ws://h/')).toMatchObject({ path: '/mqtt' });
    expect(parseBrokerUrl('ws://h/').org).toBeUndefined();
    const endpoint = parseBrokerUrl(`wss://alice:${PASSWORD}@[::1]:8084/acme/support/`);
    expect(endpoint).toMatchObject({
      protocol: 'wss',
      host: '::1',
      port: 8084,
      path: '/mqtt',
      username: 'alice',
      org: 'acme',
      unit: 'support',
    });
    expect(endpoint.password?.reveal()).toBe(PASSWORD);
    const orgOnly = parseBrokerUrl('ws://h/acme');
    expect(orgOnly).toMatchObject({ org: 'acme', path: '/mqtt' });
    expect(orgOnly.unit).toBeUndefined();
  });

  it('takes the ws/wss WebSocket path from ?path= (percent-decoded)', () => {
    expect(parseBrokerUrl('wss://h/acme/support?path=/custom/ws')).toMatchObject({
      path: '/custom/ws',
      org: 'acme',
      unit: 'support',
    });
    expect(parseBrokerUrl('ws://h?path=%2Fmy%2Bws%2520')).toMatchObject({ path: '/my+ws%20' });
    expect(parseBrokerUrl('ws://h?path=/')).toMatchObject({ path: '/' });
    expect(parseBrokerUrl('ws://h/acme?path=/mqtt&other=1')).toMatchObject({
      path: '/mqtt',
      org: 'acme',
    });
  });

  it('still accepts the namespace as ?org=&unit= (compatibility), for every scheme', () => {
    expect(parseBrokerUrl('wss://h?org=acme&unit=support&path=/ws')).toMatchObject({
      protocol: 'wss',
      port: 443,
      path: '/ws',
      org: 'acme',
      unit: 'support',
    });
    expect(parseBrokerUrl('ws://h/?org=acme')).toMatchObject({ org: 'acme', path: '/mqtt' });
    expect(parseBrokerUrl('mqtt://h?org=acme')).toMatchObject({ org: 'acme' });
  });

  it('accepts an upper-case scheme and surrounding whitespace', () => {
    expect(parseBrokerUrl('  MQTT://h  ')).toMatchObject({ protocol: 'mqtt', host: 'h' });
  });

  it.each([
    ['http://h', 'unsupported scheme "http"'],
    ['tcp://h', 'unsupported scheme "tcp"'],
    ['broker:1883', 'expected mqtt://'],
    ['mqtt://', 'missing host'],
    ['mqtt://:1883', 'missing host'],
    ['mqtt://user:pw@', 'missing host'],
    ['mqtt://h:0', 'invalid port'],
    ['mqtt://h:65536', 'invalid port'],
    ['mqtt://h:12ab', 'invalid port'],
    ['mqtt://[::1', 'unterminated IPv6'],
    ['mqtt://[zz::1]', 'invalid IPv6'],
    ['mqtt://[::1]x', 'after the IPv6'],
    ['mqtt://h#frag', 'fragment'],
    ['mqtt://ho st', 'invalid host'],
    ['mqtt://h/a/b/c', '/{org}/{unit}'],
    ['mqtt://h/a?org=b', 'either in the path or in the query'],
    ['ws://h/a?org=b', 'either in the path or in the query'],
    ['ws://h/a?unit=u', 'either in the path or in the query'],
    ['ws://h?unit=u', 'a unit needs an org'],
    ['ws://h/custom/ws/path', 'give a WebSocket path as ?path=/...'],
    ['wss://h/acme/support/extra', '/{org}/{unit}'],
    ['ws://h?path=custom', 'invalid WebSocket path'],
    ['ws://h?path=', 'invalid WebSocket path'],
    ['ws://h?path=/a%20b%0A', 'invalid WebSocket path'],
    ['ws://h?path=/a%3Fb', 'invalid WebSocket path'],
    ['ws://h?path=/a+b', 'invalid WebSocket path'],
    ['mqtt://h/acme?path=/mqtt', 'only for ws:// and wss://'],
    ['mqtts://h?path=/x', 'only for ws:// and wss://'],
  ])('rejects %j (%s)', (url, reason) => {
    const error = thrown(() => parseBrokerUrl(url));
    expect(error.code).toBe('INVALID_BROKER_URL');
    expect(error.message).toContain(reason);
  });

  it.each([
    ['org', 'mqtt://h/ac%20me'],
    ['org', 'mqtt://h/a+b'],
    ['unit', 'mqtt://h/acme/sup$port'],
    ['org', 'ws://h?org=a/b'],
    ['unit', 'wss://h?org=acme&unit='],
    ['org', 'ws://h/ac%20me'],
    ['unit', 'wss://h/acme/sup$port?path=/ws'],
  ])('rejects a bad %s identifier in the namespace of %j, naming it', (kind, url) => {
    const error = thrown(() => parseBrokerUrl(url));
    expect(error.code).toBe('INVALID_BROKER_URL');
    expect(error.message).toContain(`invalid ${kind} identifier`);
    expect(error.details?.kind).toBe(kind);
  });

  it('rejects non-strings', () => {
    expect(thrown(() => parseBrokerUrl(undefined as never)).code).toBe('INVALID_BROKER_URL');
  });

  it('never echoes the password in error messages or details', () => {
    const cases = [
      `http://user:${PASSWORD}@h`,
      `mqtt://user:${PASSWORD}@h:99999`,
      `mqtt://user:${PASSWORD}@`,
      `mqtt://user:${PASSWORD}@h/a/b/c`,
      `mqtt://user:${PASSWORD}@h/bad%20org`,
      `mqtt://user:${PASSWORD}/x@h`,
      `mqtt://user:${encodeURIComponent(PASSWORD)}%ZZ@h`,
      `user:${PASSWORD}@h:1883`,
      `ws://user:${PASSWORD}@h/a/b/c`,
      `wss://user:${PASSWORD}@h/acme?path=nope`,
    ];
    for (const url of cases) {
      const error = thrown(() => parseBrokerUrl(url));
      expect(error.code, url).toBe('INVALID_BROKER_URL');
      expectNoPassword(error.message);
      expectNoPassword(JSON.stringify(error.details));
      expectNoPassword(inspect(error, { depth: 5 }));
      expect(error.cause).toBeUndefined();
    }
  });

  it('requires / ? # in credentials to be percent-encoded', () => {
    const error = thrown(() => parseBrokerUrl(`mqtt://user:${PASSWORD}/x@h`));
    expect(error.message).toContain('must be percent-encoded');
  });

  it('keeps the password out of String(), JSON.stringify and util.inspect of the endpoint', () => {
    const endpoint = parseBrokerUrl(`mqtts://alice:${encodeURIComponent(PASSWORD)}@h/acme`);
    expect(endpoint.password?.reveal()).toBe(PASSWORD);
    for (const text of [
      String(endpoint),
      `${endpoint}`,
      endpoint.toString(),
      JSON.stringify(endpoint),
      inspect(endpoint, { depth: 10 }),
      inspect({ endpoint }, { depth: 10, showHidden: true }),
    ]) {
      expectNoPassword(text);
    }
    expect(String(endpoint)).toBe('mqtts://h:8883/acme');
    expect(inspect(endpoint)).toContain('[REDACTED]');
    expect(JSON.parse(JSON.stringify(endpoint)).password).toBe('[REDACTED]');
  });

  it('returns an immutable endpoint', () => {
    const endpoint = parseBrokerUrl('mqtt://h');
    expect(Object.isFrozen(endpoint)).toBe(true);
  });
});

describe('formatBrokerUrl', () => {
  it('formats with an explicit port and without credentials by default', () => {
    const endpoint = parseBrokerUrl(`mqtt://bob:${PASSWORD}@h/acme/support`);
    expect(formatBrokerUrl(endpoint)).toBe('mqtt://h:1883/acme/support');
    expect(formatBrokerUrl(endpoint, { includeNamespace: false })).toBe('mqtt://h:1883');
  });

  it('includes percent-encoded credentials only on request and round-trips', () => {
    const endpoint = parseBrokerUrl('mqtt://b%40b:p%40ss%2F1@h:1900/acme');
    const withCredentials = formatBrokerUrl(endpoint, { includeCredentials: true });
    expect(withCredentials).toBe('mqtt://b%40b:p%40ss%2F1@h:1900/acme');
    const again = parseBrokerUrl(withCredentials);
    expect(again.username).toBe('b@b');
    expect(again.password?.reveal()).toBe('p@ss/1');
  });

  it('formats ws endpoints with the namespace as the path and a non-default WebSocket path as ?path=', () => {
    expect(formatBrokerUrl(parseBrokerUrl('wss://[::1]/acme/support?path=/ws'))).toBe(
      'wss://[::1]:443/acme/support?path=/ws',
    );
    expect(formatBrokerUrl(parseBrokerUrl('wss://h?org=acme&unit=support'))).toBe(
      'wss://h:443/acme/support',
    );
    expect(formatBrokerUrl(parseBrokerUrl('ws://h'))).toBe('ws://h:80');
    expect(formatBrokerUrl(parseBrokerUrl('ws://h/acme?path=/mqtt'))).toBe('ws://h:80/acme');
    expect(
      formatBrokerUrl(parseBrokerUrl('ws://h/acme?path=/a:b%2Bc%26d~'), {
        includeNamespace: false,
      }),
    ).toBe('ws://h:80?path=/a%3Ab%2Bc%26d~');
    expect(String(parseBrokerUrl(`ws://u:${PASSWORD}@h:9001/acme?path=/ws`))).toBe(
      'ws://h:9001/acme?path=/ws',
    );
  });

  it.each([
    'mqtt://h:1883',
    'mqtts://b%40b:p%40ss@h:8883/acme/support',
    'ws://h:80',
    'ws://u:p@h:80/acme',
    'wss://[::1]:443/acme/support?path=/custom/ws',
    'wss://h:443?path=/a%2Bc%26d%2520e',
    'ws://h:8083/acme/support?path=/',
  ])('round-trips %s through parse and format', (url) => {
    const endpoint = parseBrokerUrl(url);
    const formatted = formatBrokerUrl(endpoint, { includeCredentials: true });
    expect(formatted).toBe(url);
    const again = parseBrokerUrl(formatted);
    expect({ ...again, password: again.password?.reveal() }).toEqual({
      ...endpoint,
      password: endpoint.password?.reveal(),
    });
  });

  it('accepts plain endpoint objects', () => {
    expect(formatBrokerUrl({ protocol: 'mqtt', host: '::1', port: 1 } as never)).toBe(
      'mqtt://[::1]:1',
    );
    expect(toBrokerEndpoint('mqtt://h').port).toBe(1883);
    const plain = { protocol: 'mqtts', host: 'x', port: 2 } as const;
    expect(toBrokerEndpoint(plain as never)).toBe(plain);
  });
});
