/**
 * Records what one mqtt.js client publishes (from its `packetsend` events) and validates it like
 * the wire sniffer does, without a subscriber on the broker.
 */
import { createTopics } from '@a2a-mqtt/protocol';
import type { IPublishPacket } from 'mqtt';
import { type PublishPacketLike, toSniffedMessage } from './wire-sniffer.js';
import {
  createWireValidationState,
  type SniffedMessage,
  validateWireMessage,
  type WireViolation,
} from './wire-validation.js';

/** The part of an mqtt.js `MqttClient` that {@link recordOutgoing} uses. */
export interface PacketSendSource {
  /**
   * Adds a listener for the packets the client writes (mqtt.js emits `packetsend` with each
   * packet, PUBLISH included, as it goes to the socket).
   */
  on(event: 'packetsend', fn: (packet: never) => void): unknown;
  /** Removes a listener added with {@link PacketSendSource.on} (used by `stop()`). */
  removeListener(event: 'packetsend', fn: (packet: never) => void): unknown;
}

/** What {@link recordOutgoing} returns: live arrays, filled as the client publishes. */
export interface OutgoingRecording {
  /** Every PUBLISH the client sent under the prefix, in order. */
  messages: SniffedMessage[];
  /** The profile violations among them. */
  violations: WireViolation[];
  /** Stops recording (removes the `packetsend` listener). */
  stop(): void;
}

/**
 * Records what one mqtt.js client publishes under `prefix` (from its `packetsend` events) and
 * validates each message like the wire sniffer does. For tests whose subject is "nobody
 * subscribes", where a sniffer on `${prefix}/#` would be a matching subscriber (see
 * `WireCheck.withoutSniffer` in `@a2a-mqtt/test-harness/vitest`).
 *
 * @example
 * ```ts
 * const outgoing = recordOutgoing(session.client, '$a2a/v1');
 * try {
 *   // ... publish to a topic nobody subscribes ...
 *   expect(outgoing.violations).toEqual([]);
 *   expect(outgoing.messages).toHaveLength(1);
 * } finally {
 *   outgoing.stop();
 * }
 * ```
 */
export function recordOutgoing(client: PacketSendSource, prefix: string): OutgoingRecording {
  const topics = createTopics({ prefix });
  const state = createWireValidationState();
  const messages: SniffedMessage[] = [];
  const violations: WireViolation[] = [];
  const onPacket = (packet: never) => {
    const p = packet as { cmd: string } & PublishPacketLike & Partial<IPublishPacket>;
    if (p.cmd !== 'publish' || !p.topic.startsWith(`${prefix}/`)) return;
    const message = toSniffedMessage(p, messages.length, topics);
    messages.push(message);
    violations.push(...validateWireMessage(message, topics, state));
  };
  client.on('packetsend', onPacket);
  return {
    messages,
    violations,
    stop: () => {
      client.removeListener('packetsend', onPacket);
    },
  };
}
