import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withTimeout } from './load.js';
import type { MemoryFigures, ServerCommand, ServerReply } from './protocol.js';

const live = new Set<ChildProcess>();

/** Kills every server process still running (used on abnormal exit). */
export function killAllServerProcesses(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** The parent side of a server process (see `server-role.ts`). */
export class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const reply = raw as ServerReply;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`server process: ${reply.error}`));
    });
    child.once('exit', (code, signal) => {
      live.delete(child);
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`server process exited (${code ?? signal})`));
      }
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forks this same script with `--role=server` and waits until it is ready. */
  static async start(): Promise<ServerProcess> {
    const script = fileURLToPath(import.meta.url);
    // BENCH_CPU_PROF_DIR=<dir>: each server process writes a V8 CPU profile there on exit.
    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    const child = fork(script, ['--role=server'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [
        ...process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof')),
        ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ],
    });
    live.add(child);
    const server = new ServerProcess(child);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        server.pending.set(0, { resolve: () => resolve(), reject });
      }),
      10_000,
      'server process start',
    );
    return server;
  }

  /** Sends one command and waits for its reply. */
  async request<T = unknown>(command: ServerCommand, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    this.child.send({ id, ...command });
    return (await withTimeout(reply, timeoutMs, `server command ${command.cmd}`)) as T;
  }

  memory(): Promise<MemoryFigures> {
    return this.request<MemoryFigures>({ cmd: 'memory' });
  }

  /** The process's CPU time so far (user + system, all its threads), in microseconds. */
  cpuMicros(): Promise<number> {
    return this.request<number>({ cmd: 'cpu' });
  }

  /** Closes the servers it runs, then ends the process (SIGKILL if it does not exit). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.request({ cmd: 'stop' }, 5_000).catch(() => {});
    this.child.disconnect();
    await withTimeout(exited, 3_000, 'server process exit').catch(() => {
      this.child.kill('SIGKILL');
    });
  }

  /** Ends the process at once (a stream that would otherwise run on for minutes). */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await withTimeout(exited, 3_000, 'server process kill').catch(() => {});
  }
}
