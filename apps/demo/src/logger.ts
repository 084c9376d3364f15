import pino, { type Logger } from 'pino';

/** Log level from `A2A_MQTT_LOG_LEVEL` or `LOG_LEVEL` (default `warn`: the output stays clean). */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const level = (env.A2A_MQTT_LOG_LEVEL ?? env.LOG_LEVEL ?? 'warn').toLowerCase();
  return ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)
    ? level
    : 'warn';
}

/** The app logger: pino, JSON lines on stderr (stdout is the demo's output). */
export function createAppLogger(name: string, env: NodeJS.ProcessEnv = process.env): Logger {
  const level = logLevelFromEnv(env);
  const verbose = level === 'debug' || level === 'trace';
  return pino(
    {
      name,
      level,
      // Stack traces only when asked for (debug/trace).
      ...(verbose ? {} : { serializers: { err: compactError } }),
    },
    pino.destination(2),
  );
}

function compactError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
}
