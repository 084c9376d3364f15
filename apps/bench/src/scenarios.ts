import { randomBytes, randomUUID } from 'node:crypto';
import { echoRequest, PAYLOAD_TEXT_BYTES, STREAM_WARMUP_TEXT, streamItemBytes } from './agent.js';
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
import type { ExecutorSpec, MemoryFigures, ServerTimings, StoreKind } from './protocol.js';
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
  /**
   * Latency calls and the throughput window are split into this many blocks, measured
   * interleaved across the contenders; streams are repeated `streamRounds` times.
   */
  blocks: number;
  /** Measured streams per contender and shape, interleaved; the median run is reported. */
  streamRounds: number;
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
        blocks: 2,
        streamRounds: 1,
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
        blocks: 10,
        streamRounds: 5,
      };
}

/**
 * `rawToMqtt` (d) is diagnostic: a bare mqtt.js requester sending real SendMessage requests to
 * our server, so the latency of our server alone shows next to (a) and (c).
 */
export type ContenderName = 'mqtt' | 'http' | 'raw' | 'rawToMqtt';

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
  timed = false,
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
        const agent = await startMqttServer(context, server, n, executor, store, timed);
        const requester = await mqttRequester({ brokerUrl: context.broker.url, ...agent });
        return { server, servers: [server], requester };
      }
      case 'rawToMqtt': {
        const agent = await startMqttServer(context, server, n, executor, store, timed);
        const requester = await rawRequester({
          brokerUrl: context.broker.url,
          requestTopic: `$a2a/v1/request/${agent.org}/${agent.unit}/${agent.agent}`,
          requestBytes: context.requestBytes,
          body: rawSendMessageBody,
          userProperties: { 'A2A-Version': '1.0' },
          expectInReply: '"TASK_STATE_COMPLETED"',
        });
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

/** Starts our server in `server` for a fresh agent of the bench unit; returns its address. */
async function startMqttServer(
  context: BenchContext,
  server: ServerProcess,
  n: number,
  executor: ExecutorSpec,
  store: StoreKind,
  timed: boolean,
): Promise<{ org: string; unit: string; agent: string }> {
  const agent = { org: ORG, unit: UNIT, agent: `echo-${n}-${randomBytes(3).toString('hex')}` };
  await server.request({
    cmd: 'start-mqtt',
    brokerUrl: context.broker.url,
    store,
    executor,
    agent,
    ...(timed ? { timed } : {}),
  });
  return agent;
}

async function stopContender(running: RunningContender, kill = false): Promise<void> {
  await withTimeout(running.requester.close(), 5_000, 'requester close').catch(() => {});
  for (const server of running.servers) {
    await (kill ? server.kill() : server.stop());
  }
}

function contendersFor(context: BenchContext, names: ContenderName[]): ContenderName[] {
  return names.filter(
    (name) => (name !== 'mqtt' && name !== 'rawToMqtt') || context.mqttUnavailable === undefined,
  );
}

const PAYLOAD_TEXT = 'x'.repeat(PAYLOAD_TEXT_BYTES);

/** A SendMessage JSON-RPC request for a new task (fresh ids), as our client would send it. */
function rawSendMessageBody(): Buffer {
  return Buffer.from(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: {
        message: {
          messageId: randomUUID(),
          taskId: randomUUID(),
          contextId: randomUUID(),
          role: 'ROLE_USER',
          parts: [{ text: PAYLOAD_TEXT }],
        },
      },
    }),
  );
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

const STORE_OF: Record<ContenderName, StoreKind> = {
  mqtt: 'fast',
  http: 'sdk',
  raw: 'sdk',
  rawToMqtt: 'fast',
};

/** Latency percentiles of one contender, with its CPU time per call. */
export interface LatencyResult extends LatencySummary {
  cpuPerCallUs?: CpuPerCall;
  /**
   * Our server only (a, d): medians over the measured calls of the time from a request's
   * arrival to the publish of its reply, and of the time inside the SDK's handler, in µs.
   */
  serverMedianUs?: { serve: number; handle: number };
}

/** Adds `b` into `a` (CPU time per call of one block, weighted by its calls). */
function addCpu(sum: CpuTotals, perCall: CpuPerCall | undefined, calls: number): void {
  if (perCall === undefined || calls <= 0) return;
  sum.calls += calls;
  sum.client += perCall.client * calls;
  sum.server += perCall.server * calls;
  if (perCall.broker !== undefined) sum.broker = (sum.broker ?? 0) + perCall.broker * calls;
}

