/**
 * One served agent: the adapter from a checked MQTT request to @a2a-js/sdk's
 * `JsonRpcTransportHandler`, following the SDK's own HTTP adapter step by step (build the
 * call context, validate the version for our binding, `handle()`, publish; peek the first
 * stream item before treating a result as a stream). The only logic of our own is the
 * binding's: requester-generated Task.id adoption, retry de-duplication by Task.id +
 * messageId, and stream termination as the MQTT profile defines it.
 */
import { randomUUID } from 'node:crypto';
import { type AgentCard, Task as TaskCodec, TaskState } from '@a2a-js/sdk';
import {
  type A2ARequestHandler,
  defaultServerCallContextBuilder,
  JsonRpcTransportHandler,
  type ServerCallContext,
  type ServerCallContextBuilder,
  type TaskStore,
  type User,
  validateVersion,
} from '@a2a-js/sdk/server';
import type { Logger } from '@a2a-mqtt/connection';
import {
  type AgentAddress,
  buildJsonRpcError,
  DEFAULT_A2A_VERSION,
  isMqttProtocolBinding,
  isUuidV4,
  JSON_RPC_ERROR_CODE,
  type JsonRpcId,
  MQTT_PROTOCOL_BINDING,
  type UserProperties,
} from '@a2a-mqtt/protocol';
import {
  type AuthenticateHook,
  readBearerToken,
  readServiceParameters,
  withoutAuthorization,
} from './call-context.js';
import { KeyedLock } from './keyed-lock.js';
import type { MetricsRecorder } from './metrics.js';
import {
  checkBindingProperties,
  type JsonRpcRequestObject,
  messageOf,
  protocolError,
  SEND_METHODS,
} from './request-envelope.js';
import { taskStoreOf } from './request-handler.js';
import { TASK_ADOPTION_STATE_KEY, type TaskAdoption } from './requester-task-id-store.js';

type Task = Awaited<ReturnType<A2ARequestHandler['getTask']>>;
type JsonRpcResponse = { jsonrpc: string; id: JsonRpcId; result?: unknown; error?: unknown };

/** @internal Publishes the replies of one request (Correlation Data echoed by the caller). */
export interface ReplyChannel {
  /** Publishes one JSON-RPC response object; resolves `false` when it could not be sent. */
  send(body: unknown): Promise<boolean>;
  /** Serialises one response object (once) for {@link ReplyChannel.sendSerialized}. */
  serialize(body: unknown): SerializedReply;
  /** Publishes a serialised response; same outcome as {@link ReplyChannel.send}. */
  sendSerialized(reply: SerializedReply): Promise<boolean>;
  /** Adds `A2A-Extensions` (activated extensions) to every later reply of this request. */
  setActivatedExtensions(extensions: readonly string[]): void;
}

/** @internal One serialised reply. */
export interface SerializedReply {
  readonly body: unknown;
  readonly payload: string;
  readonly isError: boolean;
  /**
   * True when the publish certainly fits the broker's Maximum Packet Size, so it cannot be
   * refused before sending (only such items are pipelined in a stream).
   */
  readonly fits: boolean;
}

/**
 * Stream items published without waiting for their PUBACK (per stream). mqtt.js writes one
 * connection's publishes in call order, so pipelining keeps the items' order; the window stays
 * below mosquitto's advertised Receive Maximum (20).
 */
export const STREAM_PUBLISH_WINDOW = 16;

/** @internal A request that passed the intake checks. */
export interface PreparedRequest {
  request: JsonRpcRequestObject;
  id: JsonRpcId;
  topic: string;
  userProperties: UserProperties | undefined;
}

/** @internal */
export interface AgentEndpointOptions {
  address: AgentAddress;
  requestHandler: A2ARequestHandler;
  card: AgentCard;
  authenticate: AuthenticateHook | undefined;
  contextBuilder: ServerCallContextBuilder | undefined;
  requireRequesterTaskId: boolean;
  metrics: MetricsRecorder;
  logger: Logger;
}

/** Status states after which a reply stream ends on MQTT (profile: terminal + interrupted). */
const STREAM_FINAL_STATES: ReadonlySet<string> = new Set([
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_AUTH_REQUIRED',
]);

