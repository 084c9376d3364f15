import { inspect } from 'node:util';
import { parseBrokerUrl, Secret } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { NOOP_LOGGER } from './logger.js';
import {
  buildMqttClientOptions,
  reconnectDelayMs,
  resolveSessionOptions,
} from './resolve-options.js';

describe('resolveSessionOptions', () => {
  it('maps a URL with credentials onto mqtt.js options (MQTT v5, our reconnect and resubscribe)', () => {
    const resolved = resolveSessionOptions({
      url: 'mqtt://alice:s%40cret@broker.example:1884',
      clientId: 'c1',
    });
    expect(resolved.mqttOptions).toMatchObject({
      protocol: 'mqtt',
      host: 'broker.example',
      port: 1884,
      protocolVersion: 5,
      clientId: 'c1',
      username: 'alice',
      keepalive: 30,
      connectTimeout: 10_000,
      reconnectPeriod: 1_000,
      resubscribe: false,
      manualConnect: true,
      reschedulePings: false,
      clean: true,
    });
    expect(resolved.mqttOptions.properties).toBeUndefined();
    expect(resolved.endpoint.toString()).not.toContain('cret');
    expect(resolved.logger).toBe(NOOP_LOGGER);
    // The password stays a Secret in the resolved options ...
    expect(resolved.password?.reveal()).toBe('s@cret');
    expect('password' in resolved.mqttOptions).toBe(false);
    // ... and is revealed only into the mqtt.js options, as a hidden accessor.
    const client = buildMqttClientOptions(resolved);
    expect(client.password).toBe('s@cret');
    expect(client).toMatchObject({ username: 'alice', port: 1884, manualConnect: true });
    for (const text of [
      JSON.stringify(resolved),
      inspect(resolved, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(client),
      inspect(client, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify({ ...client }),
    ]) {
      expect(text).not.toContain('s@cret');
      expect(text).not.toContain('s%40cret');
    }
  });

  it('builds a fresh mqtt.js options object per call (mqtt.js writes into it)', () => {
    const resolved = resolveSessionOptions({ url: 'mqtt://u:p@localhost' });
    const first = buildMqttClientOptions(resolved);
    const second = buildMqttClientOptions(resolved);
    expect(first).not.toBe(second);
    first.reconnectPeriod = 42;
    expect(second.reconnectPeriod).toBe(1_000);
    expect(resolved.mqttOptions.reconnectPeriod).toBe(1_000);
    expect(Object.isFrozen(resolved.mqttOptions)).toBe(true);
  });

  it('lets explicit username/password (string or Secret) win over the URL', () => {
    const resolved = resolveSessionOptions({
      url: parseBrokerUrl('mqtt://alice:one@localhost'),
      username: 'bob',
      password: new Secret('two'),
    });
    expect(resolved.mqttOptions).toMatchObject({ username: 'bob', port: 1883 });
    expect(buildMqttClientOptions(resolved).password).toBe('two');
    const plain = resolveSessionOptions({ url: 'mqtt://alice:one@localhost', password: 'three' });
    expect(plain.password).toBeInstanceOf(Secret);
    expect(buildMqttClientOptions(plain).password).toBe('three');
  });

  it('builds the endpoint from host/port/protocol, with IPv6 and default ports', () => {
    expect(resolveSessionOptions({ host: '::1', port: 2000 }).mqttOptions).toMatchObject({
      host: '::1',
      port: 2000,
      protocol: 'mqtt',
    });
    expect(resolveSessionOptions({ protocol: 'mqtts', host: 'b' }).mqttOptions.port).toBe(8883);
    expect(resolveSessionOptions({}).mqttOptions).toMatchObject({ host: 'localhost', port: 1883 });
    expect(resolveSessionOptions({ url: 'ws://b:9001' }).mqttOptions).toMatchObject({
      protocol: 'ws',
      path: '/mqtt',
    });
  });

  it('passes TLS and mTLS fields (CA, cert, key, servername) through', () => {
    const resolved = resolveSessionOptions({
      url: 'mqtts://127.0.0.1:8883',
      tls: {
        ca: 'CA-PEM',
        cert: 'CERT-PEM',
        key: new Secret('KEY-PEM'),
        servername: 'broker.test',
      },
    });
    expect(resolved.mqttOptions).toMatchObject({
      protocol: 'mqtts',
      ca: 'CA-PEM',
      cert: 'CERT-PEM',
      servername: 'broker.test',
      rejectUnauthorized: true,
    });
    expect(resolved.tlsKey?.reveal()).toBe('KEY-PEM');
    expect(inspect(resolved, { depth: Number.POSITIVE_INFINITY })).not.toContain('KEY-PEM');
    expect(buildMqttClientOptions(resolved).key).toBe('KEY-PEM');
    const fromBuffer = resolveSessionOptions({
      url: 'mqtts://127.0.0.1:8883',
      tls: { cert: 'CERT-PEM', key: Buffer.from('BUFFER-KEY-PEM') },
    });
    expect(buildMqttClientOptions(fromBuffer).key).toBe('BUFFER-KEY-PEM');
  });

  it('maps the will with its user properties, QoS, retain and content type', () => {
    const resolved = resolveSessionOptions({
      url: 'mqtt://localhost',
      will: {
        topic: '$a2a/v1/discovery/acme/ops/planner',
        payload: '{"name":"planner"}',
        retain: true,
        userProperties: { 'a2a-status': 'offline', 'a2a-status-source': 'lwt' },
        contentType: 'application/json',
      },
    });
    expect(resolved.mqttOptions.will).toEqual({
      topic: '$a2a/v1/discovery/acme/ops/planner',
      payload: Buffer.from('{"name":"planner"}'),
      qos: 1,
      retain: true,
      properties: {
        userProperties: { 'a2a-status': 'offline', 'a2a-status-source': 'lwt' },
        contentType: 'application/json',
      },
    });
  });

  it('makes a persistent session: clean false plus a Session Expiry Interval', () => {
    const resolved = resolveSessionOptions({
      url: 'mqtt://localhost',
      clientId: 'acme/ops/planner',
      session: { persistent: true },
    });
    expect(resolved.mqttOptions.clean).toBe(false);
    expect(resolved.mqttOptions.properties).toEqual({ sessionExpiryInterval: 3_600 });
    expect(
      resolveSessionOptions({
        url: 'mqtt://localhost',
        clientId: 'x',
        session: { persistent: true, expiryIntervalSeconds: 60 },
      }).mqttOptions.properties,
    ).toEqual({ sessionExpiryInterval: 60 });
  });

  it('disables mqtt.js reconnects when reconnect.enabled is false', () => {
    expect(
      resolveSessionOptions({ reconnect: { enabled: false } }).mqttOptions.reconnectPeriod,
    ).toBe(0);
  });

  it('never mutates the caller options', () => {
    const options = Object.freeze({
      url: 'mqtt://localhost',
      will: Object.freeze({ topic: 'w', payload: 'x', userProperties: Object.freeze({ a: 'b' }) }),
    });
    const resolved = resolveSessionOptions(options);
    resolved.mqttOptions.will?.properties?.userProperties &&
      Object.assign(resolved.mqttOptions.will.properties.userProperties, { c: 'd' });
    expect(options.will.userProperties).toEqual({ a: 'b' });
  });

  it.each([
    [{ url: 'mqtt://localhost', host: 'x' }, 'INVALID_OPTIONS'],
    [{ session: { persistent: true } }, 'INVALID_OPTIONS'],
    [{ keepaliveSeconds: -1 }, 'INVALID_OPTIONS'],
    [{ connectTimeoutMs: 0 }, 'INVALID_OPTIONS'],
    [{ reconnect: { factor: 0.5 } }, 'INVALID_OPTIONS'],
    [{ reconnect: { initialDelayMs: 5_000, maxDelayMs: 1_000 } }, 'INVALID_OPTIONS'],
    [{ url: 'mqtt://localhost', tls: { ca: 'x' } }, 'INVALID_OPTIONS'],
    [{ url: 'mqtts://localhost', tls: { cert: 'x' } }, 'INVALID_OPTIONS'],
    [{ will: { topic: 'a/+', payload: '' } }, 'INVALID_TOPIC'],
    [{ will: { topic: 'a', payload: '', qos: 3 as 1 } }, 'INVALID_OPTIONS'],
    [{ url: 'http://localhost' }, 'INVALID_BROKER_URL'],
  ])('refuses %j with %s', (options, code) => {
    expect(() => resolveSessionOptions(options)).toThrowError(expect.objectContaining({ code }));
  });
});

describe('reconnectDelayMs', () => {
  it('grows by the factor and caps at maxDelayMs', () => {
    const policy = { enabled: true, initialDelayMs: 100, maxDelayMs: 1_000, factor: 2 };
    expect([0, 1, 2, 3, 4, 5].map((attempt) => reconnectDelayMs(policy, attempt))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });
});
