import type { Artifact, ListTasksRequest, ListTasksResponse, Task } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { OwnerResolver, ServerCallContext, TaskStore } from '@a2a-js/sdk/server';

/**
 * Default page size of {@link FastInMemoryTaskStore.list}, the same as the SDK's
 * `InMemoryTaskStore` (A2A `ListTasks` default).
 */
export const DEFAULT_TASK_LIST_PAGE_SIZE = 50;

/** Options of {@link FastInMemoryTaskStore}. */
export interface FastInMemoryTaskStoreOptions {
  /**
   * Derives the owner of a task from the call context, so each authenticated caller only
   * sees its own tasks (tasks are also scoped by `context.tenant`).
   * @default `context.user?.userName || 'unknown'` (the SDK's `resolveUserScope`)
   */
  ownerResolver?: OwnerResolver;
}

// The SDK's own default, inlined so this module has no runtime import of `@a2a-js/sdk/server`
// (which would pull the whole server bundle into callers that only need the store).
const defaultOwnerResolver: OwnerResolver = (context) => context.user?.userName || 'unknown';

type TaskBucket = Map<string, Task>;

/**
 * An in-memory {@link TaskStore} whose `save` and `load` cost does not grow with the size of
 * the task: it copies a task *shallowly* instead of deep-cloning it.
 *
 * The SDK's `InMemoryTaskStore` deep-clones the whole task on every `load` and `save`. The
 * request handler loads and saves the task once per execution event, so a task that streams
 * N appended artifact chunks costs O(N²) in total there: token-style streams slow down as the
 * answer grows. This store copies only the containers that the SDK's `ResultManager` and
 * `DefaultRequestHandler` reassign: the task object, its `status`, the `artifacts` array and
 * each artifact object. Everything below them — `history` and its messages, each artifact's
 * `parts` array and parts, `metadata` objects — is shared by reference between the store and
 * the tasks it hands out, so one save or load costs O(number of artifacts), whatever the
 * number of parts or messages.
 *
 * Sharing is safe because those values are treated as immutable: the SDK replaces them
 * (`task.history = [...task.history, message]`, `artifact.parts = [...parts, ...chunk]`,
 * `task.metadata = { ...task.metadata, ...update }`) rather than mutating them in place.
 * Executors and interceptors that work on a task returned by `load` (e.g.
 * `requestContext.task`) must do the same: reassign `history`, `parts` and `metadata`
 * instead of pushing into or editing them. Top-level fields, `status` and the artifact list
 * may be changed freely; such changes reach the store only through `save`.
 *
 * Tasks are kept in memory for the life of the store, scoped by tenant and owner like the
 * SDK's store; `list` has the same filters, order and page tokens.
 *
 * @example
 * ```ts
 * import { DefaultRequestHandler } from '@a2a-js/sdk/server';
 * import { FastInMemoryTaskStore } from '@a2a-mqtt/server';
 *
 * const handler = new DefaultRequestHandler(card, new FastInMemoryTaskStore(), executor);
 * ```
 */
export class FastInMemoryTaskStore implements TaskStore {
  private readonly ownerResolver: OwnerResolver;
  // tenant -> owner -> taskId -> task (our private shallow copy).
  private readonly tenants = new Map<string, Map<string, TaskBucket>>();

  constructor(options: FastInMemoryTaskStoreOptions = {}) {
    this.ownerResolver = options.ownerResolver ?? defaultOwnerResolver;
  }

