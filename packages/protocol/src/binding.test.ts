import { describe, expect, it } from 'vitest';
import type { AgentCardLike } from './agent-card.js';
import {
  buildMqttInterface,
  isMqttInterfaceUrl,
  isMqttProtocolBinding,
  MQTT_PROTOCOL_BINDING,
  MQTT_PROTOCOL_BINDING_ALIASES,
  parseMqttInterfaceUrl,
  readMqttInterface,
  withMqttInterface,
} from './binding.js';
import { parseBrokerUrl } from './broker-url.js';
import { sampleCard } from './test-fixtures.js';
import { createTopics } from './topics.js';

const agent = { org: 'acme', unit: 'support', agent: 'triage' };

describe('binding names', () => {
  it('has the canonical name and accepts aliases in any case', () => {
    expect(MQTT_PROTOCOL_BINDING).toBe('MQTT5+JSONRPC');
    expect(MQTT_PROTOCOL_BINDING_ALIASES).toContain('MQTTv5+JSONRPCv2');
    expect(MQTT_PROTOCOL_BINDING_ALIASES).toContain(MQTT_PROTOCOL_BINDING);
    for (const name of [
      'MQTT5+JSONRPC',
      'mqtt5+jsonrpc',
      'MQTTv5+JSONRPCv2',
      'mqttv5+jsonrpcv2',
      ' MQTT5+JSONRPC ',
    ]) {
      expect(isMqttProtocolBinding(name), name).toBe(true);
    }
    for (const name of ['JSONRPC', 'GRPC', 'HTTP+JSON', 'MQTT', '', undefined, 5]) {
      expect(isMqttProtocolBinding(name), String(name)).toBe(false);
    }
  });
});

describe('buildMqttInterface', () => {
  it('builds mqtt[s]://host:port/{requestTopic} without credentials', () => {
    const iface = buildMqttInterface({
      broker: 'mqtts://bob:secret@broker.example.com/acme/support',
      topics: createTopics(),
      agent,
    });
    expect(iface).toEqual({
      url: 'mqtts://broker.example.com:8883/$a2a/v1/request/acme/support/triage',
      protocolBinding: 'MQTT5+JSONRPC',
      protocolVersion: '1.0',
      tenant: '',
    });
    expect(iface.url).not.toContain('secret');
    expect(iface.url).not.toContain('bob');
  });

  it('uses the topic prefix, a parsed endpoint, IPv6 hosts and a protocol version', () => {
    const iface = buildMqttInterface({
      broker: parseBrokerUrl('mqtt://[::1]:1884'),
      topics: createTopics({ prefix: 'a2a/v1' }),
      agent,
      protocolVersion: '1.1',
    });
    expect(iface.url).toBe('mqtt://[::1]:1884/a2a/v1/request/acme/support/triage');
    expect(iface.protocolVersion).toBe('1.1');
  });

  it('defaults to the $a2a/v1 topics and encodes ws brokers with a topic query', () => {
    const iface = buildMqttInterface({ broker: 'wss://h/acme/support?path=/ws', agent });
    expect(iface.url).toBe('wss://h:443/ws?topic=%24a2a%2Fv1%2Frequest%2Facme%2Fsupport%2Ftriage');
    const target = parseMqttInterfaceUrl(iface.url);
    expect(target).toMatchObject({
      requestTopic: '$a2a/v1/request/acme/support/triage',
      prefix: '$a2a/v1',
      agent,
    });
    // The interface URL's path is the WebSocket path, not a broker namespace.
    expect(target?.broker).toMatchObject({ protocol: 'wss', host: 'h', port: 443, path: '/ws' });
    expect(target?.broker.org).toBeUndefined();
  });

  it('uses the default WebSocket path /mqtt for a ws broker URL without ?path=', () => {
    const iface = buildMqttInterface({ broker: 'ws://h:8083/acme', agent });
    expect(iface.url).toBe(
      'ws://h:8083/mqtt?topic=%24a2a%2Fv1%2Frequest%2Facme%2Fsupport%2Ftriage',
    );
    expect(
      parseMqttInterfaceUrl('ws://h:8083?topic=a2a%2Fv1%2Frequest%2Fo%2Fu%2Fa')?.broker.path,
    ).toBe('/mqtt');
  });

  it('rejects invalid agents', () => {
    expect(() =>
      buildMqttInterface({ broker: 'mqtt://h', agent: { ...agent, agent: 'a/b' } }),
    ).toThrow(/Invalid agent identifier/);
  });
});