const STREAM_FINAL_TASK_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
  TaskState.TASK_STATE_INPUT_REQUIRED,
  TaskState.TASK_STATE_AUTH_REQUIRED,
]);

/**
 * Whether a published stream item ends the stream for its correlation: a status update in a
 * terminal or interrupted state (profile: Streaming Reply Mapping, items 5 to 7), an error, or a
 * direct message (nothing follows either). A task snapshot never does, whatever its state: a
 * requester ends only on the status update (`@a2a-mqtt/client`'s `isStreamFinalItem` agrees),
 * so a stream that must end with a snapshot also sends its status (see `answerRetry`).
 */
export function isStreamFinal(item: JsonRpcResponse): boolean {
  if (item.error !== undefined) return true;
  const result = item.result as Record<string, unknown> | undefined;
  if (!result || typeof result !== 'object') return false;
  if (result.message !== undefined) return true;
  const update = result.statusUpdate as { status?: { state?: unknown } } | undefined;
  const state = update?.status?.state;
  return typeof state === 'string' && STREAM_FINAL_STATES.has(state);
}

interface RunningSend {
  messageId: string | undefined;
  /** Resolves once the task is saved and the first reply (or stream item) exists. */
  started: Promise<void>;
  /** Resolves once the whole reply (or stream) was published. */
  done: Promise<void>;
  markStarted(): void;
  markDone(): void;
}

type SendDecision =
  | { kind: 'create' | 'continue'; running: RunningSend }
  | { kind: 'retry'; running: RunningSend | undefined }
  | { kind: 'context-mismatch'; stored: string };

/** @internal */
export class AgentEndpoint {
  readonly address: AgentAddress;
  readonly requestHandler: A2ARequestHandler;
  private readonly transport: JsonRpcTransportHandler;
  private readonly versionCard: AgentCard;
  private readonly builder: ServerCallContextBuilder;
  private readonly running = new Map<string, RunningSend>();
  private readonly runningByTask = new Map<string, Set<RunningSend>>();
  private readonly locks = new KeyedLock();
  private readonly active = new Set<Promise<void>>();
  private warnedAboutStore = false;
  private readonly taskStore: TaskStore | undefined;

  constructor(private readonly options: AgentEndpointOptions) {
    this.address = options.address;
    this.requestHandler = options.requestHandler;
    this.transport = new JsonRpcTransportHandler(options.requestHandler);
    this.versionCard = versionCardFor(options.card);
    this.builder = options.contextBuilder ?? defaultServerCallContextBuilder;
    this.taskStore = taskStoreOf(options.requestHandler);
  }

  /** Number of requests of this agent being served. */
  get activeCount(): number {
    return this.active.size;
  }