  /** Loads a task visible to the caller, or `undefined`; the result is a fresh shallow copy. */
  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const stored = this.bucket(context, false)?.get(taskId);
    return stored ? copyTask(stored) : undefined;
  }

  /**
   * Saves a task, replacing any task with the same id in the caller's scope. The store keeps a
   * shallow copy, so later changes to the caller's task object (top level, `status`, the
   * artifact list) do not leak into the store.
   */
  async save(task: Task, context: ServerCallContext): Promise<void> {
    this.bucket(context, true).set(task.id, copyTask(task));
  }

  /**
   * Lists the caller's tasks, newest status timestamp first (then by id, descending), with the
   * same filters and page tokens as the SDK's `InMemoryTaskStore`. Artifacts are omitted
   * unless `includeArtifacts` is set.
   */
  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    const pageSize = params.pageSize ?? DEFAULT_TASK_LIST_PAGE_SIZE;
    const bucket = this.bucket(context, false);
    let tasks = bucket ? Array.from(bucket.values()) : [];
    if (params.contextId) {
      tasks = tasks.filter((task) => task.contextId === params.contextId);
    }
    // 0 is TASK_STATE_UNSPECIFIED: no filter.
    if (params.status !== undefined && params.status !== 0) {
      tasks = tasks.filter((task) => task.status?.state === params.status);
    }
    if (params.statusTimestampAfter) {
      const after = new Date(params.statusTimestampAfter).getTime();
      tasks = tasks.filter(
        (task) =>
          task.status?.timestamp !== undefined &&
          task.status.timestamp !== '' &&
          new Date(task.status.timestamp).getTime() > after,
      );
    }
    tasks.sort(compareNewestFirst);
    const totalSize = tasks.length;
    if (params.pageToken) {
      const cursor = decodePageToken(params.pageToken);
      const index = tasks.findIndex(
        (task) => (task.status?.timestamp || '') === cursor.timestamp && task.id === cursor.id,
      );
      tasks = index === -1 ? [] : tasks.slice(index + 1);
    }
    const page = tasks.slice(0, pageSize);
    const last = page[page.length - 1];
    const nextPageToken =
      last !== undefined && tasks.length > page.length
        ? encodePageToken(last.status?.timestamp || '', last.id)
        : '';
    return {
      tasks: page.map((task) => {
        const copy = copyTask(task);
        if (!params.includeArtifacts) {
          copy.artifacts = [];
        }
        return copy;
      }),
      nextPageToken,
      pageSize,
      totalSize,
    };
  }

  private bucket(context: ServerCallContext, create: true): TaskBucket;
  private bucket(context: ServerCallContext, create: false): TaskBucket | undefined;
  private bucket(context: ServerCallContext, create: boolean): TaskBucket | undefined {
    const tenant = context.tenant ?? '';
    const owner = this.ownerResolver(context);
    let owners = this.tenants.get(tenant);
    if (!owners) {
      if (!create) return undefined;
      owners = new Map();
      this.tenants.set(tenant, owners);
    }
    let bucket = owners.get(owner);
    if (!bucket && create) {
      bucket = new Map();
      owners.set(owner, bucket);
    }
    return bucket;
  }
}

/**
 * Copies the parts of a task that the SDK reassigns or mutates in place (the task, its status,
 * the artifact list and each artifact); shares the rest. O(number of artifacts).
 */
function copyTask(task: Task): Task {
  const artifacts = task.artifacts;
  return {
    ...task,
    status: task.status ? { ...task.status } : task.status,
    artifacts: artifacts ? artifacts.map(copyArtifact) : artifacts,
  };
}

function copyArtifact(artifact: Artifact): Artifact {
  return { ...artifact };
}

function compareNewestFirst(a: Task, b: Task): number {
  const timeA = a.status?.timestamp || '';
  const timeB = b.status?.timestamp || '';
  if (timeA !== timeB) return timeB.localeCompare(timeA);
  return b.id.localeCompare(a.id);
}

// Same token format as the SDK's store, so clients can page across either store.
function encodePageToken(timestamp: string, id: string): string {
  return Buffer.from(`${timestamp}|${id}`).toString('base64');
}

function decodePageToken(pageToken: string): { timestamp: string; id: string } {
  const [timestamp = '', ...idParts] = Buffer.from(pageToken, 'base64')
    .toString('utf-8')
    .split('|');
  if (idParts.length === 0) {
    throw new RequestMalformedError('Invalid page token format.');
  }
  return { timestamp, id: idParts.join('|') };
}
