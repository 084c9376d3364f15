import { randomBytes } from 'node:crypto';
import { echoRequest, STREAM_WARMUP_TEXT, streamItemBytes } from './agent.js';
import type { BenchBroker } from './broker.js';
import {
  consumeStream,
  httpRequester,
  mqttRequester,
  type RequesterHandle,
  rawRequester,
  rawStreamRun,
  type StreamRun,
} from './contenders.js';
import { type CpuPerCall, cpuMeter } from './cpu.js';
import { type ClosedLoopResult, runClosedLoop, runSequential, withTimeout } from './load.js';
import { measureMemory } from './memory.js';
import type { ExecutorSpec, MemoryFigures, StoreKind } from './protocol.js';
import { ServerProcess } from './server-process.js';
import { type LatencySummary, summarize } from './stats.js';

/** Sizes and durations of one run (`--quick` shrinks them). */
export interface BenchConfig {
  quick: boolean;
  latencyCalls: number;
  latencyWarmup: number;
  inFlight: number;
  throughputMs: number;
  throughputWarmupMs: number;
  streamEvents: number;
  streamCapMs: number;
  /** Also stream over HTTP with our store (separates the store's effect from the transport's). */
  streamHttpFastStore: boolean;
  discoveryCards: number;
  discoveryCardBytes: number;
  /** Measured directory loads (and bare deliveries) after one warm-up; medians are reported. */
  discoveryRuns: number;
  memoryTasks: number;
  poolSizes: number[];
  poolMs: number;
  callTimeoutMs: number;
  inProcessMs: number;
}

export function benchConfig(quick: boolean): BenchConfig {
  return quick
    ? {
        quick,
        latencyCalls: 200,
        latencyWarmup: 50,
        inFlight: 64,
        throughputMs: 1_000,
        throughputWarmupMs: 300,
        streamEvents: 1_000,
        streamCapMs: 1_500,
        streamHttpFastStore: false,
        discoveryCards: 2_000,
        discoveryCardBytes: 2_048,
        discoveryRuns: 1,
        memoryTasks: 300,
        poolSizes: [1, 2, 4],
        poolMs: 500,
        callTimeoutMs: 15_000,
        inProcessMs: 300,
      }
    : {
        quick,
        latencyCalls: 2_000,
        latencyWarmup: 300,
        inFlight: 64,
        throughputMs: 10_000,
        throughputWarmupMs: 2_000,
        streamEvents: 10_000,
        streamCapMs: 15_000,
        streamHttpFastStore: true,
        discoveryCards: 10_000,
        discoveryCardBytes: 2_048,
        discoveryRuns: 5,
        memoryTasks: 1_000,
        poolSizes: [1, 2, 4],
        poolMs: 10_000,
        callTimeoutMs: 15_000,
        inProcessMs: 2_000,
      };
}

export type ContenderName = 'mqtt' | 'http' | 'raw';

/** What every scenario needs to start contenders. */
export interface BenchContext {
  config: BenchConfig;
  broker: BenchBroker;
  requestBytes: number;
  replyBytes: number;
  /** Why contender (a) cannot run (its packages failed to load), if so. */
  mqttUnavailable?: string;
  log(line: string): void;
  errors: string[];
}

let sequence = 0;
const ORG = 'bench';
const UNIT = 'lab';

/** A contender's server process plus its requester. */
interface RunningContender {
  server: ServerProcess;
  requester: RequesterHandle;
  servers: ServerProcess[];
}

async function startContender(
  context: BenchContext,
  name: ContenderName,
  executor: ExecutorSpec,
  store: StoreKind,
): Promise<RunningContender> {
  const server = await ServerProcess.start();
  try {
    const n = ++sequence;
    switch (name) {
      case 'http': {
        const { url } = await server.request<{ url: string }>({
          cmd: 'start-http',
          store,
          executor,
        });
        return { server, servers: [server], requester: await httpRequester(url) };
      }
      case 'mqtt': {
        const agent = {
          org: ORG,
          unit: UNIT,
          agent: `echo-${n}-${randomBytes(3).toString('hex')}`,
        };
        await server.request({
          cmd: 'start-mqtt',
          brokerUrl: context.broker.url,
          store,
          executor,
          agent,
        });
        const requester = await mqttRequester({ brokerUrl: context.broker.url, ...agent });
        return { server, servers: [server], requester };
      }
      case 'raw': {
        const requestTopic = `bench/raw/request/${n}`;
        await server.request({
          cmd: 'start-raw',
          brokerUrl: context.broker.url,
          requestTopic,
          replyBytes: context.replyBytes,
        });
        const requester = await rawRequester({
          brokerUrl: context.broker.url,
          requestTopic,
          requestBytes: context.requestBytes,
        });
        return { server, servers: [server], requester };
      }
    }
  } catch (error) {
    await server.kill();
    throw error;
  }
}

