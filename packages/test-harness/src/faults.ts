/**
 * Fault injection for tests. Broker-side faults are `BrokerHandle.kill()` / `restart()`.
 */
import { TEST_HARNESS_ERROR_CODE, TestHarnessError } from './errors.js';

/** Something whose TCP/TLS socket can be cut: an `MqttSession` or a raw mqtt.js client. */
export type SocketOwner =
  | {
      /** Drops the socket without DISCONNECT (`MqttSession.destroySocket`). */
      destroySocket(): void;
    }
  | {
      /** The socket of a raw mqtt.js client. */
      stream?: { destroy(error?: Error): unknown } | null;
    };

/**
 * Destroys the client's socket without an MQTT DISCONNECT, like a crash or a cable pulled: the
 * broker publishes the client's Last Will (mosquitto: ~20 ms later). Uses
 * `session.destroySocket()` of an `MqttSession`, or `client.stream.destroy()` of an mqtt.js client.
 *
 * @example
 * ```ts
 * cutClientSocket(agentSession);
 * await sniffer.waitForMessage((m) => readUserProperty(m.properties.userProperties, 'a2a-status') === 'offline');
 * ```
 */
export function cutClientSocket(target: SocketOwner): void {
  if (typeof (target as { destroySocket?: unknown }).destroySocket === 'function') {
    (target as { destroySocket(): void }).destroySocket();
    return;
  }
  const stream = (target as { stream?: { destroy?: unknown } | null }).stream;
  if (stream && typeof stream.destroy === 'function') {
    (stream as { destroy(): void }).destroy();
    return;
  }
  throw new TestHarnessError({
    code: TEST_HARNESS_ERROR_CODE.INVALID_OPTIONS,
    message: 'cutClientSocket() needs an MqttSession (destroySocket) or an mqtt.js client (stream)',
  });
}
