/**
 * Process-wide registry of every child process and temporary directory the harness creates.
 * Whatever happens to the test (failure, Ctrl-C, an uncaught error, `process.exit()`), the broker
 * processes are killed and their directories removed: on process `exit` (which Node also emits
 * after an uncaught exception or an unhandled rejection), on `SIGINT`, `SIGTERM` and `SIGHUP`,
 * and from the vitest teardown ({@link cleanupAll}).
 *
 * The state lives on `globalThis` under a `Symbol.for` key, so every copy of this module in a
 * process (ESM and CJS builds, sources and `dist`, a module evaluated again by a test runner)
 * shares one registry and installs the process hooks once. A process that is SIGKILLed runs no
 * hook at all: its brokers are then left running (the one case the harness cannot cover).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/** Signals after which the registry kills what it tracks, then lets the signal terminate. */
const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface RegistryState {
  readonly children: Set<ChildProcess>;
  readonly directories: Set<string>;
  readonly disposers: Set<() => Promise<void>>;
  hooksInstalled: boolean;
}

const STATE_KEY = Symbol.for('a2a-mqtt.test-harness.process-registry');

function registry(): RegistryState {
  const holder = globalThis as { [STATE_KEY]?: RegistryState };
  holder[STATE_KEY] ??= {
    children: new Set(),
    directories: new Set(),
    disposers: new Set(),
    hooksInstalled: false,
  };
  return holder[STATE_KEY];
}

/**
 * SIGKILLs every tracked child process and removes tracked directories, synchronously. This is
 * the handler installed on process `exit` (and used for `SIGINT` / `SIGTERM` / `SIGHUP`).
 */
export function killTrackedProcessesSync(): void {
  const { children, directories } = registry();
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  for (const directory of directories) {
    try {
      // A just-killed broker may still be writing its log: retry a directory that refilled.
      rmSync(directory, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort at exit
    }
  }
  directories.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killTrackedProcessesSync();
  for (const name of CLEANUP_SIGNALS) process.off(name, onSignal);
  // Keep the default behaviour (terminate by this signal) unless someone else handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks(): void {
  const state = registry();
  if (state.hooksInstalled) return;
  state.hooksInstalled = true;
  process.on('exit', killTrackedProcessesSync);
  for (const name of CLEANUP_SIGNALS) process.on(name, onSignal);
}

/** Tracks a child process until it exits; it is SIGKILLed if this process goes away first. */
export function trackChildProcess(child: ChildProcess): void {
  installHooks();
  const { children } = registry();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Tracks a temporary directory; it is removed at exit unless released before. */
export function trackDirectory(directory: string): void {
  installHooks();
  registry().directories.add(directory);
}

/** Stops tracking a directory (after it was removed). */
export function untrackDirectory(directory: string): void {
  registry().directories.delete(directory);
}

/** Registers an async disposer run by {@link cleanupAll}; returns a function that unregisters it. */
export function trackDisposer(dispose: () => Promise<void>): () => void {
  const { disposers } = registry();
  disposers.add(dispose);
  return () => {
    disposers.delete(dispose);
  };
}

/** The number of tracked child processes that have not exited yet. */
export function liveChildProcessCount(): number {
  return [...registry().children].filter(
    (child) => child.exitCode === null && child.signalCode === null,
  ).length;
}

/**
 * Disposes everything the harness started in this process (brokers, sniffers, containers),
 * then SIGKILLs any child process still alive. Used by the vitest teardown; safe to call twice.
 */
export async function cleanupAll(): Promise<void> {
  const { disposers } = registry();
  const pending = [...disposers];
  disposers.clear();
  await Promise.allSettled(pending.map((dispose) => dispose()));
  killTrackedProcessesSync();
}
