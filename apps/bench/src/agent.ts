import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  type AgentCard,
  type Artifact,
  type Message,
  type Part,
  type SendMessageRequest,
  StreamResponse,
  type Task,
} from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor, type ExecutionEventBus } from '@a2a-js/sdk/server';

// Numeric values of the SDK's enums (the enums are type-only exports of the SDK).
export const ROLE_USER = 1;
export const TASK_STATE_WORKING = 2;
export const TASK_STATE_COMPLETED = 3;

/** Text size of each request (the echo agent answers with the same text as an artifact). */
export const PAYLOAD_TEXT_BYTES = 256;

export function textPart(text: string): Part {
  return {
    content: { $case: 'text', value: text },
    mediaType: 'text/plain',
    filename: '',
    metadata: undefined,
  };
}

const PAYLOAD_TEXT = 'x'.repeat(PAYLOAD_TEXT_BYTES);

/** A fresh non-streaming SendMessage request with the bench payload. */
export function echoRequest(text: string = PAYLOAD_TEXT): SendMessageRequest {
  const message: Message = {
    messageId: randomUUID(),
    contextId: '',
    taskId: '',
    role: ROLE_USER,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
  return { tenant: '', message, configuration: undefined, metadata: undefined };
}

/** The card every contender serves (interfaces are filled in per transport). */
export function benchCard(supportedInterfaces: AgentCard['supportedInterfaces'] = []): AgentCard {
  return {
    name: 'bench-echo',
    description: 'Echo agent used by the a2a-mqtt benchmarks.',
    supportedInterfaces,
    provider: undefined,
    version: '1.0.0',
    documentationUrl: undefined,
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extensions: [],
      extendedAgentCard: false,
    },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: 'echo',
        name: 'echo',
        description: 'Echoes the request text.',
        tags: ['bench'],
        examples: [],
        inputModes: [],
        outputModes: [],
        securityRequirements: [],
      },
    ],
    signatures: [],
    iconUrl: undefined,
  } as AgentCard;
}

function artifact(id: string, parts: Part[]): Artifact {
  return { artifactId: id, name: id, description: '', parts, metadata: undefined, extensions: [] };
}

/** Answers every message with a completed task whose artifact echoes the message parts. */
export function echoExecutor(): AgentExecutor {
  return {
    async execute(requestContext, bus) {
      const task: Task = {
        id: requestContext.taskId,
        contextId: requestContext.contextId,
        status: {
          state: TASK_STATE_COMPLETED,
          message: undefined,
          timestamp: new Date().toISOString(),
        },
        artifacts: [artifact('echo', requestContext.userMessage.parts)],
        history: [],
        metadata: undefined,
      };
      bus.publish(AgentEvent.task(task));
      bus.finished();
    },
    async cancelTask() {},
  };
}

/** Text of the warm-up request of the streaming scenario (answered with a short stream). */
export const STREAM_WARMUP_TEXT = 'warm-up';

/** Artifact updates of the warm-up stream (at most the measured stream's count). */
export const STREAM_WARMUP_EVENTS = 200;

/** Shape of the streaming scenario. */
export interface StreamShape {
  /** Artifact updates emitted by the one task. */
  events: number;
  /** `false`: the same artifact replaced each time; `true`: token-style chunks appended to one artifact. */
  append: boolean;
}

/**
 * Emits one working task, `events` artifact updates of the given shape, then completes.
 *
 * It yields to the event loop after every update, as a real token stream does (it waits for
 * the model): an executor that published everything in one synchronous burst would have the
 * whole stream processed in one chain of microtasks, and Node (HTTP's `res.write`, mqtt.js)
 * only flushes corked socket writes after that chain, so nothing would reach the client
 * until the end.
 */
export function streamExecutor(shape: StreamShape): AgentExecutor {
  return {
    async execute(requestContext, bus) {
      const { taskId, contextId } = requestContext;
      // The warm-up request gets a short stream of the same shape (JIT and connection warm).
      const first = requestContext.userMessage.parts[0]?.content;
      const events =
        first?.$case === 'text' && first.value === STREAM_WARMUP_TEXT
          ? Math.min(STREAM_WARMUP_EVENTS, shape.events)
          : shape.events;
      bus.publish(
        AgentEvent.task({
          id: taskId,
          contextId,
          status: {
            state: TASK_STATE_WORKING,
            message: undefined,
            timestamp: new Date().toISOString(),
          },
          artifacts: [],
          history: [],
          metadata: undefined,
        }),
      );
      for (let i = 0; i < events; i++) {
        bus.publish(
          AgentEvent.artifactUpdate({
            taskId,
            contextId,
            artifact: shape.append
              ? artifact('tokens', [textPart(`tok${i} `)])
              : artifact('progress', [textPart(`${i + 1}/${events}`)]),
            append: shape.append && i > 0,
            lastChunk: i === events - 1,
            metadata: undefined,
          }),
        );
        await yieldToEventLoop();
      }
      complete(bus, taskId, contextId);
    },
    async cancelTask() {},
  };
}

/**
 * Bytes of one JSON-RPC stream item of {@link streamExecutor} (its middle artifact update, with
 * UUID task and context ids), for the raw streaming floor to move the same sizes.
 */
export function streamItemBytes(shape: StreamShape): number {
  const i = Math.floor(shape.events / 2);
  const taskId = randomUUID();
  const update = {
    taskId,
    contextId: randomUUID(),
    artifact: shape.append
      ? artifact('tokens', [textPart(`tok${i} `)])
      : artifact('progress', [textPart(`${i + 1}/${shape.events}`)]),
    append: shape.append,
    lastChunk: false,
    metadata: undefined,
  };
  const result = StreamResponse.toJSON({ payload: { $case: 'artifactUpdate', value: update } });
  return Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', id: randomUUID(), result }));
}

/**
 * Keeps every task working until `release()`: publishes a working task, waits, then completes.
 * `held` counts the executions currently waiting.
 */
export function holdExecutor(): AgentExecutor & { held(): number; release(): void } {
  let waiting: Array<() => void> = [];
  return {
    held: () => waiting.length,
    release() {
      const resolvers = waiting;
      waiting = [];
      for (const resolve of resolvers) resolve();
    },
    async execute(requestContext, bus) {
      const { taskId, contextId } = requestContext;
      bus.publish(
        AgentEvent.task({
          id: taskId,
          contextId,
          status: {
            state: TASK_STATE_WORKING,
            message: undefined,
            timestamp: new Date().toISOString(),
          },
          artifacts: [artifact('echo', requestContext.userMessage.parts)],
          history: [],
          metadata: undefined,
        }),
      );
      await new Promise<void>((resolve) => waiting.push(resolve));
      complete(bus, taskId, contextId);
    },
    async cancelTask() {},
  };
}

/** Publishes the COMPLETED status update of a task and ends its execution. */
function complete(bus: ExecutionEventBus, taskId: string, contextId: string): void {
  bus.publish(
    AgentEvent.statusUpdate({
      taskId,
      contextId,
      status: {
        state: TASK_STATE_COMPLETED,
        message: undefined,
        timestamp: new Date().toISOString(),
      },
      metadata: undefined,
    }),
  );
  bus.finished();
}
