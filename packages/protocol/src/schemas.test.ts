import { describe, expect, it } from 'vitest';
import { buildMqttInterface } from './binding.js';
import { isA2AMqttError } from './errors.js';
import {
  isMqttInterface,
  isPresenceStatus,
  isRequestBindingMetadata,
  isStatusSource,
  MqttInterfaceSchema,
  PresenceStatusSchema,
  parseMqttInterface,
  parsePresenceStatus,
  parseRequestBindingMetadata,
  parseStatusSource,
  RequestBindingMetadataSchema,
  StatusSourceSchema,
} from './schemas.js';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('presence schemas', () => {
  it('accept the profile values only', () => {
    expect(PresenceStatusSchema.options).toEqual(['online', 'offline']);
    expect(StatusSourceSchema.options).toEqual(['agent', 'lwt', 'broker']);
    expect(isPresenceStatus('online')).toBe(true);
    expect(isPresenceStatus('ONLINE')).toBe(false);
    expect(isStatusSource('lwt')).toBe(true);
    expect(isStatusSource(undefined)).toBe(false);
    expect(parsePresenceStatus('offline')).toBe('offline');
    expect(parseStatusSource('broker')).toBe('broker');
    expect(
      isA2AMqttError(
        caught(() => parsePresenceStatus('away')),
        'INVALID_ENVELOPE',
      ),
    ).toBe(true);
    expect(
      isA2AMqttError(
        caught(() => parseStatusSource('me')),
        'INVALID_ENVELOPE',
      ),
    ).toBe(true);
  });
});

describe('MqttInterfaceSchema', () => {
  const iface = buildMqttInterface({
    broker: 'mqtt://h',
    agent: { org: 'o', unit: 'u', agent: 'a' },
  });

  it('accepts a built interface, with or without tenant', () => {
    expect(MqttInterfaceSchema.parse(iface)).toEqual(iface);
    expect(isMqttInterface({ ...iface, tenant: undefined })).toBe(true);
    expect(parseMqttInterface(iface)).toEqual(iface);
  });

  it('rejects a non-MQTT binding, a bad URL and an empty version, naming each path', () => {
    const error = caught(() =>
      parseMqttInterface({ url: 'https://x', protocolBinding: 'JSONRPC', protocolVersion: '' }),
    );
    expect(isA2AMqttError(error, 'INVALID_AGENT_CARD')).toBe(true);
    const paths = (error as { details: { issues: { path: string }[] } }).details.issues.map(
      (issue) => issue.path,
    );
    expect(paths.sort()).toEqual(['protocolBinding', 'protocolVersion', 'url']);
    expect(isMqttInterface({ ...iface, url: 5 })).toBe(false);
  });
});

describe('RequestBindingMetadataSchema', () => {
  const valid = {
    responseTopic: '$a2a/v1/reply/o/u/r/s1',
    correlationData: Buffer.from([1, 2, 3]),
    messageExpiryInterval: 60,
    userProperties: Object.assign(Object.create(null), { 'A2A-Version': '1.0', tag: ['a', 'b'] }),
  };

  it('accepts Buffer and Uint8Array correlation data and null-prototype user properties', () => {
    expect(isRequestBindingMetadata(valid)).toBe(true);
    expect(isRequestBindingMetadata({ ...valid, correlationData: new Uint8Array([9]) })).toBe(true);
    expect(
      isRequestBindingMetadata({ responseTopic: 't', correlationData: Buffer.from('x') }),
    ).toBe(true);
    const parsed = parseRequestBindingMetadata(valid);
    expect(parsed.correlationData).toBe(valid.correlationData);
    expect(RequestBindingMetadataSchema.safeParse(valid).success).toBe(true);
  });

  it.each([
    ['responseTopic', { responseTopic: '' }],
    ['responseTopic', { responseTopic: undefined }],
    ['responseTopic', { responseTopic: 'a/+/b' }],
    ['correlationData', { correlationData: Buffer.alloc(0) }],
    ['correlationData', { correlationData: 'abc' }],
    ['correlationData', { correlationData: undefined }],
    ['messageExpiryInterval', { messageExpiryInterval: -1 }],
    ['messageExpiryInterval', { messageExpiryInterval: 1.5 }],
    ['userProperties', { userProperties: { k: 5 } }],
  ])('rejects a bad %s with INVALID_ENVELOPE naming it', (path, patch) => {
    const value = { ...valid, ...patch };
    expect(isRequestBindingMetadata(value)).toBe(false);
    const error = caught(() => parseRequestBindingMetadata(value));
    expect(isA2AMqttError(error, 'INVALID_ENVELOPE')).toBe(true);
    expect((error as Error).message).toContain(path);
  });

  it('does not echo user property values (which may hold a bearer token) in errors', () => {
    const error = caught(() =>
      parseRequestBindingMetadata({
        responseTopic: '',
        correlationData: Buffer.from('x'),
        userProperties: { 'a2a-authorization': 'Bearer TOPSECRET', bad: 1 },
      }),
    ) as Error & { details: unknown };
    expect(error.message).not.toContain('TOPSECRET');
    expect(JSON.stringify(error.details)).not.toContain('TOPSECRET');
  });
});
