import { type FSWatcher, watch } from 'node:fs';
import type { AgentCard } from '@a2a-js/sdk';
import type { AgentExecutor, TaskStore } from '@a2a-js/sdk/server';
import {
  connectMqttSession,
  type MqttSession,
  type MqttSessionOptions,
} from '@a2a-mqtt/connection';
import type { AgentAddress, TopicScheme } from '@a2a-mqtt/protocol';
import { type A2AMqttServer, createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';
import type { Packet } from 'mqtt';
import type { Logger } from 'pino';
import type { ScenarioContext } from './scenario.js';

/** Bounds of one wait: how long, what (for the timeout message), and an abort signal. */
export interface WaitOptions {
  timeoutMs: number;
  what: string;
  /** Rejects early with the signal's reason (the scenario's own signal, usually). */
  signal?: AbortSignal;
}

/** Registers `listener` for "something changed"; returns a function that removes it. */
export type ChangeSource = (listener: () => void) => () => void;

/**
 * Waits until `check()` returns a value other than `undefined`/`false`, re-checking only when
 * `changes` reports a change (never on a timer); rejects after `timeoutMs` naming `what`. The
 * check runs once at once, and again after every change (never two at a time: changes that
 * arrive during a check queue one more check).
 */
export function waitForChange<T>(
  changes: ChangeSource,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let running = false;
    let again = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      options.signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const run = async (): Promise<void> => {
      if (settled) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const value = await check();
          if (value !== undefined && value !== false) {
            finish(() => resolve(value));
            return;
          }
        } while (again && !settled);
      } catch (error) {
        finish(() => reject(error));
      } finally {
        running = false;
      }
    };
    const onAbort = (): void => finish(() => reject(options.signal?.reason));
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`)),
        ),
      options.timeoutMs,
    );
    const unsubscribe = changes(() => void run());
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    void run();
  });
}

/**
 * A growing list of things a scenario observed (directory events, stream items) that can be
 * awaited: {@link Observations.waitFor} re-checks its predicate on every new item.
 */
export class Observations<T> {
  readonly items: T[] = [];
  readonly #listeners = new Set<() => void>();

  /** Records an item and wakes the waiters. */
  push(item: T): void {
    this.items.push(item);
    for (const listener of [...this.#listeners]) listener();
  }

  /** The change source of {@link waitForChange}: one change per pushed item. */
  readonly changes: ChangeSource = (listener) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Waits until `check(items)` holds (checked now and after every push). */
  waitFor<R = true>(
    check: (items: readonly T[]) => R | boolean | undefined,
    options: WaitOptions,
  ): Promise<R | true> {
    return waitForChange(
      this.changes,
      () => {
        const value = check(this.items);
        return value === false || value === undefined ? undefined : value;
      },
      options,
    );
  }
}

/** A change source that fires on every file system event in `directory` (inotify, no polling). */
export function directoryChanges(directory: string): ChangeSource {
  return (listener) => {
    const watcher: FSWatcher = watch(directory, () => listener());
    watcher.on('error', () => listener());
    return () => watcher.close();
  };
}

/** Rejects with a clear message if `promise` does not settle within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves with the reason code of the broker's PUBACK for the next QoS 1 PUBLISH this session
 * sends on `topic` (0 = accepted, and a subscriber, online or a persistent session, holds it).
 * Listens to the session's own packets (mqtt.js `packetsend` / `packetreceive`): no other
 * client's topics are read.
 */
export function waitForPublishAck(
  session: MqttSession,
  topic: string,
  options: WaitOptions,
): Promise<number> {
  const client = session.client;
  let messageId: number | undefined;
  let reasonCode: number | undefined;
  const changes: ChangeSource = (listener) => {
    const onSend = (packet: Packet): void => {
      if (messageId === undefined && packet.cmd === 'publish' && packet.topic === topic) {
        messageId = packet.messageId;
      }
    };
    const onReceive = (packet: Packet): void => {
      if (packet.cmd === 'puback' && messageId !== undefined && packet.messageId === messageId) {
        reasonCode = packet.reasonCode ?? 0;
        listener();
      }
    };
    client.on('packetsend', onSend);
    client.on('packetreceive', onReceive);
    return () => {
      client.off('packetsend', onSend);
      client.off('packetreceive', onReceive);
    };
  };
  return waitForChange(changes, () => reasonCode, options);
}

/**
 * Simulates a crash of a process's connection inside this process: the socket goes away
 * without DISCONNECT (the broker publishes the Last Will), and the session is closed so it does
 * not reconnect.
 */
export async function crashSession(session: MqttSession): Promise<void> {
  session.destroySocket();
  await session.close({ force: true });
}

/**
 * Removes a persistent session from the broker: connects with the same client id and a clean
 * start (the broker discards the old session, its subscriptions and queue), then disconnects.
 * Keeps a shared broker tidy after a scenario.
 */
export async function discardSession(url: string, clientId: string, logger: Logger): Promise<void> {
  const session = await connectMqttSession({
    url,
    clientId,
    reconnect: { enabled: false },
    logger,
  });
  await session.close();
}

/** Options of {@link startAgent}. */
export interface StartAgentOptions {
  context: ScenarioContext;
  topics: TopicScheme;
  agent: AgentAddress;
  card: AgentCard;
  executor: AgentExecutor;
  taskStore?: TaskStore;
  /** Extra session options (persistence, reconnect). */
  session?: Omit<MqttSessionOptions, 'url'>;
  pool?: string;
  /** Clear the retained card when the scenario ends (default true). */
  unregisterOnCleanup?: boolean;
}

/**
 * Starts one agent as an MQTT server (its own session, presence will, retained card) and
 * registers its graceful shutdown (card cleared, session closed) as a scenario cleanup.
 */
export async function startAgent(options: StartAgentOptions): Promise<A2AMqttServer> {
  const { context } = options;
  const server = await createA2AMqttServer({
    session: { ...options.session, url: context.env.brokerUrl, logger: context.logger },
    agent: options.agent,
    requestHandler: createRequestHandler({
      agentCard: options.card,
      agentExecutor: options.executor,
      ...(options.taskStore ? { taskStore: options.taskStore } : {}),
    }),
    topics: options.topics,
    ...(options.pool ? { pool: options.pool } : {}),
    shutdownTimeoutMs: 2_000,
    logger: context.logger.child({ agent: options.agent.agent }),
  });
  context.defer(async () => {
    if (!server.session.connected) return;
    if (options.unregisterOnCleanup !== false) {
      await server.registration?.unregister().catch(() => undefined);
    }
    await server.close({ timeoutMs: 1_000 });
  });
  return server;
}