  /** Resolves when every request of this agent being served has finished. */
  async whenIdle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
  }

  /** Serves one request; never throws. */
  serve(prepared: PreparedRequest, reply: ReplyChannel): Promise<void> {
    const work = this.serveUnsafe(prepared, reply).catch(async (error: unknown) => {
      this.options.logger.error(
        { agent: this.address.agent, method: prepared.request.method, err: errorSummary(error) },
        'request failed inside the MQTT adapter',
      );
      await reply.send(
        buildJsonRpcError({
          id: prepared.id,
          code: JSON_RPC_ERROR_CODE.INTERNAL_ERROR,
          message: 'Internal error.',
        }),
      );
    });
    this.active.add(work);
    const forget = () => {
      this.active.delete(work);
    };
    void work.then(forget, forget);
    return work;
  }

  private async serveUnsafe(prepared: PreparedRequest, reply: ReplyChannel): Promise<void> {
    const { request, id, userProperties } = prepared;
    const metrics = this.options.metrics;

    const bindingError = checkBindingProperties(userProperties, request, id, this.address.agent);
    if (bindingError) {
      metrics.rejected.protocol += 1;
      await reply.send(bindingError);
      return;
    }

    const parameters = readServiceParameters(userProperties);
    let user: User | undefined;
    if (this.options.authenticate) {
      try {
        user = await this.options.authenticate({
          bearerToken: readBearerToken(userProperties),
          agent: this.address,
          method: request.method,
          topic: prepared.topic,
          userProperties: withoutAuthorization(userProperties),
        });
      } catch (error) {
        metrics.rejected.unauthenticated += 1;
        const mapped = isA2AError(error)
          ? JsonRpcTransportHandler.mapToJSONRPCError(error)
          : { code: JSON_RPC_ERROR_CODE.INVALID_REQUEST, message: 'Unauthenticated.' };
        await reply.send({ jsonrpc: '2.0', id, error: mapped });
        return;
      }
    }
    const context = this.builder({
      extensions: parameters.extensions,
      user,
      headers: parameters.headers,
      requestedVersion: parameters.requestedVersion,
    });
    try {
      validateVersion(context.requestedVersion, this.versionCard, MQTT_PROTOCOL_BINDING);
    } catch (error) {
      metrics.rejected.version += 1;
      await reply.send({
        jsonrpc: '2.0',
        id,
        error: JsonRpcTransportHandler.mapToJSONRPCError(error),
      });
      return;
    }

    if (SEND_METHODS.has(request.method)) {
      const message = messageOf(request);
      if (message) {
        const taskId = message.taskId;
        const hasTaskId = typeof taskId === 'string' && taskId.length > 0;
        if (this.options.requireRequesterTaskId && !(hasTaskId && isUuidV4(taskId))) {
          metrics.rejected.protocol += 1;
          await reply.send(
            protocolError(
              id,
              hasTaskId
                ? 'Message.taskId must be a requester-generated UUIDv4.'
                : 'Message.taskId is required: the requester generates it (UUIDv4).',
            ),
          );
          return;
        }
        if (hasTaskId) {
          await this.serveSend(prepared, message, taskId, context, parameters, user, reply);
          return;
        }
      }
    }
    if (
      request.method === 'SubscribeToTask' &&
      (await this.answerInterruptedSubscribe(request, id, context, parameters, user, reply))
    ) {
      return;
    }
    await this.dispatch(request, context, reply);
  }

  /** `handle()` and publish: a single response, or a stream after peeking its first item. */
  private async dispatch(
    request: JsonRpcRequestObject,
    context: ServerCallContext,
    reply: ReplyChannel,
    onStarted?: () => void,
  ): Promise<JsonRpcResponse | undefined> {
    const result = await this.transport.handle(request, context);
    if (context.activatedExtensions && context.activatedExtensions.length > 0) {
      reply.setActivatedExtensions(context.activatedExtensions);
    }
    if (!isAsyncIterable(result)) {
      onStarted?.();
      await reply.send(result);
      return result;
    }
    await this.publishStream(result, request.id ?? null, reply, onStarted);
    return undefined;
  }

  private async publishStream(
    stream: AsyncGenerator<JsonRpcResponse, void, undefined>,
    id: JsonRpcId,
    reply: ReplyChannel,
    onStarted?: () => void,
  ): Promise<void> {
    const iterator = stream[Symbol.asyncIterator]();
    let next: IteratorResult<JsonRpcResponse, void>;
    try {
      next = await iterator.next();
    } catch (error) {
      // Peeked before announcing a stream: an early failure is one plain error reply.
      onStarted?.();
      await reply.send({
        jsonrpc: '2.0',
        id,
        error: JsonRpcTransportHandler.mapToJSONRPCError(error),
      });
      return;
    }
    onStarted?.();
    // Items are pipelined: up to STREAM_PUBLISH_WINDOW unacknowledged QoS 1 publishes (one
    // broker round trip per item would cap a stream at ~1/RTT items/s). An item that might
    // exceed the broker's packet limit is sent alone, after the window drained, so its error
    // reply still ends the stream right after the items before it. Once a publish fails, no
    // later item is published; the stream completes only after every PUBACK.
    const inFlight: Promise<boolean>[] = [];
    let failed = false;
    const markFailed = (sent: boolean): boolean => {
      if (!sent) failed = true;
      return sent;
    };
    const drain = async (keep: number): Promise<void> => {
      while (inFlight.length > keep) markFailed(await (inFlight.shift() as Promise<boolean>));
    };
    let last: JsonRpcResponse | undefined;
    while (!next.done) {
      const item = next.value;
      const final = isStreamFinal(item);
      if (failed) break;
      last = item;
      const serialized = reply.serialize(item);
      if (serialized.fits) {
        inFlight.push(reply.sendSerialized(serialized).then(markFailed));
        await drain(final ? 0 : STREAM_PUBLISH_WINDOW - 1);
      } else {
        await drain(0);
        if (!failed) markFailed(await reply.sendSerialized(serialized));
      }
      if (failed || final) break;
      try {
        next = await iterator.next();
      } catch (error) {
        await drain(0);
        if (failed) break;
        await reply.send({
          jsonrpc: '2.0',
          id,
          error: JsonRpcTransportHandler.mapToJSONRPCError(error),
        });
        return;
      }
    }
    await drain(0);
    if (next.done && !failed && last !== undefined && !isStreamFinal(last)) {
      // The SDK's stream ended on a task snapshot in a final state (an executor that publishes
      // only a finished Task): on MQTT only a status update ends a stream, so send one, or the
      // requester would wait out its stream-idle timeout.
      const closing = closingStatusOf(last, id);
      if (closing !== undefined) await reply.send(closing);
      return;
    }
    if (!next.done) {
      // The profile ends the MQTT stream here (a final item, AUTH_REQUIRED included, or a
      // failed publish). The SDK's generator is what persists the task's later events, so it
      // is drained, unpublished, in the background rather than abandoned (for terminal states
      // it is already finished).
      drainInBackground(iterator);
    }
  }

  /** SendMessage / SendStreamingMessage with a requester Task.id: create, continue or retry. */
  private async serveSend(
    prepared: PreparedRequest,
    message: Record<string, unknown>,
    taskId: string,
    context: ServerCallContext,
    parameters: ReturnType<typeof readServiceParameters>,
    user: User | undefined,
    reply: ReplyChannel,
  ): Promise<void> {
    const { request, id } = prepared;
    const tenant = tenantOf(request);
    const lookupContext = this.tenantContext(tenant, context, parameters, user);
    const messageId = typeof message.messageId === 'string' ? message.messageId : undefined;
    const contextId =
      typeof message.contextId === 'string' && message.contextId.length > 0
        ? message.contextId
        : undefined;
    const taskKey = `${tenant ?? ''}\u0000${user?.userName ?? ''}\u0000${taskId}`;
    const runKey = messageId === undefined ? undefined : `${taskKey}\u0000${messageId}`;

    const decision = await this.locks.run(taskKey, async (): Promise<SendDecision> => {
      const running = runKey === undefined ? undefined : this.running.get(runKey);
      if (running) return { kind: 'retry', running };
      // A create or continuation of this task still starting: let it save the task first.
      const siblings = this.runningByTask.get(taskKey);
      if (siblings) await Promise.all([...siblings].map((sibling) => sibling.started));
      const stored = await this.loadTask(taskId, lookupContext);
      if (stored) {
        if (contextId !== undefined && stored.contextId && contextId !== stored.contextId) {
          return { kind: 'context-mismatch', stored: stored.contextId };
        }
        if (
          messageId !== undefined &&
          stored.history.some((entry) => entry.messageId === messageId)
        ) {
          return { kind: 'retry', running: undefined };
        }
      } else {
        const adoption: TaskAdoption = { taskId, contextId: contextId ?? randomUUID() };
        context.state.set(TASK_ADOPTION_STATE_KEY, adoption);
      }
      const entry = createRunningSend(messageId);
      if (runKey !== undefined) this.running.set(runKey, entry);
      let set = this.runningByTask.get(taskKey);
      if (!set) {
        set = new Set();
        this.runningByTask.set(taskKey, set);
      }
      set.add(entry);
      return { kind: stored ? 'continue' : 'create', running: entry };
    });

    if (decision.kind === 'context-mismatch') {
      this.options.metrics.rejected['context-mismatch'] += 1;
      await reply.send(
        buildJsonRpcError({
          id,
          code: JSON_RPC_ERROR_CODE.INVALID_PARAMS,
          message: `contextId does not match the contextId of task ${taskId}.`,
        }),
      );
      return;
    }
    if (decision.kind === 'retry') {
      this.options.metrics.retries += 1;
      await this.answerRetry(request, id, taskId, tenant, decision.running, lookupContext, reply);
      return;
    }

    const entry = decision.running;
    try {
      const response = await this.dispatch(request, context, reply, () => entry.markStarted());
      const adoption = context.state.get(TASK_ADOPTION_STATE_KEY) as TaskAdoption | undefined;
      if (adoption && !adoption.consumed && response && isTaskNotFound(response)) {
        this.warnAboutStore();
      }
    } finally {
      entry.markStarted();
      entry.markDone();
      if (runKey !== undefined && this.running.get(runKey) === entry) this.running.delete(runKey);
      const set = this.runningByTask.get(taskKey);
      set?.delete(entry);
      if (set && set.size === 0) this.runningByTask.delete(taskKey);
    }
  }

  /** A retry never reaches the executor: it gets the task, or joins the running stream. */
  private async answerRetry(
    request: JsonRpcRequestObject,
    id: JsonRpcId,
    taskId: string,
    tenant: string | undefined,
    running: RunningSend | undefined,
    context: ServerCallContext,
    reply: ReplyChannel,
  ): Promise<void> {
    const streaming = request.method === 'SendStreamingMessage';
    if (running) await (streaming ? running.started : running.done);
    const task = await this.loadTask(taskId, context);
    if (!task) {
      await reply.send(
        buildJsonRpcError({
          id,
          code: JSON_RPC_ERROR_CODE.INTERNAL_ERROR,
          message: `Task ${taskId} is not available.`,
        }),
      );
      return;
    }
    const taskJson = TaskCodec.toJSON(task) as Record<string, unknown>;
    if (!streaming) {
      await reply.send({ jsonrpc: '2.0', id, result: { task: taskJson } });
      return;
    }
    const state = task.status?.state;
    if (state === undefined || !STREAM_FINAL_TASK_STATES.has(state)) {
      // Still running: re-attach through the SDK's own SubscribeToTask.
      await this.dispatch(
        {
          jsonrpc: '2.0',
          id,
          method: 'SubscribeToTask',
          params: tenant ? { id: taskId, tenant } : { id: taskId },
        },
        context,
        reply,
      );
      return;
    }
    // Already final for a stream: the snapshot, then its status so the stream ends.
    await sendSnapshotAndStatus(reply, id, taskJson);
  }

  /**
   * `SubscribeToTask` on a task in an interrupted state (INPUT_REQUIRED, AUTH_REQUIRED): the
   * snapshot and its status, which ends the stream as the profile says. The SDK's own
   * resubscription would yield the snapshot alone and then stay attached to the task, so the
   * requester would wait out its idle timeout and a later continuation's events would reach
   * this stale correlation. Returns `false` (the SDK answers) in every other case.
   */
  private async answerInterruptedSubscribe(
    request: JsonRpcRequestObject,
    id: JsonRpcId,
    context: ServerCallContext,
    parameters: ReturnType<typeof readServiceParameters>,
    user: User | undefined,
    reply: ReplyChannel,
  ): Promise<boolean> {
    const taskId = (request.params as Record<string, unknown> | undefined)?.id;
    if (typeof taskId !== 'string' || taskId.trim() === '') return false;
    if (!this.options.card.capabilities?.streaming) return false;
    const tenant = tenantOf(request);
    const lookupContext = this.tenantContext(tenant, context, parameters, user);
    const task = await this.loadTask(taskId, lookupContext);
    const state = task?.status?.state;
    if (
      !task ||
      (state !== TaskState.TASK_STATE_INPUT_REQUIRED &&
        state !== TaskState.TASK_STATE_AUTH_REQUIRED)
    ) {
      return false;
    }
    await sendSnapshotAndStatus(reply, id, TaskCodec.toJSON(task) as Record<string, unknown>);
    return true;
  }

  /** The call context for a task lookup: `context`, or a copy scoped to the request's tenant. */
  private tenantContext(
    tenant: string | undefined,
    context: ServerCallContext,
    parameters: ReturnType<typeof readServiceParameters>,
    user: User | undefined,
  ): ServerCallContext {
    if (!tenant) return context;
    return this.builder({
      extensions: parameters.extensions,
      user,
      headers: parameters.headers,
      requestedVersion: parameters.requestedVersion,
      tenant,
    });
  }

  private async loadTask(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    // A handler from createRequestHandler: read the store its getTask reads, without a thrown
    // TaskNotFoundError (an Error with a captured stack) for every new task.
    if (this.taskStore !== undefined) return this.taskStore.load(taskId, context);
    try {
      return await this.requestHandler.getTask(
        { tenant: context.tenant ?? '', id: taskId },
        context,
      );
    } catch (error) {
      if (isA2AError(error) && (error as { name?: string }).name === 'TaskNotFoundError')
        return undefined;
      throw error;
    }
  }

  private warnAboutStore(): void {
    if (this.warnedAboutStore) return;
    this.warnedAboutStore = true;
    this.options.logger.warn(
      { agent: this.address.agent },
      'the request handler refused a requester-generated Task.id: wrap its TaskStore with RequesterTaskIdStore (or build it with createRequestHandler)',
    );
  }
}

