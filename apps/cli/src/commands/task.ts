import type { Task } from '@a2a-js/sdk';
import type { A2AMqttClient } from '@a2a-mqtt/client';
import type { MqttSession } from '@a2a-mqtt/connection';
import { createAgentDirectory } from '@a2a-mqtt/discovery';
import { isUuidV4 } from '@a2a-mqtt/protocol';
import type { ResolvedConfig } from '../config.js';
import { AGENT_LOOKUP_TIMEOUT_MS, agentClient, connectCli, withAgentClient } from '../connect.js';
import { CliError, EXIT_CODE, type ExitCode, usageError } from '../exit-codes.js';
import { formatTask, taskJson } from '../format.js';
import { type CliIo, writeJson, writeLine } from '../io.js';
import { findTaskRecord } from '../task-records.js';

/** Options of `a2a-mqtt task` and `a2a-mqtt cancel`. */
export interface TaskCommandOptions {
  action: 'get' | 'cancel';
  taskId: string;
  /** The agent holding the task; found from `send`'s record or by asking the agents when absent. */
  agent: string | undefined;
  json: boolean;
}

/**
 * `a2a-mqtt task <id> [--agent <agent>]` (GetTask) and `a2a-mqtt cancel <id> [--agent <agent>]`.
 * Without `--agent`, the agent is the one `a2a-mqtt send` recorded for the task, or else the
 * online agent of the org (or `--unit`) that knows the task.
 */
export async function taskCommand(
  config: ResolvedConfig,
  options: TaskCommandOptions,
  io: CliIo,
): Promise<ExitCode> {
  const command = options.action === 'get' ? 'task' : 'cancel';
  if (!isUuidV4(options.taskId)) {
    throw usageError(`${command}: <id> must be a UUIDv4 task id (got "${options.taskId}")`);
  }
  const act = async (agent: A2AMqttClient, known?: Task): Promise<ExitCode> => {
    const task =
      options.action === 'cancel'
        ? await agent.client.cancelTask(
            { tenant: '', id: options.taskId, metadata: undefined },
            { signal: io.signal },
          )
        : (known ??
          (await agent.client.getTask({ tenant: '', id: options.taskId }, { signal: io.signal })));
    if (options.json) writeJson(io.stdout, taskJson(task));
    else writeLine(io.stdout, formatTask(task));
    return EXIT_CODE.OK;
  };
  const reference = options.agent ?? (await findTaskRecord(io.env, options.taskId))?.agent;
  if (reference !== undefined) return withAgentClient(config, io, reference, {}, (a) => act(a));
  const session = await connectCli(config, io);
  try {
    const found = await findTaskHolder(session, config, io, options.taskId);
    try {
      return await act(found.agent, found.task);
    } finally {
      await found.agent.close();
    }
  } finally {
    await session.close();
  }
}

/** Asks every online agent of the scope for the task; the first that has it wins. */
async function findTaskHolder(
  session: MqttSession,
  config: ResolvedConfig,
  io: CliIo,
  taskId: string,
): Promise<{ agent: A2AMqttClient; task: Task }> {
  const directory = createAgentDirectory({
    session,
    scope: config.unitExplicit ? { org: config.org, unit: config.unit } : { org: config.org },
    topics: config.topics,
    logger: io.logger,
  });
  let entries: ReturnType<typeof directory.list>;
  try {
    await directory.start();
    entries = directory.list({ status: 'online' });
  } finally {
    await directory.close();
  }
  const where = config.unitExplicit ? `${config.org}/${config.unit}` : `org ${config.org}`;
  const notFound = new CliError(
    `task ${taskId} not found on the ${entries.length} online agent(s) of ${where} (pass --agent <agent>)`,
    EXIT_CODE.NOT_FOUND,
  );
  if (entries.length === 0) throw notFound;
  const policy = { firstReplyTimeoutMs: AGENT_LOOKUP_TIMEOUT_MS, maxAttempts: 1 };
  const attempts = entries.map(async (entry) => {
    const agent = await agentClient(session, config, io, entry, { policy });
    try {
      const task = await agent.client.getTask({ tenant: '', id: taskId }, { signal: io.signal });
      return { agent, task };
    } catch (error) {
      await agent.close();
      throw error;
    }
  });
  try {
    const winner = await Promise.any(attempts);
    // Release the clients of any other agent that (also) answered.
    void Promise.allSettled(attempts).then((results) => {
      for (const result of results) {
        if (result.status === 'fulfilled' && result.value !== winner)
          void result.value.agent.close();
      }
    });
    return winner;
  } catch {
    if (io.signal.aborted) throw new CliError('interrupted', EXIT_CODE.INTERRUPTED);
    throw notFound;
  }
}
