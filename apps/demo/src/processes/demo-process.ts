/**
 * The parent side of the demo's child processes: a real diagnosis agent that scenario 2 kills
 * with SIGKILL and starts again, a real platform node that scenario 3 kills. Every child is
 * tracked and SIGKILLed when this process exits, whatever the exit path; a child also exits
 * on its own when its stdin closes (this process is gone).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { Observations, type WaitOptions } from '../scenarios/support.js';

/** The demo's child-process entry points (`apps/demo/dist/<name>.mjs`). */
export type DemoProcessName = 'diagnosis-agent' | 'platform-node';

/** How long {@link DemoProcess.stop} waits after SIGTERM before it sends SIGKILL. */
export const DEFAULT_DEMO_PROCESS_STOP_TIMEOUT_MS = 5_000;

/** A line a child printed on stdout (one JSON object), or its exit. */
export interface DemoProcessEvent {
  event: string;
  [key: string]: unknown;
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILLs every child process still running (synchronous: usable in an `exit` handler). */
export function killDemoProcessesSync(): void {
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
}

/** The number of child processes still running (for tests). */
export function runningDemoProcessCount(): number {
  return children.size;
}

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killDemoProcessesSync);
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
}

function demoPackageRoot(): string | undefined {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      try {
        const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
        if (name === '@a2a-mqtt/demo') return directory;
      } catch {
        // not ours
      }
    }
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/**
 * The built entry point of a child process (`apps/demo/dist/<name>.mjs`), or `undefined` when
 * the demo is not built (the scenarios then fall back to an in-process crash and say so).
 */
export function demoProcessEntry(name: DemoProcessName): string | undefined {
  const root = demoPackageRoot();
  if (root === undefined) return undefined;
  const file = join(root, 'dist', `${name}.mjs`);
  return existsSync(file) ? file : undefined;
}

/** A running child process of the demo. */
export class DemoProcess {
  /** What it printed (JSON lines), then `{ event: 'exit' }`. */
  readonly events = new Observations<DemoProcessEvent>();
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;

  constructor(
    readonly name: DemoProcessName,
    child: ChildProcess,
    logger: Logger,
  ) {
    this.#child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.events.push({ event: 'exit', code, signal });
        resolve({ code, signal });
      });
    });
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          const event = JSON.parse(line) as DemoProcessEvent;
          if (typeof event.event === 'string') this.events.push(event);
        } catch {
          logger.debug({ process: name, line }, 'child process printed a non-JSON line');
        }
      });
    }
    // Writing to a child that already died must not crash the demo.
    child.stdin?.on('error', () => undefined);
  }

  /** The OS process id. */
  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The first event named `type`; rejects when the process exits first or after the bound. */
  async waitForEvent(type: string, options: WaitOptions): Promise<DemoProcessEvent> {
    const found = await this.events.waitFor(
      (events) =>
        events.find((event) => event.event === type) ??
        events.find((event) => event.event === 'exit'),
      options,
    );
    if (found === true || found.event !== type) {
      const exit: Partial<DemoProcessEvent> = found === true ? {} : found;
      throw new Error(
        `${this.name} (pid ${this.pid}) exited (code ${String(exit.code)}, signal ${String(exit.signal)}) before ${options.what}`,
      );
    }
    return found;
  }

  /** SIGKILL: the OS closes its sockets without DISCONNECT. Resolves once it has exited. */
  async kill(): Promise<void> {
    if (this.running) this.#child.kill('SIGKILL');
    await this.exited;
  }

  /**
   * SIGTERM (the child stops gracefully), then SIGKILL if it is still running after
   * `timeoutMs`. Resolves `true` when it stopped on its own.
   */
  async stop(timeoutMs = DEFAULT_DEMO_PROCESS_STOP_TIMEOUT_MS): Promise<boolean> {
    if (!this.running) return true;
    this.#child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!graceful) await this.kill();
    return graceful;
  }
}

/** Options of {@link startDemoProcess}. */
export interface StartDemoProcessOptions {
  /** The built entry (from {@link demoProcessEntry}). */
  entry: string;
  /** Command-line arguments (no secrets: they show in `ps`). */
  args: string[];
  /** Extra environment (the broker URL with its credentials goes here). */
  env: Record<string, string>;
  logger: Logger;
}

/**
 * Starts a child process of the demo (`node <entry> <args>`): stdout carries its JSON events,
 * stderr is this process's (its pino logs), stdin stays open so the child notices when this
 * process is gone.
 */
export function startDemoProcess(
  name: DemoProcessName,
  options: StartDemoProcessOptions,
): DemoProcess {
  const child = spawn(process.execPath, [options.entry, ...options.args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...options.env },
  });
  track(child);
  const handle = new DemoProcess(name, child, options.logger);
  child.once('error', (error) => {
    options.logger.error({ err: error, process: name }, 'child process failed to start');
  });
  return handle;
}
