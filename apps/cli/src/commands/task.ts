import type { ResolvedConfig } from '../config.js';
import { withAgentClient } from '../connect.js';
import { EXIT_CODE, type ExitCode, usageError } from '../exit-codes.js';
import { formatTask, taskJson } from '../format.js';
import { type CliIo, writeJson, writeLine } from '../io.js';

/** `a2a-mqtt task <id> --agent <agent>` (GetTask) and `a2a-mqtt cancel <id> --agent <agent>`. */
export async function taskCommand(
  config: ResolvedConfig,
  options: { action: 'get' | 'cancel'; taskId: string; agent: string | undefined; json: boolean },
  io: CliIo,
): Promise<ExitCode> {
  const command = options.action === 'get' ? 'task' : 'cancel';
  if (options.agent === undefined) {
    throw usageError(`${command}: --agent <agent> is required (the agent that holds the task)`);
  }
  return withAgentClient(config, io, options.agent, {}, async (agent) => {
    const task =
      options.action === 'get'
        ? await agent.client.getTask({ tenant: '', id: options.taskId }, { signal: io.signal })
        : await agent.client.cancelTask(
            { tenant: '', id: options.taskId, metadata: undefined },
            { signal: io.signal },
          );
    if (options.json) writeJson(io.stdout, taskJson(task));
    else writeLine(io.stdout, formatTask(task));
    return EXIT_CODE.OK;
  });
}