async function stopContender(running: RunningContender, kill = false): Promise<void> {
  await withTimeout(running.requester.close(), 5_000, 'requester close').catch(() => {});
  for (const server of running.servers) {
    await (kill ? server.kill() : server.stop());
  }
}

function contendersFor(context: BenchContext, names: ContenderName[]): ContenderName[] {
  return names.filter((name) => name !== 'mqtt' || context.mqttUnavailable === undefined);
}

/** Runs `body` for each contender; a failing contender is recorded, the others still run. */
async function eachContender<T>(
  context: BenchContext,
  scenario: string,
  names: ContenderName[],
  body: (name: ContenderName) => Promise<T>,
): Promise<Partial<Record<ContenderName, T>>> {
  const results: Partial<Record<ContenderName, T>> = {};
  for (const name of contendersFor(context, names)) {
    try {
      context.log(`  ${scenario}: ${name}`);
      results[name] = await body(name);
    } catch (error) {
      const message = `${scenario}/${name}: ${error instanceof Error ? error.message : String(error)}`;
      context.errors.push(message);
      context.log(`  ! ${message}`);
    }
  }
  return results;
}

/** The broker's pid for contenders that go through it (HTTP does not). */
function brokerPidOf(context: BenchContext, name: ContenderName): number | undefined {
  return name === 'http' ? undefined : context.broker.pid;
}

const STORE_OF: Record<ContenderName, StoreKind> = { mqtt: 'fast', http: 'sdk', raw: 'sdk' };

/** Latency percentiles of one contender, with its CPU time per call. */
export interface LatencyResult extends LatencySummary {
  cpuPerCallUs?: CpuPerCall;
}

/** 1. Sequential non-streaming calls: p50/p90/p99 per contender. */
export async function latencyScenario(
  context: BenchContext,
): Promise<Partial<Record<ContenderName, LatencyResult>>> {
  const { config } = context;
  return eachContender(context, 'latency', ['raw', 'http', 'mqtt'], async (name) => {
    const running = await startContender(context, name, { kind: 'echo' }, STORE_OF[name]);
    try {
      const cpu = cpuMeter(running.servers, brokerPidOf(context, name));
      const samples = await runSequential(running.requester.send, {
        count: config.latencyCalls,
        warmup: config.latencyWarmup,
        callTimeoutMs: config.callTimeoutMs,
        beforeWindow: () => cpu.start(),
      });
      const cpuPerCallUs = await cpu.stop(config.latencyCalls);
      return { ...summarize(samples), ...(cpuPerCallUs ? { cpuPerCallUs } : {}) };
    } finally {
      await stopContender(running);
    }
  });
}

/** 2. `inFlight` calls kept in flight: completed calls per second. */
export async function throughputScenario(
  context: BenchContext,
): Promise<Partial<Record<ContenderName, ClosedLoopResult>>> {
  const { config } = context;
  return eachContender(context, 'throughput', ['raw', 'http', 'mqtt'], async (name) => {
    const running = await startContender(context, name, { kind: 'echo' }, STORE_OF[name]);
    try {
      const cpu = cpuMeter(running.servers, brokerPidOf(context, name));
      const measured = await runClosedLoop(running.requester.send, {
        inFlight: config.inFlight,
        durationMs: config.throughputMs,
        warmupMs: config.throughputWarmupMs,
        callTimeoutMs: config.callTimeoutMs,
        beforeWindow: () => cpu.start(),
      });
      const cpuPerCallUs = await cpu.stop(measured.completed);
      const result: ClosedLoopResult = cpuPerCallUs ? { ...measured, cpuPerCallUs } : measured;
      if (result.errors > 0) {
        context.errors.push(
          `throughput/${name}: ${result.errors} failed calls (${result.firstError})`,
        );
      }
      return result;
    } finally {
      await stopContender(running);
    }
  });
}

