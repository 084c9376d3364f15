/**
 * `pnpm bench [--quick] [--json]`: A2A over MQTT (our client and server) against @a2a-js/sdk
 * over HTTP and against raw mqtt.js request/reply, in one run on loopback with a private
 * mosquitto (`set_tcp_nodelay true`). See BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { PAYLOAD_TEXT_BYTES } from './agent.js';
import { type BenchBroker, startBenchBroker } from './broker.js';
import { discoveryScenario } from './discovery.js';
import { measureInProcess } from './in-process.js';
import {
  type BenchResults,
  checkTargets,
  computeRatios,
  type MachineInfo,
  renderReport,
} from './report.js';
import {
  type BenchContext,
  benchConfig,
  latencyScenario,
  memoryScenario,
  poolScenario,
  streamingScenario,
  throughputScenario,
} from './scenarios.js';
import { killAllServerProcesses } from './server-process.js';
import { runServerRole } from './server-role.js';

interface CliOptions {
  quick: boolean;
  json: boolean;
  only?: Set<string>;
}

const SCENARIOS = ['latency', 'throughput', 'streaming', 'discovery', 'memory', 'pool'] as const;

function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = { quick: false, json: false };
  for (const arg of argv) {
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json') options.json = true;
    else if (arg.startsWith('--only=')) options.only = new Set(arg.slice(7).split(','));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        `usage: pnpm bench [--quick] [--json] [--only=${SCENARIOS.join(',')}]\n`,
      );
      process.exit(0);
    } else if (arg !== '--') {
      process.stderr.write(`unknown argument: ${arg}\n`);
      process.exit(2);
    }
  }
  return options;
}

function machineInfo(): MachineInfo {
  let broker = 'mosquitto';
  try {
    // `mosquitto -h` prints its version first and exits with status 3.
    execFileSync('/usr/sbin/mosquitto', ['-h'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const stdout = String((error as { stdout?: string }).stdout ?? '');
    broker = stdout.split('\n')[0]?.trim() || broker;
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: totalmem() / 1024 ** 3,
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    broker,
  };
}

async function probeMqttPackages(): Promise<string | undefined> {
  try {
    await import('@a2a-mqtt/client');
    await import('@a2a-mqtt/server');
    await import('@a2a-mqtt/discovery');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const config = benchConfig(options.quick);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const wanted = (name: (typeof SCENARIOS)[number]) => !options.only || options.only.has(name);
  const started = performance.now();

  const brokers: BenchBroker[] = [];
  const cleanup = async () => {
    killAllServerProcesses();
    for (const broker of brokers.splice(0)) await broker.stop().catch(() => {});
  };
  // Hard bound on the whole run: whatever hangs, everything started is stopped.
  const watchdog = setTimeout(
    () => {
      log(`bench: exceeded its time limit; stopping`);
      void cleanup().finally(() => process.exit(3));
    },
    options.quick ? 120_000 : 900_000,
  );
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void cleanup().finally(() => process.exit(130));
    });
  }

  const errors: string[] = [];
  try {
    log(`a2a-mqtt bench (${options.quick ? 'quick' : 'full'})`);
    const broker = await startBenchBroker();
    brokers.push(broker);
    log(`broker ${broker.url} (${broker.source})`);
    const mqttUnavailable = await probeMqttPackages();
    if (mqttUnavailable !== undefined) {
      errors.push(`contender (a) unavailable: ${mqttUnavailable}`);
      log(`! contender (a) unavailable: ${mqttUnavailable}`);
    }
    log('in-process SDK handler');
    const inProcess = await measureInProcess(config.inProcessMs, config.streamEvents);
    const context: BenchContext = {
      config,
      broker,
      requestBytes: inProcess.requestBytes,
      replyBytes: inProcess.replyBytes,
      mqttUnavailable,
      log,
      errors,
    };
    log('1. latency');
    const latency = wanted('latency') ? await latencyScenario(context) : {};
    log('2. throughput');
    const throughput = wanted('throughput') ? await throughputScenario(context) : {};
    log('3. streaming');
    const streaming = wanted('streaming') ? await streamingScenario(context) : undefined;
    log('4. discovery');
    const discovery = wanted('discovery')
      ? await discoveryScenario({
          cards: config.discoveryCards,
          cardBytes: config.discoveryCardBytes,
          runs: config.discoveryRuns,
          log,
          mqttUnavailable,
        }).catch((error: unknown) => {
          errors.push(`discovery: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        })
      : undefined;
    log('5. memory');
    const memory = wanted('memory') ? await memoryScenario(context) : {};
    log('6. pool scaling');
    const pool = wanted('pool') ? await poolScenario(context) : [];

    const partial = {
      command: `pnpm bench${options.quick ? ' --quick' : ''}${options.json ? ' --json' : ''}`,
      quick: options.quick,
      startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
      durationS: (performance.now() - started) / 1000,
      machine: machineInfo(),
      payload: {
        textBytes: PAYLOAD_TEXT_BYTES,
        requestBytes: inProcess.requestBytes,
        replyBytes: inProcess.replyBytes,
      },
      inProcess,
      latency: { calls: config.latencyCalls, blocks: config.blocks, results: latency },
      throughput: {
        inFlight: config.inFlight,
        durationMs: config.throughputMs,
        blocks: config.blocks,
        results: throughput,
      },
      streaming,
      discovery,
      discovery10kMs:
        discovery?.cards === 10_000 && discovery.entries === 10_000
          ? discovery.directoryMs
          : undefined,
      memory,
      pool,
      errors,
    };
    const withRatios = { ...partial, ratios: computeRatios(partial) };
    const results: BenchResults = { ...withRatios, targets: checkTargets(withRatios) };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    } else {
      process.stdout.write(`\n${renderReport(results)}\n`);
    }
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
}

if (process.argv.includes('--role=server')) {
  runServerRole().catch((error: unknown) => {
    process.stderr.write(`bench server process failed: ${String(error)}\n`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `bench failed: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      killAllServerProcesses();
      process.exit(1);
    },
  );
}
