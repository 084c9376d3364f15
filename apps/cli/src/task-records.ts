import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDirectory } from './config.js';

/** How many task ids `send` remembers (oldest forgotten first). */
export const MAX_TASK_RECORDS = 500;

/** Where a task sent from this CLI lives. */
export interface TaskRecord {
  /** The agent that holds it: `{org}/{unit}/{agent}`. */
  agent: string;
}

function recordsFile(env: NodeJS.ProcessEnv): string {
  return join(stateDirectory(env), 'tasks.json');
}

async function readRecords(env: NodeJS.ProcessEnv): Promise<Record<string, TaskRecord>> {
  try {
    const parsed = JSON.parse(await readFile(recordsFile(env), 'utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, TaskRecord>)
      : {};
  } catch {
    return {};
  }
}

/** The agent a task id was sent to by `a2a-mqtt send` (undefined when not recorded). */
export async function findTaskRecord(
  env: NodeJS.ProcessEnv,
  taskId: string,
): Promise<TaskRecord | undefined> {
  const record = (await readRecords(env))[taskId];
  return record !== undefined && typeof record.agent === 'string' ? record : undefined;
}

/**
 * Remembers which agent holds `taskId`, so `task <id>` and `cancel <id>` work without
 * `--agent`. Best effort: a state directory that cannot be written only loses the shortcut.
 */
export async function recordTask(
  env: NodeJS.ProcessEnv,
  taskId: string,
  record: TaskRecord,
): Promise<void> {
  try {
    const records = await readRecords(env);
    delete records[taskId];
    records[taskId] = record;
    const ids = Object.keys(records);
    for (const id of ids.slice(0, Math.max(0, ids.length - MAX_TASK_RECORDS))) delete records[id];
    await mkdir(stateDirectory(env), { recursive: true, mode: 0o700 });
    const file = recordsFile(env);
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(records)}\n`, { mode: 0o600 });
    await rename(temporary, file);
  } catch {
    // Not fatal: the task can still be reached with --agent.
  }
}
