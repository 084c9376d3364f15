/**
 * EMQX through Testcontainers 11 (optional peer dependency, imported lazily). Without a
 * container runtime, {@link startEmqx} rejects with a {@link BrokerUnavailableError} whose
 * `reason` says why, in milliseconds.
 *
 * The handle's controls act on the container the way `startBroker()`'s act on the mosquitto
 * process: `stop()` is a graceful `docker stop` (SIGTERM), `kill()` a real `docker kill`
 * (SIGKILL), `restart()` starts the same container again (same host port by default), and only
 * `close()` removes it.
 */
import type { IClientOptions } from 'mqtt';
import type { StartedTestContainer } from 'testcontainers';
import type { BrokerHandle, RestartOptions } from './broker-handle.js';
import { EMQX_CAPABILITIES } from './capabilities.js';
import { detectContainerRuntime } from './container-runtime.js';
import { BrokerUnavailableError, TEST_HARNESS_ERROR_CODE, TestHarnessError } from './errors.js';
import { findFreePort } from './free-port.js';
import { trackDisposer } from './process-registry.js';

/** Default EMQX image; override with the option or `A2A_MQTT_EMQX_IMAGE`. */
export const DEFAULT_EMQX_IMAGE = 'emqx/emqx:5.8.6';
/** Default bound on EMQX startup (image pull excluded by Testcontainers' own timeouts). */
export const DEFAULT_EMQX_START_TIMEOUT_MS = 120_000;
/** Default bound on a graceful `stop()` (SIGTERM) before Docker SIGKILLs the container. */
export const DEFAULT_EMQX_STOP_TIMEOUT_MS = 10_000;

/** The MQTT port inside the EMQX container. */
const EMQX_MQTT_PORT = 1883;
/** Fixed host ports tried before falling back to a port Docker picks. */
const FIXED_PORT_ATTEMPTS = 3;

/** Options of {@link startEmqx}. */
export interface StartEmqxOptions {
  /** @default process.env.A2A_MQTT_EMQX_IMAGE ?? 'emqx/emqx:5.8.6' */
  image?: string;
  /** @default 120_000 ({@link DEFAULT_EMQX_START_TIMEOUT_MS}) */
  startTimeoutMs?: number;
  /** Extra container environment (e.g. `EMQX_MQTT__MAX_PACKET_SIZE`). @default {} */
  environment?: Record<string, string>;
  /**
   * The host port bound to the container's MQTT port 1883. By default a free port of this
   * machine is bound explicitly, so `url` and `port` stay the same across `restart()` (if Docker
   * refuses it three times, e.g. on a remote Docker host, the harness falls back to `'random'`).
   * A number binds exactly that port; `'random'` lets Docker pick one, which may change on
   * `restart()` (the handle then re-reads it).
   * @default a free port of this machine, fixed for the container's lifetime
   */
  hostPort?: number | 'random';
}

/**
 * The container operations an EMQX {@link BrokerHandle} needs. {@link startEmqx} implements
 * them with Testcontainers and the Docker API; unit tests pass a fake.
 */
export interface EmqxContainerControl {
  /** The host that reaches the container's published ports (stable for its lifetime). */
  readonly host: string;
  /** The host port bound to the container's port 1883, as of the last start. */
  mappedPort(): number;
  /** Graceful stop (`docker stop`: SIGTERM, SIGKILL after `timeoutMs`); resolves once stopped. */
  stop(timeoutMs: number): Promise<void>;
  /** Crash (`docker kill`, SIGKILL); resolves once the container is no longer running. */
  kill(): Promise<void>;
  /** Starts the stopped container again; resolves once EMQX is ready and ports are re-read. */
  start(): Promise<void>;
  /** Stops (immediately) and removes the container and its anonymous volumes. */
  remove(): Promise<void>;
}

/**
 * Builds the {@link BrokerHandle} of an EMQX container. `url`, `host` and `port` are read from
 * `control` at creation and after every `restart()`.
 */