describe('parseMqttInterfaceUrl', () => {
  it('recovers broker, request topic, prefix and agent', () => {
    const target = parseMqttInterfaceUrl(
      'mqtt://localhost:1883/corp/a2a/v1/request/acme/support/triage',
    );
    expect(target).toMatchObject({
      requestTopic: 'corp/a2a/v1/request/acme/support/triage',
      prefix: 'corp/a2a/v1',
      agent,
    });
    expect(target?.broker).toMatchObject({ protocol: 'mqtt', host: 'localhost', port: 1883 });
    expect(target?.broker.org).toBeUndefined();
  });

  it('decodes percent-encoded levels', () => {
    expect(parseMqttInterfaceUrl('mqtt://h/%24a2a/v1/request/acme/support/triage')?.prefix).toBe(
      '$a2a/v1',
    );
  });

  const invalid = [
    'https://h/$a2a/v1/request/acme/support/triage',
    'mqtt://user:pw@h/$a2a/v1/request/acme/support/triage',
    'mqtt://h',
    'mqtt://h/request/acme/support/triage',
    'mqtt://h/$a2a/v1/discovery/acme/support/triage',
    'mqtt://h/$a2a/v1/request/acme/support/pool/triage',
    'mqtt://h/$a2a/v1/request/acme/sup port/triage',
    'mqtt://h/$a2a/+/request/acme/support/triage',
    'mqtt://h/$a2a//v1/request/acme/support/triage',
    'mqtt://h/$share/g/request/acme/support/triage',
    'mqtt://h:0/$a2a/v1/request/acme/support/triage',
    'mqtt://h:70000/$a2a/v1/request/acme/support/triage',
    'mqtt://h/$a2a/v1/REQUEST/acme/support/triage',
    'mqtt://h/%ZZ/v1/request/acme/support/triage',
    'ws://h/mqtt',
    'ws://h/mqtt?topic=x',
  ];
  it.each(invalid)('rejects %j (and isMqttInterfaceUrl agrees)', (url) => {
    expect(parseMqttInterfaceUrl(url)).toBeUndefined();
    expect(isMqttInterfaceUrl(url)).toBe(false);
  });

  const valid = [
    'mqtt://h/$a2a/v1/request/acme/support/triage',
    'MQTTS://H:8883/$a2a/v1/request/acme/support/triage',
    'mqtt://[::1]:1883/a2a/request/acme/support/triage',
    'mqtt://h/%24a2a/v1/request/acme/support/triage',
    ' mqtt://h/a2a/request/o/u/a ',
    'ws://h:8083/mqtt?topic=a2a%2Fv1%2Frequest%2Fo%2Fu%2Fa',
  ];
  it.each(valid)('accepts %j (and isMqttInterfaceUrl agrees)', (url) => {
    expect(parseMqttInterfaceUrl(url)).toBeDefined();
    expect(isMqttInterfaceUrl(url)).toBe(true);
  });

  it('never throws on non-strings', () => {
    expect(parseMqttInterfaceUrl(undefined as never)).toBeUndefined();
    expect(isMqttInterfaceUrl(42)).toBe(false);
  });
});

describe('readMqttInterface', () => {
  it('reads the MQTT entry of a card', () => {
    expect(readMqttInterface(sampleCard() as never)).toMatchObject({
      url: 'mqtts://broker.example.com:8883/$a2a/v1/request/acme/support/triage',
      protocolBinding: 'MQTT5+JSONRPC',
      protocolVersion: '1.0',
      requestTopic: '$a2a/v1/request/acme/support/triage',
      prefix: '$a2a/v1',
      agent,
    });
  });

  it('accepts aliases and skips unparsable MQTT entries', () => {
    const card = {
      supportedInterfaces: [
        { url: 'https://x', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        { url: 'not a url', protocolBinding: 'MQTT5+JSONRPC', protocolVersion: '1.0' },
        {
          url: 'mqtt://h/a2a/v1/request/o/u/a',
          protocolBinding: 'mqttv5+jsonrpcv2',
          protocolVersion: '1.0',
        },
      ],
    };
    expect(readMqttInterface(card)).toMatchObject({
      agent: { org: 'o', unit: 'u', agent: 'a' },
      prefix: 'a2a/v1',
    });
  });

  it('returns undefined without an MQTT entry or interfaces', () => {
    expect(
      readMqttInterface({
        supportedInterfaces: [
          { url: 'https://x', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        ],
      }),
    ).toBeUndefined();
    expect(readMqttInterface({})).toBeUndefined();
    expect(readMqttInterface(null as never)).toBeUndefined();
  });
});

describe('withMqttInterface', () => {
  const iface = buildMqttInterface({ broker: 'mqtt://new-broker', agent });

  it('replaces existing MQTT entries in place and does not modify the input', () => {
    const card = {
      name: 'x',
      supportedInterfaces: [
        { url: 'https://x', protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' },
        {
          url: 'mqtt://old/a2a/request/o/u/a',
          protocolBinding: 'MQTTv5+JSONRPCv2',
          protocolVersion: '1.0',
          tenant: '',
        },
        {
          url: 'mqtt://old2/a2a/request/o/u/a',
          protocolBinding: 'MQTT5+JSONRPC',
          protocolVersion: '1.0',
          tenant: '',
        },
        { url: 'grpc://x', protocolBinding: 'GRPC', protocolVersion: '1.0', tenant: '' },
      ],
    };
    const snapshot = structuredClone(card);
    const next = withMqttInterface(card, iface);
    expect(card).toEqual(snapshot);
    expect(next.name).toBe('x');
    expect(next.supportedInterfaces.map((entry) => entry.protocolBinding)).toEqual([
      'JSONRPC',
      'MQTT5+JSONRPC',
      'GRPC',
    ]);
    expect(next.supportedInterfaces[1]).toEqual(iface);
  });

  it('appends when there is no MQTT entry, and fills tenant', () => {
    const next = withMqttInterface(
      {
        supportedInterfaces: [
          { url: 'https://x', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        ],
      },
      { url: iface.url, protocolBinding: iface.protocolBinding, protocolVersion: '1.0' },
    );
    expect(next.supportedInterfaces).toHaveLength(2);
    expect(next.supportedInterfaces?.[1]).toEqual({ ...iface });
    expect(withMqttInterface({} as AgentCardLike, iface).supportedInterfaces).toEqual([iface]);
  });
});
