import { Message, StreamResponse, type Task, TaskState } from '@a2a-js/sdk';
import type { A2AMqttClient } from '@a2a-mqtt/client';
import { sendMessageRequest, stateName, summarizeStreamItem } from '@a2a-mqtt/demo/agents';
import { A2A_MQTT_ERROR_CODE, isA2AMqttError, isUuidV4 } from '@a2a-mqtt/protocol';
import type { ResolvedConfig } from '../config.js';
import { withAgentClient } from '../connect.js';
import { CliError, EXIT_CODE, type ExitCode, usageError } from '../exit-codes.js';
import { formatStreamItem, formatTask, taskJson } from '../format.js';
import { type CliIo, writeJson, writeLine } from '../io.js';
import { recordTask } from '../task-records.js';

/** Options of `a2a-mqtt send`. */
export interface SendOptions {
  agent: string;
  text: string;
  stream: boolean;
  taskId?: string;
  contextId?: string;
  timeoutMs?: number;
  json: boolean;
}

const UNSUCCESSFUL = new Set<TaskState>([
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

/** `a2a-mqtt send <agent> <text> [--stream] [--task <id>] [--context <id>]`. */
export async function sendCommand(
  config: ResolvedConfig,
  options: SendOptions,
  io: CliIo,
): Promise<ExitCode> {
  if (options.taskId !== undefined && !isUuidV4(options.taskId)) {
    throw usageError(`--task must be a UUIDv4 task id (got "${options.taskId}")`);
  }
  if (options.contextId !== undefined && !isUuidV4(options.contextId)) {
    throw usageError(`--context must be a UUIDv4 context id (got "${options.contextId}")`);
  }
  const clientOptions =
    options.timeoutMs === undefined ? {} : { policy: { firstReplyTimeoutMs: options.timeoutMs } };
  return withAgentClient(config, io, options.agent, clientOptions, async (agent) => {
    try {
      return await sendTo(agent, options, io);
    } catch (error) {
      if (
        isA2AMqttError(error, A2A_MQTT_ERROR_CODE.NO_MATCHING_SUBSCRIBERS) &&
        agent.entry.status === 'offline'
      ) {
        const source = agent.entry.statusSource ? ` (${agent.entry.statusSource})` : '';
        throw new CliError(
          `agent "${agent.entry.id}" is offline${source}: nothing serves its request topic`,
          EXIT_CODE.TIMEOUT,
        );
      }
      throw error;
    }
  });
}

async function sendTo(agent: A2AMqttClient, options: SendOptions, io: CliIo): Promise<ExitCode> {
  const request = sendMessageRequest(options.text, {
    ...(options.taskId === undefined ? {} : { taskId: options.taskId }),
    ...(options.contextId === undefined ? {} : { contextId: options.contextId }),
  });
  if (options.stream) {
    let finalState: TaskState | undefined;
    let taskId = '';
    let contextId = '';
    const previous: { artifactId?: string } = {};
    for await (const item of agent.client.sendMessageStream(request, { signal: io.signal })) {
      const summary = summarizeStreamItem(item);
      if (summary.kind !== 'empty') {
        if (!taskId && summary.taskId) {
          // Recorded at once: a stream stopped with Ctrl-C can still be followed or canceled.
          await recordTask(io.env, summary.taskId, { agent: agent.entry.id });
        }
        taskId ||= summary.taskId;
        contextId ||= summary.contextId;
      }
      if (summary.kind === 'status' && summary.final) finalState = stateOf(item);
      if (options.json) {
        writeJson(io.stdout, StreamResponse.toJSON(item));
      } else {
        const line = formatStreamItem(item, previous);
        if (line !== undefined) writeLine(io.stdout, line);
      }
    }
    if (!options.json) {
      writeLine(io.stderr, `task ${taskId} (context ${contextId}): ${stateName(finalState)}`);
    }
    return finalState !== undefined && UNSUCCESSFUL.has(finalState)
      ? EXIT_CODE.FAILURE
      : EXIT_CODE.OK;
  }
  const result = await agent.client.sendMessage(request, { signal: io.signal });
  if ('status' in result) {
    const task = result as Task;
    await recordTask(io.env, task.id, { agent: agent.entry.id });
    if (options.json) writeJson(io.stdout, taskJson(task));
    else writeLine(io.stdout, formatTask(task));
    const state = task.status?.state;
    return state !== undefined && UNSUCCESSFUL.has(state) ? EXIT_CODE.FAILURE : EXIT_CODE.OK;
  }
  if (options.json) writeJson(io.stdout, Message.toJSON(result));
  else {
    writeLine(
      io.stdout,
      result.parts
        .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
        .join(''),
    );
  }
  return EXIT_CODE.OK;
}

function stateOf(item: StreamResponse): TaskState | undefined {
  return item.payload?.$case === 'statusUpdate' ? item.payload.value.status?.state : undefined;
}