/** A card whose interfaces are the MQTT versions the agent serves, for `validateVersion`. */
function versionCardFor(card: AgentCard): AgentCard {
  const versions = new Set<string>();
  for (const entry of card.supportedInterfaces ?? []) {
    if (isMqttProtocolBinding(entry.protocolBinding) && entry.protocolVersion)
      versions.add(entry.protocolVersion);
  }
  if (versions.size === 0) versions.add(DEFAULT_A2A_VERSION);
  return {
    ...card,
    supportedInterfaces: [...versions].map((protocolVersion) => ({
      url: '',
      protocolBinding: MQTT_PROTOCOL_BINDING,
      protocolVersion,
      tenant: '',
    })),
  };
}

/** A task snapshot, then its status as a status update (stream-final when the state is). */
/**
 * The status update that ends a stream whose last item was a task snapshot in a stream-final
 * state, or `undefined` when the last item says nothing final.
 */
function closingStatusOf(last: JsonRpcResponse, id: JsonRpcId): JsonRpcResponse | undefined {
  const task = (last.result as { task?: Record<string, unknown> } | undefined)?.task;
  const state = (task?.status as { state?: unknown } | undefined)?.state;
  if (task === undefined || typeof state !== 'string' || !STREAM_FINAL_STATES.has(state)) {
    return undefined;
  }
  return statusUpdateOf(id, task);
}

