import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withTimeout } from './load.js';

/** A private mosquitto on 127.0.0.1 for one bench run. */
export interface BenchBroker {
  url: string;
  host: string;
  port: number;
  /** Who started it: the test harness or the bench's own fallback. */
  source: 'test-harness' | 'bench';
  /** Process id of the broker (for its CPU time), when known. */
  pid?: number;
  stop(): Promise<void>;
}

const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

/**
 * Starts a private broker with `set_tcp_nodelay true` and `max_queued_messages 20000`:
 * `startBroker` from `@a2a-mqtt/test-harness` when it is built, else mosquitto spawned here
 * with the same settings.
 */
export async function startBenchBroker(): Promise<BenchBroker> {
  try {
    const harness = (await import('@a2a-mqtt/test-harness')) as Record<string, unknown>;
    if (typeof harness.startBroker === 'function') {
      const handle = (await (harness.startBroker as (o?: object) => Promise<BrokerLike>)({
        profile: 'anonymous',
        maxQueuedMessages: 20_000,
      })) as BrokerLike;
      return {
        url: handle.url,
        host: handle.host,
        port: handle.port,
        source: 'test-harness',
        ...(handle.pid !== undefined ? { pid: handle.pid } : {}),
        stop: () => handle.stop(),
      };
    }
  } catch {
    // Not built yet (or not loadable): fall back to our own mosquitto below.
  }
  return spawnMosquitto();
}

interface BrokerLike {
  url: string;
  host: string;
  port: number;
  pid?: number | undefined;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function spawnMosquitto(): Promise<BenchBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'a2a-bench-mosquitto-'));
  const port = await freePort();
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'set_tcp_nodelay true',
    'max_queued_messages 20000',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
  ];
  if (process.getuid?.() === 0) lines.push('user root');
  const config = join(dir, 'mosquitto.conf');
  await writeFile(config, `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    logs = (logs + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 5_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on port ${port}: ${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    source: 'bench',
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await withTimeout(exited, 3_000, 'mosquitto stop').catch(() => {
          child.kill('SIGKILL');
        });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
