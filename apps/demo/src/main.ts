#!/usr/bin/env node
/**
 * `pnpm demo`: the three seed scenarios of A2A over MQTT on an embedded broker (or `--broker`).
 * Exit code 0 only when every scenario met all of its expectations.
 */
import { parseArgs } from 'node:util';
import { createAppLogger } from './logger.js';
import { createJsonReporter, createTerminalReporter, type ScenarioId } from './output/reporter.js';
import { killDemoProcessesSync } from './processes/demo-process.js';
import { runDemo } from './run-demo.js';
import { SCENARIOS } from './scenarios/index.js';

const HELP = `Usage: pnpm demo [-- options]   (or: node apps/demo/dist/main.mjs [options])

Runs three scenarios of A2A over MQTT and checks each one's expectations:
  1. code-generation  discover an agent by name, stream status, a TODO List and code
  2. diagnosis        long-running agent, pipeline disconnects, agent restarts, nothing lost
  3. platform         multi-agent nodes, a shared pool, live discovery, a node killed

Options:
  --broker URL   use this broker instead of an embedded mosquitto (env A2A_MQTT_URL), e.g.
                 mqtt://localhost:1883 or mqtts://user:pass@host:8883/{org}/{unit}
  --prefix P     topic prefix (env A2A_MQTT_PREFIX; default a2a/v1 on the embedded
                 mosquitto, $a2a/v1 elsewhere)
  --org ID       organisation (default: from the URL, or "demo")
  --only IDS     comma-separated scenario ids to run
  --json         one JSON object per line on stdout
  -h, --help     this help

Logs (pino, JSON) go to stderr; level from A2A_MQTT_LOG_LEVEL or LOG_LEVEL (default warn).
Exit codes: 0 all scenarios passed, 1 a scenario failed (or the broker is unreachable),
2 bad usage, 130 interrupted (SIGINT/SIGTERM: child processes and the broker are stopped).`;

/** Exit code after SIGINT / SIGTERM. */
const EXIT_INTERRUPTED = 130;

// Output piped into a reader that stops early (`| head`): leave quietly, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

// Ctrl-C / SIGTERM: the demo's child processes die at once, the running scenario fails and
// cleans up, the embedded broker is stopped; a second signal leaves immediately.
const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killDemoProcessesSync();
    if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
    process.stderr.write(`demo: ${signal}, stopping\n`);
    interrupt.abort(new Error(`interrupted (${signal})`));
  });
}

async function main(): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  function parse() {
    return parseArgs({
      args: process.argv.slice(2).filter((arg) => arg !== '--'),
      options: {
        broker: { type: 'string' },
        prefix: { type: 'string' },
        org: { type: 'string' },
        only: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  }
  try {
    values = parse().values;
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const known = SCENARIOS.map((scenario) => scenario.id);
  const only = values.only?.split(',').map((id) => id.trim()) as ScenarioId[] | undefined;
  const unknown = only?.filter((id) => !known.includes(id));
  if (unknown && unknown.length > 0) {
    process.stderr.write(
      `demo: unknown scenario ${unknown.join(', ')} (known: ${known.join(', ')})\n`,
    );
    return 2;
  }
  const logger = createAppLogger('a2a-mqtt-demo');
  const reporter = values.json
    ? createJsonReporter(process.stdout)
    : createTerminalReporter(process.stdout);
  const brokerUrl = values.broker ?? (process.env.A2A_MQTT_URL || undefined);
  const prefix = values.prefix ?? (process.env.A2A_MQTT_PREFIX || undefined);
  try {
    const result = await runDemo({
      ...(brokerUrl === undefined ? {} : { brokerUrl }),
      ...(prefix === undefined ? {} : { prefix }),
      ...(values.org === undefined ? {} : { org: values.org }),
      ...(only === undefined ? {} : { only }),
      reporter,
      logger,
      signal: interrupt.signal,
    });
    if (interrupt.signal.aborted) return EXIT_INTERRUPTED;
    return result.ok ? 0 : 1;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    logger.debug({ err: error }, 'demo failed');
    if (interrupt.signal.aborted) return EXIT_INTERRUPTED;
    process.stderr.write(
      `demo: ${typeof code === 'string' ? `${code}: ` : ''}${notMqttMessage(error) ?? message.split('\n')[0]}\n`,
    );
    return 1;
  }
}

/**
 * The preflight connect reached something that is not an MQTT v5 broker (an HTTP server, a
 * closed or silent port): one clear line instead of an mqtt.js parser message.
 */
function notMqttMessage(error: unknown): string | undefined {
  if ((error as { code?: unknown }).code !== 'CONNECT_FAILED' || !(error instanceof Error)) {
    return undefined;
  }
  const details = (error as { details?: { broker?: unknown } }).details;
  const broker = typeof details?.broker === 'string' ? details.broker : 'the broker';
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const parserError =
    cause !== undefined &&
    (cause as NodeJS.ErrnoException).code === undefined &&
    /^(Invalid|Malformed|Not supported|Packet too short|Cannot parse)/i.test(cause.message);
  if (
    parserError ||
    /closed before a CONNACK/.test(error.message) ||
    /connack timeout/i.test(cause?.message ?? '')
  ) {
    return `the endpoint at ${broker} did not answer as an MQTT v5 broker (check the host, port and scheme)`;
  }
  return undefined;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; if a stray handle still holds the event loop, do not hang.
    setTimeout(() => process.exit(code), 3_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
