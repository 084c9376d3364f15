/** A logger that records every line, for tests only (never exported). */
import type { Logger } from '@a2a-mqtt/connection';

/** One recorded log line. */
export interface LogLine {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  obj: object | string;
  msg: string | undefined;
}

/** A {@link Logger} that keeps its lines in `lines`. */
export interface CapturingLogger extends Logger {
  readonly lines: LogLine[];
  /** The lines of one level whose message contains `text`. */
  find(level: LogLine['level'], text: string): LogLine[];
}

/** Creates a {@link CapturingLogger}. */
export function createCapturingLogger(): CapturingLogger {
  const lines: LogLine[] = [];
  const record =
    (level: LogLine['level']) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return {
    lines,
    trace: record('trace'),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    find(level, text) {
      return lines.filter((line) => line.level === level && (line.msg ?? '').includes(text));
    },
  };
}

/** A log line as text (object and message), to check what it leaks. */
export function logLineText(line: LogLine): string {
  return `${JSON.stringify(line.obj, (_key, value: unknown) =>
    value instanceof Error ? { message: value.message } : value,
  )} ${line.msg ?? ''}`;
}
