import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  killTrackedProcessesSync,
  liveChildProcessCount,
  type MosquittoBrokerHandle,
  startBroker,
} from './index.js';
import { trackChildProcess } from './process-registry.js';
import { useHarnessCleanup } from './vitest.js';
import { waitFor, waitForEvent } from './wait.js';

/** Whether `pid` is a live process (a zombie awaiting its reaper counts as gone). */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the state follows the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The built harness (turbo builds `dist` before `test:integration`). */
const HARNESS_DIST = join(dirname(fileURLToPath(import.meta.url)), '../dist/index.mjs');

function assertHarnessBuilt(): void {
  if (!existsSync(HARNESS_DIST)) {
    throw new Error(
      `${HARNESS_DIST} is missing: build the harness first (pnpm --filter @a2a-mqtt/test-harness build)`,
    );
  }
}

describe('process registry', () => {
  it('installs the exit hook and SIGKILLs tracked children from it', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    trackChildProcess(child);
    expect(process.listeners('exit')).toContain(killTrackedProcessesSync);
    expect(process.listeners('SIGTERM').length).toBeGreaterThan(0);
    expect(process.listeners('SIGHUP').length).toBeGreaterThan(0);
    const exited = waitForEvent<[number | null, NodeJS.Signals | null]>(child, 'exit', {
      timeoutMs: 5_000,
    });
    killTrackedProcessesSync();
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');
    expect(processAlive(child.pid!)).toBe(false);
  });

  it('is one registry per process, shared by every copy of the module (sources and dist)', async () => {
    assertHarnessBuilt();
    const dist = (await import(pathToFileURL(HARNESS_DIST).href)) as typeof import('./index.js');
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    trackChildProcess(child);
    expect(dist.liveChildProcessCount()).toBe(liveChildProcessCount());
    expect(dist.liveChildProcessCount()).toBeGreaterThan(0);
    // One exit hook for both copies (hooks are installed once per process).
    const hooks = [killTrackedProcessesSync, dist.killTrackedProcessesSync];
    expect(
      process.listeners('exit').filter((listener) => hooks.includes(listener as never)),
    ).toHaveLength(1);
    const exited = waitForEvent<[number | null, NodeJS.Signals | null]>(child, 'exit', {
      timeoutMs: 5_000,
    });
    dist.killTrackedProcessesSync();
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');
  });

  it('cleanupAll() stops every broker the harness started and removes its directory', async () => {
    const first = await startBroker();
    const second = await startBroker({ profile: 'persistent' });
    const pids = [first.pid, second.pid];
    expect(pids.every(processAlive)).toBe(true);
    await cleanupAll();
    expect(pids.some(processAlive)).toBe(false);
    expect(existsSync(first.dataDir) || existsSync(second.dataDir)).toBe(false);
    expect(liveChildProcessCount()).toBe(0);
  });
});

describe('useHarnessCleanup()', () => {
  let leaked: MosquittoBrokerHandle | undefined;

  describe('a block whose test leaves a broker running', () => {
    useHarnessCleanup();
    it('starts a broker and never closes it', async () => {
      leaked = await startBroker();
      expect(leaked.running).toBe(true);
    });
  });

  it('finds that broker stopped and its directory removed once the block ended', () => {
    expect(leaked).toBeDefined();
    expect(leaked?.running).toBe(false);
    expect(processAlive(leaked!.pid)).toBe(false);
    expect(existsSync(leaked!.dataDir)).toBe(false);
  });
});

/**
 * A Node process that starts a broker with the built harness (turbo builds `dist` before
 * `test:integration`), reports its PID and directory on stdout, and once the parent writes a
 * line on its stdin (after checking the broker is up) ends as `SCENARIO` says.
 */
const CHILD_SCRIPT = `
const { startBroker } = await import(process.env.HARNESS_ENTRY);
const broker = await startBroker();
process.stdout.write(JSON.stringify({ pid: broker.pid, dataDir: broker.dataDir }) + '\\n');
process.stdin.once('data', () => {
  switch (process.env.SCENARIO) {
    case 'uncaught-error':
      throw new Error('deliberate uncaught error');
    case 'unhandled-rejection':
      Promise.reject(new Error('deliberate unhandled rejection'));
      break;
    case 'exit':
      process.exit(1);
  }
});
`;

const SPAWN_TIMEOUT_MS = 20_000;

interface StartedBroker {
  pid: number;
  dataDir: string;
}

describe('brokers always stop when the process that started them ends', () => {
  const children: ChildProcess[] = [];
  const brokers: StartedBroker[] = [];

  beforeAll(assertHarnessBuilt);

  afterEach(async () => {
    // Whatever a failed assertion left behind: the child, then its broker and directory.
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = waitForEvent(child, 'exit', { timeoutMs: 5_000 });
        child.kill('SIGKILL');
        await exited;
      }
    }
    for (const broker of brokers.splice(0)) {
      if (processAlive(broker.pid)) process.kill(broker.pid, 'SIGKILL');
      rmSync(broker.dataDir, { recursive: true, force: true });
    }
  });

  async function runScenario(
    scenario: string,
    signal?: NodeJS.Signals,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT], {
      env: { ...process.env, HARNESS_ENTRY: pathToFileURL(HARNESS_DIST).href, SCENARIO: scenario },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = waitForEvent<[number | null, NodeJS.Signals | null]>(child, 'exit', {
      timeoutMs: SPAWN_TIMEOUT_MS,
    });
    const lines = createInterface({ input: child.stdout! });
    const [line] = await Promise.race([
      waitForEvent<[string]>(lines, 'line', { timeoutMs: SPAWN_TIMEOUT_MS }),
      exited.then(([code, exitSignal]) => {
        throw new Error(
          `the child exited (${code ?? exitSignal}) before reporting its broker:\n${stderr}`,
        );
      }),
    ]);
    lines.close();
    const broker = JSON.parse(line) as StartedBroker;
    brokers.push(broker);
    expect(processAlive(broker.pid)).toBe(true);
    expect(existsSync(broker.dataDir)).toBe(true);

    // Now end the child: by a signal, or by its scenario (any line on stdin starts it).
    if (signal !== undefined) child.kill(signal);
    else child.stdin?.write('go\n');
    const [code, exitSignal] = await exited;
    // The hook SIGKILLed mosquitto synchronously; its reaper may take a moment to collect it.
    await waitFor(() => !processAlive(broker.pid), {
      timeoutMs: 5_000,
      description: `mosquitto (pid ${broker.pid}) gone after the child ended (${scenario})`,
    });
    expect(existsSync(broker.dataDir)).toBe(false);
    return { code, signal: exitSignal, stderr };
  }

  it('an uncaught error', async () => {
    const result = await runScenario('uncaught-error');
    expect(result).toMatchObject({ code: 1, signal: null });
    expect(result.stderr).toContain('deliberate uncaught error');
  });

  it('an unhandled promise rejection', async () => {
    const result = await runScenario('unhandled-rejection');
    expect(result).toMatchObject({ code: 1, signal: null });
    expect(result.stderr).toContain('deliberate unhandled rejection');
  });

  it('process.exit(1)', async () => {
    expect(await runScenario('exit')).toMatchObject({ code: 1, signal: null });
  });

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${signal} (and the child still ends by that signal)`, async () => {
      expect(await runScenario('wait-for-signal', signal)).toMatchObject({ code: null, signal });
    });
  }
});
