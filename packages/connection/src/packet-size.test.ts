import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { PublishProperties, QoS } from './options.js';
import { estimatePublishPacketSize, variableByteIntegerLength } from './packet-size.js';

// mqtt-packet is mqtt.js's own encoder; resolve it from mqtt's location (not our dependency).
const requireFromMqtt = createRequire(createRequire(import.meta.url).resolve('mqtt'));
const mqttPacket = requireFromMqtt('mqtt-packet') as {
  generate(packet: object, options: { protocolVersion: number }): Buffer;
};

function encodedSize(
  topic: string,
  payload: Buffer,
  qos: QoS,
  properties?: PublishProperties,
): number {
  return mqttPacket.generate(
    {
      cmd: 'publish',
      topic,
      payload,
      qos,
      messageId: qos > 0 ? 42 : undefined,
      retain: false,
      dup: false,
      properties,
    },
    { protocolVersion: 5 },
  ).length;
}

describe('estimatePublishPacketSize', () => {
  const cases: [string, string, number, QoS, PublishProperties | undefined][] = [
    ['no properties, QoS 0', 'a/b', 10, 0, undefined],
    ['QoS 1', '$a2a/v1/request/acme/ops/planner', 100, 1, undefined],
    ['unicode topic', 'café/ünï', 5, 1, undefined],
    [
      'request properties',
      '$a2a/v1/request/acme/ops/planner',
      1_000,
      1,
      {
        responseTopic: '$a2a/v1/reply/acme/ops/me/abcdef',
        correlationData: Buffer.alloc(16, 7),
        contentType: 'application/json',
        payloadFormatIndicator: true,
        messageExpiryInterval: 30,
        userProperties: {
          'A2A-Version': '1.0',
          'a2a-requester-agent-id': 'acme/ops/me',
          multi: ['x', 'yy'],
        },
      },
    ],
    ['remaining length crosses 128', 't', 130, 1, undefined],
    ['remaining length crosses 16384', 't', 20_000, 2, { contentType: 'x' }],
    ['remaining length crosses 2097152', 't', 2_100_000, 1, undefined],
  ];
  it.each(cases)('matches mqtt-packet for %s', (_name, topic, payloadBytes, qos, properties) => {
    const payload = Buffer.alloc(payloadBytes, 1);
    expect(estimatePublishPacketSize(topic, payloadBytes, qos, properties)).toBe(
      encodedSize(topic, payload, qos, properties),
    );
  });

  it('counts variable byte integers like MQTT', () => {
    expect(
      [0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152].map(variableByteIntegerLength),
    ).toEqual([1, 1, 2, 2, 3, 3, 4]);
  });
});