export interface StreamingResults {
  events: number;
  capMs: number;
  replace: Record<string, StreamRun>;
  append: Record<string, StreamRun>;
}

/**
 * 3. One task emitting `streamEvents` artifact updates, replaced or appended: events/s over
 * MQTT (our store) and over HTTP SSE (the SDK's store; optionally also ours), next to the raw
 * mqtt.js streaming floor of the same sizes.
 */
export async function streamingScenario(context: BenchContext): Promise<StreamingResults> {
  const { config } = context;
  const results: StreamingResults = {
    events: config.streamEvents,
    capMs: config.streamCapMs,
    replace: {},
    append: {},
  };
  const variants: Array<{ key: string; name: ContenderName; store: StoreKind }> = [
    { key: 'mqtt', name: 'mqtt', store: 'fast' },
    { key: 'http', name: 'http', store: 'sdk' },
  ];
  if (config.streamHttpFastStore)
    variants.push({ key: 'httpFastStore', name: 'http', store: 'fast' });
  for (const shape of ['replace', 'append'] as const) {
    for (const variant of variants) {
      if (variant.name === 'mqtt' && context.mqttUnavailable !== undefined) continue;
      if (
        variant.store === 'fast' &&
        variant.name === 'http' &&
        context.mqttUnavailable !== undefined
      ) {
        continue; // our store lives in @a2a-mqtt/server
      }
      const label = `streaming ${shape}: ${variant.key}`;
      context.log(`  ${label}`);
      let running: RunningContender | undefined;
      let run: StreamRun | undefined;
      try {
        running = await startContender(
          context,
          variant.name,
          { kind: 'stream', events: config.streamEvents, append: shape === 'append' },
          variant.store,
        );
        if (!running.requester.client) throw new Error('no A2A client');
        // A short stream of the same shape first: every contender is measured warm.
        const warmUp = await consumeStream(
          running.requester.client,
          echoRequest(STREAM_WARMUP_TEXT),
          config.streamCapMs,
        );
        if (!warmUp.complete) throw new Error('the warm-up stream did not complete');
        run = await consumeStream(
          running.requester.client,
          echoRequest('stream'),
          config.streamCapMs,
        );
        results[shape][variant.key] = run;
      } catch (error) {
        const message = `${label}: ${error instanceof Error ? error.message : String(error)}`;
        context.errors.push(message);
        context.log(`  ! ${message}`);
      } finally {
        // An unfinished stream would keep the server busy: kill it rather than wait.
        if (running) await stopContender(running, run?.complete !== true);
      }
    }
    const label = `streaming ${shape}: raw`;
    context.log(`  ${label}`);
    try {
      results[shape].raw = await rawStreamFloor(context, shape === 'append');
    } catch (error) {
      const message = `${label}: ${error instanceof Error ? error.message : String(error)}`;
      context.errors.push(message);
      context.log(`  ! ${message}`);
    }
  }
  return results;
}

/** Stream items published by our server without waiting for their PUBACK (its window). */
const STREAM_WINDOW = 16;

/**
 * (c) for streaming: a bare mqtt.js server streams the same number of QoS 1 messages, of the
 * size of one of our stream items, with the same publish window and one event-loop turn per
 * item; no A2A handler, no task store. What the broker hop allows on this machine.
 */
async function rawStreamFloor(context: BenchContext, append: boolean): Promise<StreamRun> {
  const { config } = context;
  const server = await ServerProcess.start();
  let run: StreamRun | undefined;
  try {
    const requestTopic = `bench/raw/request/${++sequence}`;
    await server.request({
      cmd: 'start-raw',
      brokerUrl: context.broker.url,
      requestTopic,
      replyBytes: streamItemBytes({ events: config.streamEvents, append }),
      stream: { events: config.streamEvents, window: STREAM_WINDOW },
    });
    const streamOptions = {
      brokerUrl: context.broker.url,
      requestTopic,
      requestBytes: context.requestBytes,
      events: config.streamEvents,
      capMs: config.streamCapMs,
    };
    // One unmeasured stream first, as for the A2A contenders (the raw stream is short).
    const warmUp = await rawStreamRun(streamOptions);
    if (!warmUp.complete) throw new Error('the raw warm-up stream did not complete');
    run = await rawStreamRun(streamOptions);
    return run;
  } finally {
    await (run?.complete === true ? server.stop() : server.kill());
  }
}

