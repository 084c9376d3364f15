/**
 * A convenience constructor for the usual request handler: @a2a-js/sdk's
 * `DefaultRequestHandler` with its task store wrapped in {@link RequesterTaskIdStore}.
 */
import type { AgentCard } from '@a2a-js/sdk';
import {
  type AgentExecutor,
  DefaultRequestHandler,
  type DefaultRequestHandlerOptions,
  type ExecutionEventBusManager,
  type ExtendedAgentCardProvider,
  InMemoryTaskStore,
  type PushNotificationSender,
  type PushNotificationStore,
  type TaskStore,
} from '@a2a-js/sdk/server';
import { RequesterTaskIdStore } from './requester-task-id-store.js';

/** Options of {@link createRequestHandler}: `DefaultRequestHandler`'s arguments, by name. */
export interface CreateRequestHandlerOptions {
  /** The agent card (its MQTT interface entry is added on registration). */
  agentCard: AgentCard;
  /** The agent's logic. */
  agentExecutor: AgentExecutor;
  /**
   * Where tasks live: `InMemoryTaskStore`, `DatabaseTaskStore` (`@a2a-js/sdk/server/database`)
   * or your own. It is wrapped in {@link RequesterTaskIdStore}.
   * @default new InMemoryTaskStore()
   */
  taskStore?: TaskStore;
  /** @default new DefaultExecutionEventBusManager() (the SDK's default) */
  eventBusManager?: ExecutionEventBusManager;
  /** @default the SDK's default (in-memory, when the card enables push notifications) */
  pushNotificationStore?: PushNotificationStore;
  /** @default the SDK's default */
  pushNotificationSender?: PushNotificationSender;
  /** @default undefined */
  extendedAgentCardProvider?: AgentCard | ExtendedAgentCardProvider;
  /** Further `DefaultRequestHandler` options. @default {} */
  handlerOptions?: DefaultRequestHandlerOptions;
}

/**
 * Builds a `DefaultRequestHandler` that accepts requester-generated Task.ids (the MQTT
 * profile's rule), ready for {@link createA2AMqttServer} or a {@link MultiAgentHost}.
 *
 * @example
 * ```ts
 * const requestHandler = createRequestHandler({ agentCard, agentExecutor: new EchoExecutor() });
 * ```
 */
export function createRequestHandler(options: CreateRequestHandlerOptions): DefaultRequestHandler {
  const store = new RequesterTaskIdStore(options.taskStore ?? new InMemoryTaskStore());
  const handler = new DefaultRequestHandler(
    options.agentCard,
    store,
    options.agentExecutor,
    options.eventBusManager,
    options.pushNotificationStore,
    options.pushNotificationSender,
    options.extendedAgentCardProvider,
    undefined,
    options.handlerOptions,
  );
  taskStores.set(handler, store);
  return handler;
}

/** The task store of each handler built by {@link createRequestHandler}. */
const taskStores = new WeakMap<object, TaskStore>();

/**
 * @internal The task store a handler built by {@link createRequestHandler} loads from (the
 * same store its `getTask` reads), or `undefined` for other handlers. Lets the MQTT runtime
 * look a task up without a thrown `TaskNotFoundError` per new task.
 */
export function taskStoreOf(handler: object): TaskStore | undefined {
  return taskStores.get(handler);
}
