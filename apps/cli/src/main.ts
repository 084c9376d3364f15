#!/usr/bin/env node
/** The `a2a-mqtt` command (see `a2a-mqtt --help`). */
import pino from 'pino';
import { runCli } from './cli.js';
import { EXIT_CODE } from './exit-codes.js';

const argv = process.argv.slice(2);
// One-shot commands report failures as one line of their own: library logs stay silent unless
// asked for. Long-running ones (serve, broker) log warnings.
const longRunning = argv.some((arg) => arg === 'serve' || arg === 'broker');
const level = (
  process.env.A2A_MQTT_LOG_LEVEL ??
  process.env.LOG_LEVEL ??
  (longRunning ? 'warn' : 'silent')
).toLowerCase();
const verbose = level === 'debug' || level === 'trace';
const logger = pino(
  {
    name: 'a2a-mqtt',
    level: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)
      ? level
      : 'warn',
    // Stack traces only when asked for (debug/trace): errors stay one line.
    ...(verbose ? {} : { serializers: { err: compactError } }),
  },
  pino.destination(2),
);

function compactError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
}

// Output piped into a reader that stops early (`| head`): leave quietly, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_CODE.OK);
    throw error;
  });
}

const controller = new AbortController();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C leaves at once.
    if (interrupted) process.exit(EXIT_CODE.INTERRUPTED);
    interrupted = true;
    controller.abort(new Error(signal));
  });
}

runCli(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
  logger,
}).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; never hang on a stray handle.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`a2a-mqtt: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_CODE.FAILURE;
  },
);
