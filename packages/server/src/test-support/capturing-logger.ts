/**
 * A {@link Logger} that records every line, so tests can assert what the server logged (not
 * part of the public API).
 */
import type { Logger } from '@a2a-mqtt/connection';

/** One recorded log line. */
export interface LogLine {
  /** The level it was logged at. */
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** The fields object (pino style: first argument), or `{}` for a bare message. */
  fields: Record<string, unknown>;
  /** The message (pino style: second argument, or the first when it is a string). */
  message: string | undefined;
}

/** A logger that keeps its lines in {@link CapturingLogger.lines}. */
export interface CapturingLogger extends Logger {
  /** Every line logged so far, oldest first. */
  readonly lines: LogLine[];
  /** The lines with exactly this message (optionally only at `level`). */
  find(message: string, level?: LogLine['level']): LogLine[];
}

/** Creates a {@link CapturingLogger}; `child()` loggers write to the same lines. */
export function capturingLogger(): CapturingLogger {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: object | string, msg?: string): void => {
      if (typeof obj === 'string') lines.push({ level, fields: {}, message: obj });
      else lines.push({ level, fields: obj as Record<string, unknown>, message: msg });
    };
  const logger: CapturingLogger = {
    lines,
    find: (message, level) =>
      lines.filter(
        (line) => line.message === message && (level === undefined || line.level === level),
      ),
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}
