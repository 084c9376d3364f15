/**
 * The resolver: the `discoverAgent` / `discoverAgents` calls of the TDMQ SDKs on top of a
 * lazily started {@link AgentDirectory}.
 */
import type { Logger, MqttSession } from '@a2a-mqtt/connection';
import { A2A_MQTT_ERROR_CODE, A2AMqttError, type TopicScheme } from '@a2a-mqtt/protocol';
import { DEFAULT_DISCOVER_TIMEOUT_MS } from './defaults.js';
import {
  type AgentDirectory,
  createAgentDirectory,
  type DirectoryWatch,
  type SettleOptions,
} from './directory.js';
import type { DirectoryEntry } from './directory-types.js';
import { type AgentFilter, type AgentReference, matchesReference } from './filter.js';

/** Options of {@link createAgentResolver}. */
export interface AgentResolverOptions {
  /** A connected session. */
  session: MqttSession;
  /** One unit (`{ org, unit }`) or every unit of an org (`{ org }`). */
  scope: { org: string; unit?: string };
  /**
   * Topic scheme (prefix).
   * @default createTopics() (prefix `$a2a/v1`)
   */
  topics?: TopicScheme;
  /**
   * How the first call decides the retained set is delivered.
   * @default { strategy: 'probe' }
   */
  settle?: SettleOptions;
  /**
   * How long `discoverAgent` waits for an agent missing from the retained set.
   * @default DEFAULT_DISCOVER_TIMEOUT_MS (3 000)
   */
  timeoutMs?: number;
  /**
   * Cards larger than this are skipped.
   * @default DEFAULT_MAX_CARD_BYTES (262 144)
   */
  maxCardBytes?: number;
  /**
   * QoS of the directory's discovery subscription (see `AgentDirectoryOptions.qos`).
   * @default DEFAULT_DIRECTORY_QOS (0)
   */
  qos?: 0 | 1;
  /** @default NOOP_LOGGER */
  logger?: Logger;
}

/** Options of {@link AgentResolver.discoverAgent}. */
export interface DiscoverAgentOptions {
  /**
   * How long to wait for the agent if it is not in the retained set.
   * @default the resolver's `timeoutMs`
   */
  timeoutMs?: number;
  /**
   * Aborts the call: it rejects with `ABORTED` (the signal's reason as `cause`), at once when
   * the signal is already aborted, otherwise as soon as it aborts while the call waits for the
   * retained set or for the agent. The resolver and its directory stay usable.
   * @default undefined (no abort)
   */
  signal?: AbortSignal;
}

/** Finds agents by the calls of the TDMQ SDKs; see {@link createAgentResolver}. */
export interface AgentResolver {
  /**
   * The agent named by address, `{org}/{unit}/{agent}`, agent id or card name. Answers as
   * soon as the retained set is delivered; waits up to `timeoutMs` for an agent that is not
   * in it yet.
   * @throws {A2AMqttError} `AGENT_NOT_FOUND` after the wait, `ABORTED` (see
   * {@link DiscoverAgentOptions.signal}), `CLOSED` (the resolver closed meanwhile, or before).
   */
  discoverAgent(reference: AgentReference, options?: DiscoverAgentOptions): Promise<DirectoryEntry>;
  /** Every agent in scope matching `filter` (an empty array when none). */
  discoverAgents(filter?: AgentFilter): Promise<DirectoryEntry[]>;
  /** The live directory behind the resolver (started on the first call). */
  readonly directory: AgentDirectory;
  /** Releases the subscription. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates a resolver over the retained cards of a scope. The subscription is made on the
 * first call and kept (later calls answer from memory) until `close()`.
 *
 * @example
 * ```ts
 * const resolver = createAgentResolver({ session, scope: { org: 'acme', unit: 'support' } });
 * try {
 *   const triage = await resolver.discoverAgent('triage');
 *   const translators = await resolver.discoverAgents({ tag: 'translation', status: 'online' });
 * } finally {
 *   await resolver.close();
 * }
 * ```
 */
export function createAgentResolver(options: AgentResolverOptions): AgentResolver {
  return new DefaultAgentResolver(options);
}

class DefaultAgentResolver implements AgentResolver {
  readonly directory: AgentDirectory;
  private readonly timeoutMs: number;

  constructor(options: AgentResolverOptions) {
    this.directory = createAgentDirectory({
      session: options.session,
      scope: options.scope,
      ...(options.topics ? { topics: options.topics } : {}),
      ...(options.settle ? { settle: options.settle } : {}),
      ...(options.maxCardBytes === undefined ? {} : { maxCardBytes: options.maxCardBytes }),
      ...(options.qos === undefined ? {} : { qos: options.qos }),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVER_TIMEOUT_MS;
  }

  async discoverAgents(filter?: AgentFilter): Promise<DirectoryEntry[]> {
    await this.directory.start();
    return this.directory.list(filter);
  }

  async discoverAgent(
    reference: AgentReference,
    options: DiscoverAgentOptions = {},
  ): Promise<DirectoryEntry> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const { signal } = options;
    const aborted = (): A2AMqttError =>
      new A2AMqttError({
        code: A2A_MQTT_ERROR_CODE.ABORTED,
        message: `discoverAgent(${describe(reference)}) was aborted`,
        ...(signal?.reason === undefined ? {} : { cause: signal.reason }),
      });
    if (signal?.aborted) throw aborted();
    let onAbort: (() => void) | undefined;
    const abort =
      signal === undefined
        ? undefined
        : new Promise<never>((_, reject) => {
            onAbort = () => reject(aborted());
            signal.addEventListener('abort', onAbort, { once: true });
          });
    // Whichever promise loses a race settles later: keep it quiet.
    abort?.catch(() => undefined);
    let events: DirectoryWatch | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const starting = this.directory.start();
      await (abort ? Promise.race([starting, abort]) : starting);
      // `get` and `watch` run in the same synchronous step: a card handled before it is in the
      // map, a card handled after it reaches the iterator. Watching only now also keeps the
      // retained set of a large scope out of this iterator's buffer during `start()`.
      const known = this.directory.get(reference);
      if (known) return known;
      const watching = this.directory.watch();
      events = watching;
      const notFound = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(
            new A2AMqttError({
              code: A2A_MQTT_ERROR_CODE.AGENT_NOT_FOUND,
              message: `no agent card for ${describe(reference)} after ${timeoutMs} ms`,
              details: { reference: describe(reference), timeoutMs },
            }),
          );
        }, timeoutMs);
      });
      const found = (async (): Promise<DirectoryEntry> => {
        for await (const event of watching) {
          if (event.type === 'removed' || event.type === 'invalid') continue;
          if (matchesReference(event.entry, reference)) return event.entry;
        }
        throw new A2AMqttError({
          code: A2A_MQTT_ERROR_CODE.CLOSED,
          message: 'the resolver was closed',
        });
      })();
      found.catch(() => undefined);
      notFound.catch(() => undefined);
      return await Promise.race(abort ? [found, notFound, abort] : [found, notFound]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      await events?.return?.();
    }
  }

  close(): Promise<void> {
    return this.directory.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function describe(reference: AgentReference): string {
  return typeof reference === 'string'
    ? reference
    : `${reference.org}/${reference.unit}/${reference.agent}`;
}
