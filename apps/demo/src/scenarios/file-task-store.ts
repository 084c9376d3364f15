import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ListTasksRequest, type ListTasksResponse, Task, TaskState } from '@a2a-js/sdk';
import type { ServerCallContext, TaskStore } from '@a2a-js/sdk/server';
import { TERMINAL_STATES } from '../agents/describe.js';

/**
 * A durable {@link TaskStore} for the demo: one JSON file per task in a directory, written
 * atomically (temp file + rename), so an agent that restarts finds its tasks where it left
 * them. Not for production (no owner scoping, no locking across processes): use
 * `DatabaseTaskStore` from `@a2a-js/sdk/server/database` there.
 */
export class FileTaskStore implements TaskStore {
  readonly #directory: string;
  #ready: Promise<unknown> | undefined;

  constructor(directory: string) {
    this.#directory = directory;
  }

  #ensure(): Promise<unknown> {
    this.#ready ??= mkdir(this.#directory, { recursive: true });
    return this.#ready;
  }

  #file(taskId: string): string {
    // Task ids are UUIDs here; anything else is encoded so it cannot leave the directory.
    return join(this.#directory, `${encodeURIComponent(taskId)}.json`);
  }

  async save(task: Task, _context?: ServerCallContext): Promise<void> {
    await this.#ensure();
    const file = this.#file(task.id);
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, JSON.stringify(Task.toJSON(task)));
    await rename(temp, file);
  }

  async load(taskId: string, _context?: ServerCallContext): Promise<Task | undefined> {
    try {
      return Task.fromJSON(JSON.parse(await readFile(this.#file(taskId), 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Every stored task. */
  async all(): Promise<Task[]> {
    await this.#ensure();
    const names = (await readdir(this.#directory)).filter((name) => name.endsWith('.json'));
    const tasks = await Promise.all(
      names.map((name) => this.load(decodeURIComponent(name.slice(0, -'.json'.length)))),
    );
    return tasks.filter((task): task is Task => task !== undefined);
  }

  /** Tasks that are neither terminal nor waiting for input: work to resume after a restart. */
  async unfinished(): Promise<Task[]> {
    return (await this.all()).filter((task) => {
      const state = task.status?.state;
      return state === TaskState.TASK_STATE_SUBMITTED || state === TaskState.TASK_STATE_WORKING;
    });
  }

  async list(params: ListTasksRequest, _context?: ServerCallContext): Promise<ListTasksResponse> {
    const matching = (await this.all()).filter(
      (task) =>
        (!params.contextId || task.contextId === params.contextId) &&
        (!params.status || task.status?.state === params.status),
    );
    const pageSize = Math.min(Math.max(params.pageSize ?? 50, 1), 100);
    const start = params.pageToken ? Number.parseInt(params.pageToken, 10) || 0 : 0;
    const page = matching.slice(start, start + pageSize);
    const next = start + pageSize < matching.length ? String(start + pageSize) : '';
    return {
      tasks: page.map((task) => (params.includeArtifacts ? task : { ...task, artifacts: [] })),
      nextPageToken: next,
      pageSize,
      totalSize: matching.length,
    };
  }

  /** `true` once the task reached a terminal state. */
  static isTerminal(task: Task | undefined): boolean {
    const state = task?.status?.state;
    return state !== undefined && TERMINAL_STATES.has(state);
  }
}
