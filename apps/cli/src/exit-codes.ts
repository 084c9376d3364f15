/**
 * Exit codes of `a2a-mqtt` (documented in the README and in `a2a-mqtt --help`).
 */
export const EXIT_CODE = {
  /** Success. */
  OK: 0,
  /** The command ran but failed: the task ended failed, canceled or rejected, or an unexpected error. */
  FAILURE: 1,
  /** Bad usage: unknown command or option, missing argument, invalid identifier. */
  USAGE: 2,
  /** No broker: none configured, bad URL, connection refused or not authorised. */
  BROKER: 3,
  /** The agent (or the task) was not found. */
  NOT_FOUND: 4,
  /** No reply in time, or the responder is unavailable. */
  TIMEOUT: 5,
  /** The agent answered with an error (JSON-RPC / A2A error). */
  REMOTE_ERROR: 6,
  /** Interrupted (SIGINT) before a one-shot command finished. */
  INTERRUPTED: 130,
} as const;

/** One of {@link EXIT_CODE}. */
export type ExitCode = (typeof EXIT_CODE)[keyof typeof EXIT_CODE];

/** An error the CLI reports as one line and turns into an exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT_CODE.FAILURE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A usage error (exit code 2). */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT_CODE.USAGE);
}