export interface MemoryRow {
  tasks: number;
  client: { rss: number; heapUsed: number };
  server: { rss: number; heapUsed: number };
}

function delta(after: MemoryFigures, before: MemoryFigures) {
  return { rss: after.rss - before.rss, heapUsed: after.heapUsed - before.heapUsed };
}

/** 5. Client and server memory growth with `memoryTasks` tasks in flight at once. */
export async function memoryScenario(
  context: BenchContext,
): Promise<Partial<Record<ContenderName, MemoryRow>>> {
  const { config } = context;
  return eachContender(context, 'memory', ['http', 'mqtt'], async (name) => {
    const running = await startContender(context, name, { kind: 'hold' }, STORE_OF[name]);
    try {
      const hold = async (count: number) => {
        const calls = Array.from({ length: count }, () => running.requester.send());
        const settled = Promise.allSettled(calls);
        const deadline = Date.now() + 30_000;
        while ((await running.server.request<number>({ cmd: 'held' })) < count) {
          if (Date.now() > deadline)
            throw new Error(`only some of ${count} tasks reached the agent`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        // Wrapped: returning the promise itself would make `await hold()` wait for completion.
        return { settled };
      };
      // Warm-up round so lazily created state (connections, JIT) is not counted.
      const warm = await hold(Math.min(50, config.memoryTasks));
      await running.server.request({ cmd: 'release' });
      await withTimeout(warm.settled, 30_000, 'warm-up tasks');
      const clientBefore = measureMemory();
      const serverBefore = await running.server.memory();
      const { settled } = await hold(config.memoryTasks);
      const clientDuring = measureMemory();
      const serverDuring = await running.server.memory();
      await running.server.request({ cmd: 'release' });
      const outcomes = await withTimeout(settled, 60_000, 'held tasks');
      const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
      if (failed.length > 0) {
        throw new Error(
          `${failed.length} held tasks failed: ${(failed[0] as PromiseRejectedResult).reason}`,
        );
      }
      return {
        tasks: config.memoryTasks,
        client: delta(clientDuring, clientBefore),
        server: delta(serverDuring, serverBefore),
      };
    } finally {
      await stopContender(running);
    }
  });
}

export interface PoolRow {
  members: number;
  perSecond: number;
  errors: number;
}

/** 6. Throughput through a pool (shared subscription, prefix `a2a/v1`) of 1, 2 and 4 members. */
export async function poolScenario(context: BenchContext): Promise<PoolRow[]> {
  const { config } = context;
  const rows: PoolRow[] = [];
  if (context.mqttUnavailable !== undefined) return rows;
  for (const members of config.poolSizes) {
    context.log(`  pool: ${members} member(s)`);
    const servers: ServerProcess[] = [];
    let requester: RequesterHandle | undefined;
    try {
      const n = ++sequence;
      const pool = `echo-pool-${n}`;
      const agents: string[] = [];
      for (let i = 0; i < members; i++) {
        const server = await ServerProcess.start();
        servers.push(server);
        const agent = `pool-${n}-m${i}`;
        agents.push(agent);
        await server.request({
          cmd: 'start-mqtt',
          brokerUrl: context.broker.url,
          store: 'fast',
          executor: { kind: 'echo' },
          agent: { org: ORG, unit: UNIT, agent },
          prefix: 'a2a/v1',
          pool,
        });
      }
      requester = await mqttRequester({
        brokerUrl: context.broker.url,
        org: ORG,
        unit: UNIT,
        agent: agents[0] as string,
        prefix: 'a2a/v1',
        pool,
      });
      const result = await runClosedLoop(requester.send, {
        inFlight: config.inFlight,
        durationMs: config.poolMs,
        warmupMs: config.throughputWarmupMs,
        callTimeoutMs: config.callTimeoutMs,
      });
      if (result.errors > 0) {
        context.errors.push(
          `pool/${members}: ${result.errors} failed calls (${result.firstError})`,
        );
      }
      rows.push({ members, perSecond: result.perSecond, errors: result.errors });
    } catch (error) {
      const message = `pool/${members}: ${error instanceof Error ? error.message : String(error)}`;
      context.errors.push(message);
      context.log(`  ! ${message}`);
    } finally {
      if (requester) await withTimeout(requester.close(), 5_000, 'close').catch(() => {});
      for (const server of servers) await server.stop();
    }
  }
  return rows;
}