interface CpuTotals {
  calls: number;
  client: number;
  server: number;
  broker?: number;
}

function cpuPerCallOf(sum: CpuTotals): CpuPerCall | undefined {
  if (sum.calls === 0) return undefined;
  const result: CpuPerCall = { client: sum.client / sum.calls, server: sum.server / sum.calls };
  if (sum.broker !== undefined) result.broker = sum.broker / sum.calls;
  return result;
}

/**
 * Starts every contender of `names` at once (each idle while another is measured), then
 * measures them block by block, interleaved, rotating the order every block: whatever else
 * the machine does during the run is shared by all contenders, so their ratios hold on a
 * noisy machine. `warmUp` runs once per contender first; a contender that fails is recorded
 * and left out of the later blocks.
 */
async function interleaved<T>(
  context: BenchContext,
  scenario: string,
  names: ContenderName[],
  blocks: number,
  warmUp: (running: RunningContender) => Promise<void>,
  measure: (running: RunningContender, name: ContenderName, block: number) => Promise<T>,
  timed = false,
): Promise<Map<ContenderName, T[]>> {
  const started = new Map<ContenderName, RunningContender>();
  const results = new Map<ContenderName, T[]>();
  const fail = (name: ContenderName, error: unknown) => {
    const message = `${scenario}/${name}: ${error instanceof Error ? error.message : String(error)}`;
    context.errors.push(message);
    context.log(`  ! ${message}`);
    started.delete(name);
    results.delete(name);
  };
  const all: RunningContender[] = [];
  try {
    for (const name of contendersFor(context, names)) {
      try {
        context.log(`  ${scenario}: starting ${name}`);
        const running = await startContender(
          context,
          name,
          { kind: 'echo' },
          STORE_OF[name],
          timed,
        );
        all.push(running);
        await warmUp(running);
        started.set(name, running);
        results.set(name, []);
      } catch (error) {
        fail(name, error);
      }
    }
    const order = [...started.keys()];
    for (let block = 0; block < blocks; block++) {
      const rotated = order.map((_, i) => order[(i + block) % order.length] as ContenderName);
      for (const name of rotated) {
        const running = started.get(name);
        if (running === undefined) continue;
        try {
          results.get(name)?.push(await measure(running, name, block));
        } catch (error) {
          fail(name, error);
        }
      }
    }
    context.log(`  ${scenario}: ${blocks} interleaved block(s) of ${order.join(', ')}`);
    return results;
  } finally {
    for (const running of all) await stopContender(running);
  }
}

/**
 * 1. Sequential non-streaming calls: p50/p90/p99 per contender, from `latencyCalls` calls
 * measured in `blocks` interleaved blocks.
 */
