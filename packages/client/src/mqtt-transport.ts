import {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  SendMessageRequest,
  SendMessageResponse,
  type SendMessageResult,
  type StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import type { RequestOptions, Transport } from '@a2a-js/sdk/client';
import {
  A2A_MQTT_ERROR_CODE,
  A2AMqttError,
  type AgentAddress,
  createContextId,
  createTaskId,
  createTopics,
  DEFAULT_A2A_VERSION,
  MQTT_PROTOCOL_BINDING,
  SERVICE_PARAMETER,
  serviceParametersToUserProperties,
  type TopicScheme,
  type UserProperties,
  validateIdentifier,
} from '@a2a-mqtt/protocol';
import { type BearerAuthorizationOptions, BearerCredentials } from './bearer-authorization';
import { type RequestPolicy, type ResolvedRequestPolicy, resolveRequestPolicy } from './policy';
import { protocolError } from './reply-errors';
import {
  type MqttRequester,
  type RequesterCall,
  type RequesterSourceOptions,
  type RequestTarget,
  requesterFrom,
} from './requester';

/**
 * Options of {@link MqttTransport}. `authorization` / `allowInsecureBearer`: see
 * {@link BearerAuthorizationOptions} (per-request OAuth bearer tokens, TLS only).
 */
export interface MqttTransportOptions extends BearerAuthorizationOptions, RequesterSourceOptions {
  /**
   * The agent: requests go to its direct topic `{prefix}/request/{org}/{unit}/{agent}`. With
   * `pool`, only its org and unit are used.
   */
  agent: AgentAddress;
  /**
   * Publish to the pool topic `{prefix}/request/{org}/{unit}/pool/{pool}` instead of the
   * agent's direct topic. Pooled replies must carry `a2a-responder-agent-id`; follow-ups on
   * a task then go to that responder's direct topic.
   * @default undefined (direct requests)
   */
  pool?: string;
  /**
   * Topic scheme (prefix) of the agent's request topic.
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * The A2A protocol version this transport speaks; sent as `A2A-Version` on every request
   * unless the request's service parameters carry one.
   * @default DEFAULT_A2A_VERSION ('1.0')
   */
  protocolVersion?: string;
  /** Retry and timeout policy of this transport. @default the requester's policy */
  policy?: RequestPolicy;
  /**
   * Extra user properties on every request. For bearer tokens use `authorization` (an
   * `a2a-authorization` here is refused on a non-TLS session).
   * @default {}
   */
  userProperties?: Record<string, string>;
}

/**
 * The MQTT transport of `@a2a-js/sdk`: every `Transport` method as JSON-RPC over MQTT v5
 * request/reply per the A2A over MQTT profile. Transports share the session's
 * {@link MqttRequester} (one reply subscription, replies multiplexed by Correlation Data).
 *
 * - New tasks: `sendMessage` / `sendMessageStream` fill in a UUIDv4 `taskId` and `contextId`
 *   when the message has no `taskId` (a message with a `taskId` continues that task).
 * - Errors: JSON-RPC errors become `@a2a-js/sdk` error classes; binding errors
 *   (-32003/-32004/-32005 with `data.a2a_error`) and transport failures are `A2AMqttError`s.
 * - `RequestOptions.signal` rejects a pending request with `ABORTED` and ends a stream
 *   without error.
 *
 * @example
 * ```ts
 * const transport = new MqttTransport({
 *   session,
 *   agent: { org: 'acme', unit: 'eng', agent: 'code-generator-agent' },
 * });
 * const task = await transport.getTask({ tenant: '', id: taskId });
 * ```
 */
export class MqttTransport implements Transport {
  /** The requester this transport publishes through. */
  readonly requester: MqttRequester;
  private readonly target: RequestTarget;
  private readonly version: string;
  private readonly policy: ResolvedRequestPolicy;
  private readonly staticUserProperties: Record<string, string>;
  private readonly baseUserProperties: UserProperties;
  private readonly bearer: BearerCredentials | undefined;

  constructor(options: MqttTransportOptions) {
    this.requester = requesterFrom(options, 'MqttTransport');
    const topics = options.topics ?? createTopics();
    const scope = {
      org: validateIdentifier(options.agent.org, 'org'),
      unit: validateIdentifier(options.agent.unit, 'unit'),
    };
    this.target =
      options.pool === undefined
        ? {
            topic: topics.request({
              ...scope,
              agent: validateIdentifier(options.agent.agent, 'agent'),
            }),
            pooled: false,
            scope,
            topics,
          }
        : {
            topic: topics.poolRequest({ ...scope, pool: validateIdentifier(options.pool, 'pool') }),
            pooled: true,
            scope,
            topics,
          };
    this.version = options.protocolVersion ?? DEFAULT_A2A_VERSION;
    this.policy = resolveRequestPolicy(options.policy, this.requester.policy);
    this.bearer = BearerCredentials.from(options, this.requester.session);
    this.staticUserProperties = { ...options.userProperties };
    // Shared by every request without extra service parameters (the common case).
    this.baseUserProperties = Object.freeze({
      ...this.staticUserProperties,
      [SERVICE_PARAMETER.VERSION]: this.version,
    });
  }

  /** `MQTT5+JSONRPC`. */
  get protocolName(): string {
    return MQTT_PROTOCOL_BINDING;
  }

  /** The A2A version sent as `A2A-Version`. */
  get protocolVersion(): string {
    return this.version;
  }

  /** The request topic of this transport (agent direct topic or pool topic). */
  get requestTopic(): string {
    return this.target.topic;
  }

  /** The responder recorded for a task (pool member or handover target), if any. */
  responderOf(taskId: string): string | undefined {
    return this.requester.responderOf(taskId);
  }

  /** `GetExtendedAgentCard`: the agent's extended card. */
  async getExtendedAgentCard(
    params: GetExtendedAgentCardRequest,
    options?: RequestOptions,
  ): Promise<AgentCard> {
    const result = await this.call(
      'GetExtendedAgentCard',
      GetExtendedAgentCardRequest.toJSON(params),
      undefined,
      options,
    );
    return AgentCard.fromJSON(result);
  }

  /** `SendMessage` (blocking unless `configuration.returnImmediately`); a new task gets requester-generated ids. */
  async sendMessage(
    params: SendMessageRequest,
    options?: RequestOptions,
  ): Promise<SendMessageResult> {
    const prepared = prepareSendMessage(params);
    const result = await this.call(
      'SendMessage',
      SendMessageRequest.toJSON(prepared.params),
      prepared.taskId,
      options,
    );
    const response = SendMessageResponse.fromJSON(result);
    if (!response.payload) throw protocolError('SendMessage reply has neither task nor message');
    return response.payload.value;
  }

  /** `SendStreamingMessage`: yields items until a terminal or interrupted status (or a message). */
  async *sendMessageStream(
    params: SendMessageRequest,
    options?: RequestOptions,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const prepared = prepareSendMessage(params);
    yield* this.requester.stream(
      await this.authorize(
        this.buildCall(
          'SendStreamingMessage',
          SendMessageRequest.toJSON(prepared.params),
          prepared.taskId,
          options,
        ),
      ),
    );
  }

  /** `CreateTaskPushNotificationConfig` (routed to the task's responder when known). */
  async createTaskPushNotificationConfig(
    params: TaskPushNotificationConfig,
    options?: RequestOptions,
  ): Promise<TaskPushNotificationConfig> {
    const result = await this.call(
      'CreateTaskPushNotificationConfig',
      TaskPushNotificationConfig.toJSON(params),
      params.taskId || undefined,
      options,
    );
    return TaskPushNotificationConfig.fromJSON(result);
  }

  /** `GetTaskPushNotificationConfig` (routed to the task's responder when known). */
  async getTaskPushNotificationConfig(
    params: GetTaskPushNotificationConfigRequest,
    options?: RequestOptions,
  ): Promise<TaskPushNotificationConfig> {
    const result = await this.call(
      'GetTaskPushNotificationConfig',
      GetTaskPushNotificationConfigRequest.toJSON(params),
      params.taskId || undefined,
      options,
    );
    return TaskPushNotificationConfig.fromJSON(result);
  }

  /** `ListTaskPushNotificationConfigs` (routed to the task's responder when known). */
  async listTaskPushNotificationConfig(
    params: ListTaskPushNotificationConfigsRequest,
    options?: RequestOptions,
  ): Promise<ListTaskPushNotificationConfigsResponse> {
    const result = await this.call(
      'ListTaskPushNotificationConfigs',
      ListTaskPushNotificationConfigsRequest.toJSON(params),
      params.taskId || undefined,
      options,
    );
    return ListTaskPushNotificationConfigsResponse.fromJSON(result);
  }

  /** `DeleteTaskPushNotificationConfig` (routed to the task's responder when known). */
  async deleteTaskPushNotificationConfig(
    params: DeleteTaskPushNotificationConfigRequest,
    options?: RequestOptions,
  ): Promise<void> {
    await this.call(
      'DeleteTaskPushNotificationConfig',
      DeleteTaskPushNotificationConfigRequest.toJSON(params),
      params.taskId || undefined,
      options,
    );
  }

  /** `GetTask` (routed to the task's responder when known). */
  async getTask(params: GetTaskRequest, options?: RequestOptions): Promise<Task> {
    const result = await this.call(
      'GetTask',
      GetTaskRequest.toJSON(params),
      params.id || undefined,
      options,
    );
    return Task.fromJSON(result);
  }

  /** `CancelTask` (routed to the task's responder when known). */
  async cancelTask(params: CancelTaskRequest, options?: RequestOptions): Promise<Task> {
    const result = await this.call(
      'CancelTask',
      CancelTaskRequest.toJSON(params),
      params.id || undefined,
      options,
    );
    return Task.fromJSON(result);
  }

  /** `ListTasks` (sent to the transport's agent or pool). */
  async listTasks(params: ListTasksRequest, options?: RequestOptions): Promise<ListTasksResponse> {
    const result = await this.call(
      'ListTasks',
      ListTasksRequest.toJSON(params),
      undefined,
      options,
    );
    return ListTasksResponse.fromJSON(result);
  }

  /** `SubscribeToTask`: the task's stream from now on (routed to its responder when known). */
  async *resubscribeTask(
    params: SubscribeToTaskRequest,
    options?: RequestOptions,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    yield* this.requester.stream(
      await this.authorize(
        this.buildCall(
          'SubscribeToTask',
          SubscribeToTaskRequest.toJSON(params),
          params.id || undefined,
          options,
        ),
      ),
    );
  }

  private call(
    method: string,
    params: unknown,
    taskId: string | undefined,
    options: RequestOptions | undefined,
  ): Promise<unknown> {
    const call = this.buildCall(method, params, taskId, options);
    if (this.bearer === undefined) return this.requester.request(call);
    return this.authorize(call).then((authorized) => this.requester.request(authorized));
  }

  /** Adds `a2a-authorization` with the current token (provider called per request). */
  private async authorize(call: RequesterCall): Promise<RequesterCall> {
    if (this.bearer === undefined) return call;
    return { ...call, userProperties: await this.bearer.apply(call.userProperties) };
  }

  private buildCall(
    method: string,
    params: unknown,
    taskId: string | undefined,
    options: RequestOptions | undefined,
  ): RequesterCall {
    return {
      method,
      params,
      target: this.target,
      taskId,
      userProperties: this.userPropertiesFor(options?.serviceParameters),
      signal: options?.signal,
      policy: this.policy,
    };
  }

  private userPropertiesFor(
    serviceParameters: Readonly<Record<string, string>> | undefined,
  ): UserProperties {
    if (serviceParameters === undefined) return this.baseUserProperties;
    // Fast path: `Client` always sends exactly our `A2A-Version`.
    let onlyOurVersion = true;
    for (const key in serviceParameters) {
      if (key !== SERVICE_PARAMETER.VERSION || serviceParameters[key] !== this.version) {
        onlyOurVersion = false;
        break;
      }
    }
    if (onlyOurVersion) return this.baseUserProperties;
    return {
      ...this.staticUserProperties,
      ...serviceParametersToUserProperties(serviceParameters, { defaultVersion: this.version }),
    };
  }
}

/**
 * Fills in the requester-generated ids of a new task: a message without `taskId` gets a
 * UUIDv4 `taskId`, and a UUIDv4 `contextId` when it has none. A message with a `taskId`
 * (a continuation or a retry) is sent unchanged. The caller's object is never mutated.
 */
export function prepareSendMessage(params: SendMessageRequest): {
  params: SendMessageRequest;
  taskId: string;
} {
  const message = params.message;
  if (!message) {
    throw new A2AMqttError({
      code: A2A_MQTT_ERROR_CODE.INVALID_OPTIONS,
      message: 'SendMessageRequest.message is required',
    });
  }
  if (message.taskId) return { params, taskId: message.taskId };
  const taskId = createTaskId();
  return {
    params: {
      ...params,
      message: { ...message, taskId, contextId: message.contextId || createContextId() },
    },
    taskId,
  };
}