export function createEmqxHandle(
  control: EmqxContainerControl,
  logs: () => string = () => '',
): BrokerHandle {
  let host = control.host;
  let port = control.mappedPort();
  let running = true;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    unregister();
    running = false;
    await control.remove();
  };
  const unregister = trackDisposer(close);
  const stop = async (): Promise<void> => {
    if (closed || !running) return;
    await control.stop(DEFAULT_EMQX_STOP_TIMEOUT_MS);
    running = false;
  };
  const kill = async (): Promise<void> => {
    if (closed || !running) return;
    await control.kill();
    running = false;
  };
  return {
    get url() {
      return `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
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
    stop,
    kill,
    async restart(options: RestartOptions = {}) {
      if (closed) {
        throw new TestHarnessError({
          code: TEST_HARNESS_ERROR_CODE.INVALID_OPTIONS,
          message: 'Cannot restart an EMQX container after close()',
        });
      }
      if (options.signal === 'SIGKILL') await kill();
      else await stop();
      await control.start();
      running = true;
      host = control.host;
      port = control.mappedPort();
    },
    logs,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Whether a container start failed because the requested host port is taken. */
export function isPortBindingConflict(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /port is already allocated|address already in use|ports are not available/i.test(message);
}

/** Whether a Docker API error says the container is not running (kill of a stopped one). */
function isNotRunning(error: unknown): boolean {
  const { statusCode, message } = error as { statusCode?: number; message?: string };
  return statusCode === 304 || statusCode === 409 || /is not running/i.test(String(message));
}

async function testcontainersControl(
  container: StartedTestContainer,
  appendLogs: (chunk: string) => void,
): Promise<EmqxContainerControl> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const runtime = await getContainerRuntimeClient();
  const docker = runtime.container.getById(container.getId());
  const followLogs = async (sinceSeconds: number): Promise<void> => {
    // The log stream of the first start ends when the container stops: follow the new run.
    const stream = await container.logs({ since: sinceSeconds });
    stream.on('data', (chunk: Buffer | string) => appendLogs(chunk.toString()));
  };
  return {
    host: container.getHost(),
    mappedPort: () => container.getMappedPort(EMQX_MQTT_PORT),
    async stop(timeoutMs) {
      await runtime.container.stop(docker, { timeout: timeoutMs });
    },
    async kill() {
      try {
        await docker.kill({ signal: 'SIGKILL' });
      } catch (error) {
        if (!isNotRunning(error)) throw error;
      }
      await docker.wait({ condition: 'not-running' });
    },
    async start() {
      const since = Math.floor(Date.now() / 1000);
      await container.restart();
      await followLogs(since);
    },
    async remove() {
      await container.stop({ timeout: 0, remove: true, removeVolumes: true });
    },
  };
}

const MAX_LOG_CHARS = 256 * 1024;

/**
 * Starts EMQX in a container and resolves with a {@link BrokerHandle} (anonymous access).
 *
 * - `stop()`: `docker stop` (SIGTERM; Docker SIGKILLs after {@link DEFAULT_EMQX_STOP_TIMEOUT_MS}),
 *   the container is kept so `restart()` works.
 * - `kill()`: `docker kill` (SIGKILL) of the container's main process, a crash: no clean
 *   shutdown, no DISCONNECTs; resolves once the container stopped.
 * - `restart({ signal })`: stops the container (SIGTERM, or SIGKILL with `signal: 'SIGKILL'`) and
 *   starts the same container again, resolving once EMQX logs that it is running. With the
 *   default `hostPort`, the host port is bound explicitly, so `url`, `host` and `port` are the
 *   same before and after (clients reconnect to the same address). With `hostPort: 'random'`,
 *   Docker may publish another port after the restart: `url`, `port` and `clientOptions()` then
 *   return the new one, so read them again after `restart()` (a client created with the old
 *   options keeps reconnecting to the old port).
 * - `close()`: removes the container (and is what the vitest teardown calls).
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
  const appendLogs = (chunk: string): void => {
    if (logs.length < MAX_LOG_CHARS) logs += chunk;
  };
  const start = (hostPort: number | undefined): Promise<StartedTestContainer> =>
    new GenericContainer(image)
      .withExposedPorts(
        hostPort === undefined ? EMQX_MQTT_PORT : { container: EMQX_MQTT_PORT, host: hostPort },
      )
      .withEnvironment(options.environment ?? {})
      .withStartupTimeout(options.startTimeoutMs ?? DEFAULT_EMQX_START_TIMEOUT_MS)
      .withWaitStrategy(Wait.forLogMessage(/is running now/))
      .withLogConsumer((stream) => {
        stream.on('data', (chunk: Buffer | string) => appendLogs(chunk.toString()));
      })
      .start();

  let container: StartedTestContainer | undefined;
  try {
    if (typeof options.hostPort === 'number') {
      container = await start(options.hostPort);
    } else if (options.hostPort === undefined) {
      for (let attempt = 1; container === undefined && attempt <= FIXED_PORT_ATTEMPTS; attempt++) {
        try {
          container = await start(await findFreePort());
        } catch (error) {
          if (!isPortBindingConflict(error)) throw error;
        }
      }
    }
    container ??= await start(undefined);
  } catch (error) {
    throw new BrokerUnavailableError({
      target: 'emqx',
      reason: `could not start ${image}: ${(error as Error).message}`,
      cause: error,
    });
  }
  let control: EmqxContainerControl;
  try {
    control = await testcontainersControl(container, appendLogs);
  } catch (error) {
    await container.stop({ timeout: 0, remove: true, removeVolumes: true }).catch(() => {});
    throw error;
  }
  return createEmqxHandle(control, () => logs);
}
