/**
 * EMQX through Testcontainers 11 (optional peer dependency, imported lazily). Without a
 * container runtime, {@link startEmqx} rejects with a {@link BrokerUnavailableError} whose
 * `reason` says why, in milliseconds.
 */
import type { IClientOptions } from 'mqtt';
import type { BrokerHandle, RestartOptions } from './broker-handle.js';
import { EMQX_CAPABILITIES } from './capabilities.js';
import { detectContainerRuntime } from './container-runtime.js';
import { BrokerUnavailableError } from './errors.js';
import { trackDisposer } from './process-registry.js';

/** Default EMQX image; override with the option or `A2A_MQTT_EMQX_IMAGE`. */
export const DEFAULT_EMQX_IMAGE = 'emqx/emqx:5.8.6';
/** Default bound on EMQX startup (image pull excluded by Testcontainers' own timeouts). */
export const DEFAULT_EMQX_START_TIMEOUT_MS = 120_000;

/** Options of {@link startEmqx}. */
export interface StartEmqxOptions {
  /** @default process.env.A2A_MQTT_EMQX_IMAGE ?? 'emqx/emqx:5.8.6' */
  image?: string;
  /** @default 120_000 ({@link DEFAULT_EMQX_START_TIMEOUT_MS}) */
  startTimeoutMs?: number;
  /** Extra container environment (e.g. `EMQX_MQTT__MAX_PACKET_SIZE`). @default {} */
  environment?: Record<string, string>;
}

const MAX_LOG_CHARS = 256 * 1024;

/**
 * Starts EMQX in a container and resolves with a {@link BrokerHandle} (anonymous access).
 *
 * @example
 * ```ts
 * try {
 *   const emqx = await startEmqx();
 *   // ...
 *   await emqx.close();
 * } catch (error) {
 *   if (BrokerUnavailableError.isBrokerUnavailable(error)) console.warn(error.reason);
 *   else throw error;
 * }
 * ```
 */
export async function startEmqx(options: StartEmqxOptions = {}): Promise<BrokerHandle> {
  const runtime = await detectContainerRuntime();
  if (!runtime.available)
    throw new BrokerUnavailableError({ target: 'emqx', reason: runtime.reason });
  const { GenericContainer, Wait } = await import('testcontainers');
  const image = options.image ?? process.env.A2A_MQTT_EMQX_IMAGE ?? DEFAULT_EMQX_IMAGE;
  let logs = '';
  let container: Awaited<ReturnType<InstanceType<typeof GenericContainer>['start']>>;
  try {
    container = await new GenericContainer(image)
      .withExposedPorts(1883)
      .withEnvironment(options.environment ?? {})
      .withStartupTimeout(options.startTimeoutMs ?? DEFAULT_EMQX_START_TIMEOUT_MS)
      .withWaitStrategy(Wait.forLogMessage(/is running now/))
      .withLogConsumer((stream) => {
        stream.on('data', (chunk: Buffer | string) => {
          if (logs.length < MAX_LOG_CHARS) logs += chunk.toString();
        });
      })
      .start();
  } catch (error) {
    throw new BrokerUnavailableError({
      target: 'emqx',
      reason: `could not start ${image}: ${(error as Error).message}`,
      cause: error,
    });
  }
  let host = container.getHost();
  let port = container.getMappedPort(1883);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    unregister();
    await container.stop({ timeout: 5_000 });
  };
  const unregister = trackDisposer(close);
  return {
    get url() {
      return `mqtt://${host}:${port}`;
    },
    get host() {
      return host;
    },
    get port() {
      return port;
    },
    pid: undefined,
    profile: 'emqx',
    capabilities: EMQX_CAPABILITIES,
    dataDir: undefined,
    clientOptions(overrides: IClientOptions = {}): IClientOptions {
      return { host, port, protocol: 'mqtt', protocolVersion: 5, reconnectPeriod: 0, ...overrides };
    },
    stop: () => close(),
    kill: () => close(),
    async restart(_options?: RestartOptions) {
      await container.restart();
      host = container.getHost();
      port = container.getMappedPort(1883);
    },
    logs: () => logs,
    close,
    [Symbol.asyncDispose]: close,
  };
}
