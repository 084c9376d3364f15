/** An externally managed broker named by `MQTT_URL` (never started or stopped by the harness). */
import { parseBrokerUrl } from '@a2a-mqtt/protocol';
import mqtt, { type IClientOptions } from 'mqtt';
import type { BrokerHandle } from './broker-handle.js';
import { EXTERNAL_CAPABILITIES } from './capabilities.js';
import { BrokerUnavailableError, TEST_HARNESS_ERROR_CODE, TestHarnessError } from './errors.js';

/** Default bound on the reachability probe of {@link externalBroker}. */
export const DEFAULT_EXTERNAL_PROBE_TIMEOUT_MS = 5_000;

/** Options of {@link externalBroker}. */
export interface ExternalBrokerOptions {
  /**
   * Connect once to check the broker answers (rejects `BrokerUnavailableError` otherwise).
   * @default true
   */
  probe?: boolean;
  /** @default 5_000 ({@link DEFAULT_EXTERNAL_PROBE_TIMEOUT_MS}) */
  probeTimeoutMs?: number;
}

/**
 * A handle on the broker at `url` (default `process.env.MQTT_URL`). Credentials in the URL are
 * used by `clientOptions()`; `stop()` / `close()` do nothing (the broker is not ours), `kill()`
 * and `restart()` reject.
 *
 * @example
 * ```ts
 * const broker = await externalBroker(); // MQTT_URL=mqtt://user:pass@broker.example:1883
 * ```
 */
export async function externalBroker(
  url: string | undefined = process.env.MQTT_URL,
  options: ExternalBrokerOptions = {},
): Promise<BrokerHandle> {
  if (!url) {
    throw new BrokerUnavailableError({ target: 'external', reason: 'MQTT_URL is not set' });
  }
  let endpoint: ReturnType<typeof parseBrokerUrl>;
  try {
    endpoint = parseBrokerUrl(url);
  } catch (error) {
    throw new BrokerUnavailableError({
      target: 'external',
      reason: `MQTT_URL is invalid: ${(error as Error).message}`,
      cause: error,
    });
  }
  const base: IClientOptions = {
    host: endpoint.host,
    port: endpoint.port,
    protocol: endpoint.protocol,
    protocolVersion: 5,
    reconnectPeriod: 0,
    ...(endpoint.path && endpoint.protocol.startsWith('ws') ? { path: endpoint.path } : {}),
    ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
    ...(endpoint.password !== undefined ? { password: endpoint.password.reveal() } : {}),
  };
  if (options.probe ?? true) {
    try {
      const client = await mqtt.connectAsync({
        ...base,
        connectTimeout: options.probeTimeoutMs ?? DEFAULT_EXTERNAL_PROBE_TIMEOUT_MS,
      });
      await client.endAsync();
    } catch (error) {
      throw new BrokerUnavailableError({
        target: 'external',
        reason: `cannot connect to ${endpoint.toString()}: ${(error as Error).message}`,
        cause: error,
      });
    }
  }
  const unsupported = (what: string) =>
    Promise.reject(
      new TestHarnessError({
        code: TEST_HARNESS_ERROR_CODE.INVALID_OPTIONS,
        message: `${what}() is not supported on an external broker`,
      }),
    );
  return {
    url: endpoint.toString(),
    host: endpoint.host,
    port: endpoint.port,
    pid: undefined,
    profile: 'external',
    capabilities: EXTERNAL_CAPABILITIES,
    dataDir: undefined,
    clientOptions: (overrides: IClientOptions = {}) => ({ ...base, ...overrides }),
    stop: async () => {},
    kill: () => unsupported('kill'),
    restart: () => unsupported('restart'),
    logs: () => '',
    close: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
}
