/**
 * The child side of the demo's processes: events as JSON lines on stdout, logs on stderr, and a
 * graceful stop on SIGTERM / SIGINT or when the parent goes away (stdin closes).
 */
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { createAppLogger } from '../logger.js';

/** Prints one event for the parent (one JSON object per line). */
export function emitEvent(event: { event: string } & Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** The broker URL (from the environment: credentials never go on the command line). */
export function brokerUrlFromEnv(): string {
  const url = process.env.A2A_MQTT_URL;
  if (!url) throw new Error('A2A_MQTT_URL is not set');
  return url;
}

/** Parses `--name value` options (all strings, all required unless a default is given). */
export function parseChildArgs<K extends string>(
  names: readonly K[],
  defaults: Partial<Record<K, string>> = {},
): Record<K, string> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<
      K,
      { type: 'string' }
    >,
    strict: true,
  });
  const result = {} as Record<K, string>;
  for (const name of names) {
    const value = (values as Partial<Record<K, string>>)[name] ?? defaults[name];
    if (value === undefined) throw new Error(`missing --${name}`);
    result[name] = value;
  }
  return result;
}

/** The child's logger: pino JSON on stderr, at the parent's level (`--log-level`). */
export function childLogger(name: string, level: string): Logger {
  return createAppLogger(name, { ...process.env, A2A_MQTT_LOG_LEVEL: level });
}

/**
 * Runs `main` and keeps the process alive until SIGTERM / SIGINT or the end of stdin, then
 * runs the `stop` it returned and exits 0 (1 when starting or stopping failed; a stop request
 * that arrives while `main` is still starting exits at once).
 */
export function runChild(logger: Logger, main: () => Promise<() => Promise<void>>): void {
  let stopping = false;
  let stop: (() => Promise<void>) | undefined;
  const shutdown = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    logger.debug({ reason }, 'stopping');
    const done = stop ? stop() : Promise.resolve();
    done.then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'graceful stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.stdin.on('end', () => shutdown('parent gone'));
  process.stdin.on('error', () => shutdown('parent gone'));
  process.stdin.resume();
  main().then(
    (stopFn) => {
      stop = stopFn;
    },
    (error: unknown) => {
      logger.error({ err: error }, 'start failed');
      emitEvent({ event: 'failed', error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
}
