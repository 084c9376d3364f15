import type { Logger } from 'pino';

/** Where the CLI writes (a subset of a writable stream). */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Everything a command touches outside itself (injected so tests can run it in-process). */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT / SIGTERM: long-running commands stop gracefully. */
  signal: AbortSignal;
  /** App logger (pino, to stderr). */
  logger: Logger;
}

/** Writes one JSON object as a line. */
export function writeJson(out: TextSink, value: unknown): void {
  out.write(`${JSON.stringify(value)}\n`);
}

/** Writes one line of text. */
export function writeLine(out: TextSink, text = ''): void {
  out.write(`${text}\n`);
}

/** Resolves when `signal` aborts. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
