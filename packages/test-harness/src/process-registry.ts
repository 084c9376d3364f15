/**
 * Module-level registry of every child process and temporary directory the harness creates.
 * Whatever happens to the test (failure, Ctrl-C, an uncaught error), the broker processes are
 * killed and their directories removed: on process `exit`, `SIGINT`, `SIGTERM`, and from the
 * vitest teardown ({@link cleanupAll}).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const directories = new Set<string>();
const disposers = new Set<() => Promise<void>>();
let hooksInstalled = false;

/**
 * SIGKILLs every tracked child process and removes tracked directories, synchronously. This is
 * the handler installed on process `exit` (and used for `SIGINT` / `SIGTERM`).
 */
export function killTrackedProcessesSync(): void {
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
      rmSync(directory, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
  directories.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killTrackedProcessesSync();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // Keep the default behaviour (terminate) unless someone else handles the signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killTrackedProcessesSync);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Tracks a child process until it exits; it is SIGKILLed if this process goes away first. */
export function trackChildProcess(child: ChildProcess): void {
  installHooks();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Tracks a temporary directory; it is removed at exit unless released before. */
export function trackDirectory(directory: string): void {
  installHooks();
  directories.add(directory);
}

/** Stops tracking a directory (after it was removed). */
export function untrackDirectory(directory: string): void {
  directories.delete(directory);
}

/** Registers an async disposer run by {@link cleanupAll}; returns a function that unregisters it. */
export function trackDisposer(dispose: () => Promise<void>): () => void {
  disposers.add(dispose);
  return () => {
    disposers.delete(dispose);
  };
}

/** The number of tracked child processes that have not exited yet. */
export function liveChildProcessCount(): number {
  return [...children].filter((child) => child.exitCode === null && child.signalCode === null)
    .length;
}

/**
 * Disposes everything the harness started in this process (brokers, sniffers, containers),
 * then SIGKILLs any child process still alive. Used by the vitest teardown; safe to call twice.
 */
export async function cleanupAll(): Promise<void> {
  const pending = [...disposers];
  disposers.clear();
  await Promise.allSettled(pending.map((dispose) => dispose()));
  killTrackedProcessesSync();
}