/** The status update item of a task (A2A JSON), as a reply to request `id`. */
function statusUpdateOf(id: JsonRpcId, taskJson: Record<string, unknown>): JsonRpcResponse {
  return {
    jsonrpc: '2.0',
    id,
    result: {
      statusUpdate: {
        taskId: taskJson.id,
        contextId: taskJson.contextId,
        status: taskJson.status,
      },
    },
  };
}

async function sendSnapshotAndStatus(
  reply: ReplyChannel,
  id: JsonRpcId,
  taskJson: Record<string, unknown>,
): Promise<void> {
  if (!(await reply.send({ jsonrpc: '2.0', id, result: { task: taskJson } }))) return;
  await reply.send(statusUpdateOf(id, taskJson));
}

function createRunningSend(messageId: string | undefined): RunningSend {
  let markStarted!: () => void;
  let markDone!: () => void;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const done = new Promise<void>((resolve) => {
    markDone = resolve;
  });
  return { messageId, started, done, markStarted, markDone };
}

function tenantOf(request: JsonRpcRequestObject): string | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  const tenant = params?.tenant;
  return typeof tenant === 'string' && tenant.length > 0 ? tenant : undefined;
}

function isAsyncIterable(
  value: unknown,
): value is AsyncGenerator<JsonRpcResponse, void, undefined> {
  return (
    typeof (value as AsyncIterable<unknown> | undefined)?.[Symbol.asyncIterator] === 'function'
  );
}

function isA2AError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && Symbol.for('@a2a-js/sdk.A2AError') in error;
}

function isTaskNotFound(response: JsonRpcResponse): boolean {
  return (response.error as { code?: number } | undefined)?.code === -32001;
}

function drainInBackground(iterator: AsyncIterator<unknown>): void {
  void (async () => {
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        // Unpublished: the MQTT stream of this correlation has ended.
      }
    } catch {
      // The SDK already recorded the failure on the task.
    }
  })();
}

function errorSummary(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
