/**
 * Encoded size of an MQTT v5 PUBLISH packet, so an oversize publish is refused before it is
 * sent (mqtt.js does not check the broker's Maximum Packet Size; the broker would drop the
 * connection with 0x95 and the publish would never settle). Pure, unit-tested against
 * mqtt-packet's encoder.
 */
import type { PublishProperties, QoS } from './options.js';

/** The largest MQTT packet: 268 435 455 bytes of remaining length plus a 5-byte fixed header. */
export const MQTT_MAX_PACKET_SIZE = 268_435_460;

/** Bytes of an MQTT variable byte integer. */
export function variableByteIntegerLength(value: number): number {
  if (value < 128) return 1;
  if (value < 16_384) return 2;
  if (value < 2_097_152) return 3;
  return 4;
}

function utf8StringLength(value: string): number {
  return 2 + Buffer.byteLength(value, 'utf8');
}

/** Encoded length of a PUBLISH property block's content (without its own length prefix). */
export function publishPropertiesLength(
  properties: PublishProperties & { topicAlias?: number } = {},
): number {
  let length = 0;
  if (properties.payloadFormatIndicator !== undefined) length += 1 + 1;
  if (properties.messageExpiryInterval !== undefined) length += 1 + 4;
  if (properties.topicAlias !== undefined) length += 1 + 2;
  if (properties.responseTopic !== undefined)
    length += 1 + utf8StringLength(properties.responseTopic);
  if (properties.correlationData !== undefined)
    length += 1 + 2 + properties.correlationData.byteLength;
  if (properties.contentType !== undefined) length += 1 + utf8StringLength(properties.contentType);
  if (properties.userProperties !== undefined) {
    for (const [key, value] of Object.entries(properties.userProperties)) {
      const values = Array.isArray(value) ? value : [value];
      for (const item of values)
        length += 1 + utf8StringLength(key) + utf8StringLength(String(item));
    }
  }
  return length;
}

/**
 * The number of bytes a PUBLISH takes on the wire: fixed header, topic, packet identifier
 * (QoS > 0), properties and payload.
 */
export function estimatePublishPacketSize(
  topic: string,
  payloadBytes: number,
  qos: QoS,
  properties?: PublishProperties,
): number {
  const propertiesLength = publishPropertiesLength(properties);
  const remainingLength =
    utf8StringLength(topic) +
    (qos > 0 ? 2 : 0) +
    variableByteIntegerLength(propertiesLength) +
    propertiesLength +
    payloadBytes;
  return 1 + variableByteIntegerLength(remainingLength) + remainingLength;
}