export async function latencyScenario(
  context: BenchContext,
): Promise<Partial<Record<ContenderName, LatencyResult>>> {
  const { config } = context;
  const perBlock = Math.ceil(config.latencyCalls / config.blocks);
  const measured = await interleaved(
    context,
    'latency',
    ['raw', 'http', 'mqtt', 'rawToMqtt'],
    config.blocks,
    async (running) => {
      await runSequential(running.requester.send, {
        count: 0,
        warmup: config.latencyWarmup,
        callTimeoutMs: config.callTimeoutMs,
      });
    },
    async (running, name) => {
      const cpu = cpuMeter(running.servers, brokerPidOf(context, name));
      const ours = name === 'mqtt' || name === 'rawToMqtt';
      const samples = await runSequential(running.requester.send, {
        count: perBlock,
        warmup: 0,
        callTimeoutMs: config.callTimeoutMs,
        beforeWindow: async () => {
          if (ours) await running.server.request({ cmd: 'timings' }); // drop earlier samples
          await cpu.start();
        },
      });
      const cpuPerCall = await cpu.stop(perBlock);
      const timings = ours
        ? await running.server.request<ServerTimings>({ cmd: 'timings' })
        : undefined;
      return { samples, cpu: cpuPerCall, timings };
    },
    true, // our servers time each call (diagnostic, latency only: not on the throughput path)
  );
  const results: Partial<Record<ContenderName, LatencyResult>> = {};
  for (const [name, blocks] of measured) {
    if (blocks.length === 0) continue;
    const samples = new Float64Array(blocks.reduce((n, block) => n + block.samples.length, 0));
    const cpu: CpuTotals = { calls: 0, client: 0, server: 0 };
    let offset = 0;
    for (const block of blocks) {
      samples.set(block.samples, offset);
      offset += block.samples.length;
      addCpu(cpu, block.cpu, block.samples.length);
    }
    const cpuPerCallUs = cpuPerCallOf(cpu);
    const serve = blocks.flatMap((block) => block.timings?.serve ?? []);
    const handle = blocks.flatMap((block) => block.timings?.handle ?? []);
    results[name] = {
      ...summarize(samples),
      ...(cpuPerCallUs ? { cpuPerCallUs } : {}),
      ...(serve.length > 0 && handle.length > 0
        ? { serverMedianUs: { serve: median(serve), handle: median(handle) } }
        : {}),
    };
  }
  return results;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

/**
 * 2. `inFlight` calls kept in flight: completed calls per second over `throughputMs`, measured
 * in `blocks` interleaved windows.
 */
export async function throughputScenario(
  context: BenchContext,
): Promise<Partial<Record<ContenderName, ClosedLoopResult>>> {
  const { config } = context;
  const windowMs = config.throughputMs / config.blocks;
  const measured = await interleaved(
    context,
    'throughput',
    ['raw', 'http', 'mqtt'],
    config.blocks,
    async (running) => {
      await runClosedLoop(running.requester.send, {
        inFlight: config.inFlight,
        durationMs: config.throughputWarmupMs,
        warmupMs: 0,
        callTimeoutMs: config.callTimeoutMs,
      });
    },
    async (running, name) => {
      const cpu = cpuMeter(running.servers, brokerPidOf(context, name));
      const result = await runClosedLoop(running.requester.send, {
        inFlight: config.inFlight,
        durationMs: windowMs,
        warmupMs: 0,
        callTimeoutMs: config.callTimeoutMs,
        beforeWindow: () => cpu.start(),
      });
      return { result, cpu: await cpu.stop(result.completed) };
    },
  );
  const results: Partial<Record<ContenderName, ClosedLoopResult>> = {};
  for (const [name, blocks] of measured) {
    if (blocks.length === 0) continue;
    let completed = 0;
    let errors = 0;
    let elapsedMs = 0;
    let firstError: string | undefined;
    const cpu: CpuTotals = { calls: 0, client: 0, server: 0 };
    for (const { result, cpu: blockCpu } of blocks) {
      completed += result.completed;
      errors += result.errors;
      elapsedMs += result.elapsedMs;
      firstError ??= result.firstError;
      addCpu(cpu, blockCpu, result.completed);
    }
    const cpuPerCallUs = cpuPerCallOf(cpu);
    const result: ClosedLoopResult = {
      completed,
      errors,
      elapsedMs,
      perSecond: completed / (elapsedMs / 1000),
      ...(firstError === undefined ? {} : { firstError }),
      ...(cpuPerCallUs ? { cpuPerCallUs } : {}),
    };
    if (errors > 0) {
      context.errors.push(`throughput/${name}: ${errors} failed calls (${firstError})`);
    }
    results[name] = result;
  }
  return results;
}

export interface StreamingResults {
  events: number;
  capMs: number;
  /** Measured streams per contender and shape (the median is reported). */
  rounds: number;
  replace: Record<string, StreamRun>;
  append: Record<string, StreamRun>;
}

/** One streaming contender of one shape, started and warm. */
interface StreamContender {
  key: string;
  /** One measured stream; the contender is unusable after an incomplete one. */
  run(): Promise<StreamRun>;
  stop(kill: boolean): Promise<void>;
}

/**
 * 3. One task emitting `streamEvents` artifact updates, replaced or appended: events/s over
 * MQTT (our store) and over HTTP SSE (the SDK's store; optionally also ours), next to the raw
 * mqtt.js streaming floor of the same sizes. Per shape, every contender is started and warmed
 * up, then measured `streamRounds` times, interleaved with rotating order; the median round is
 * reported. A contender whose stream hit the cap is killed and not run again (its rate only
 * falls as the task grows).
 */
export async function streamingScenario(context: BenchContext): Promise<StreamingResults> {
  const { config } = context;
  const results: StreamingResults = {
    events: config.streamEvents,
    capMs: config.streamCapMs,
    rounds: config.streamRounds,
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
    const contenders: StreamContender[] = [];
    const fail = (key: string, error: unknown) => {
      const message = `streaming ${shape}: ${key}: ${error instanceof Error ? error.message : String(error)}`;
      context.errors.push(message);
      context.log(`  ! ${message}`);
    };
    try {
      for (const variant of variants) {
        if (context.mqttUnavailable !== undefined && variant.store === 'fast') continue;
        context.log(`  streaming ${shape}: starting ${variant.key}`);
        try {
          contenders.push(await startStreamContender(context, variant, shape === 'append'));
        } catch (error) {
          fail(variant.key, error);
        }
      }
      try {
        context.log(`  streaming ${shape}: starting raw`);
        contenders.push(await startRawStreamFloor(context, shape === 'append'));
      } catch (error) {
        fail('raw', error);
      }
      const runs = new Map<string, StreamRun[]>(contenders.map((c) => [c.key, []]));
      const active = new Set(contenders);
      for (let round = 0; round < config.streamRounds; round++) {
        const rotated = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
        for (const contender of rotated) {
          if (contender === undefined || !active.has(contender)) continue;
          try {
            const run = await contender.run();
            runs.get(contender.key)?.push(run);
            if (!run.complete) {
              // An unfinished stream keeps its server busy: stop it before the next one runs.
              active.delete(contender);
              await contender.stop(true);
            }
          } catch (error) {
            fail(contender.key, error);
            active.delete(contender);
            await contender.stop(true);
          }
        }
      }
      for (const [key, list] of runs) {
        const median = medianRun(list);
        if (median !== undefined) results[shape][key] = median;
      }
    } finally {
      for (const contender of contenders) await contender.stop(false);
    }
  }
  return results;
}

/** The run with the median rate, carrying the rate of every round. */
function medianRun(runs: StreamRun[]): StreamRun | undefined {
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((a, b) => a.perSecond - b.perSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as StreamRun;
  return runs.length === 1 ? median : { ...median, roundsPerSecond: runs.map((r) => r.perSecond) };
}

async function startStreamContender(
  context: BenchContext,
  variant: { key: string; name: ContenderName; store: StoreKind },
  append: boolean,
): Promise<StreamContender> {
  const { config } = context;
  const running = await startContender(
    context,
    variant.name,
    { kind: 'stream', events: config.streamEvents, append },
    variant.store,
  );
  let stopped = false;
  const stop = async (kill: boolean) => {
    if (stopped) return;
    stopped = true;
    await stopContender(running, kill);
  };
  try {
    const client = running.requester.client;
    if (!client) throw new Error('no A2A client');
    // A short stream of the same shape first: every contender is measured warm.
    const warmUp = await consumeStream(client, echoRequest(STREAM_WARMUP_TEXT), config.streamCapMs);
    if (!warmUp.complete) throw new Error('the warm-up stream did not complete');
    return {
      key: variant.key,
      stop,
      run: async () => {
        const cpu = cpuMeter(running.servers, brokerPidOf(context, variant.name));
        await cpu.start();
        const run = await consumeStream(client, echoRequest('stream'), config.streamCapMs);
        const cpuPerEventUs = await cpu.stop(run.events);
        return cpuPerEventUs ? { ...run, cpuPerEventUs } : run;
      },
    };
  } catch (error) {
    await stop(true);
    throw error;
  }
}

/** Stream items published by our server without waiting for their PUBACK (its window). */
const STREAM_WINDOW = 16;

/**
 * (c) for streaming: a bare mqtt.js server streams the same number of QoS 1 messages, of the
 * size of one of our stream items, with the same publish window and one event-loop turn per
 * item; no A2A handler, no task store. What the broker hop allows on this machine.
 */
async function startRawStreamFloor(
  context: BenchContext,
  append: boolean,
): Promise<StreamContender> {
  const { config } = context;
  const server = await ServerProcess.start();
  let stopped = false;
  const stop = async (kill: boolean) => {
    if (stopped) return;
    stopped = true;
    await (kill ? server.kill() : server.stop());
  };
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
    return {
      key: 'raw',
      stop,
      run: async () => {
        const cpu = cpuMeter([server], context.broker.pid);
        await cpu.start();
        const run = await rawStreamRun(streamOptions);
        const cpuPerEventUs = await cpu.stop(run.events);
        return cpuPerEventUs ? { ...run, cpuPerEventUs } : run;
      },
    };
  } catch (error) {
    await stop(true);
    throw error;
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
