import { type CommonOptions, parseCommandLine } from './args.js';
import { agentsCommand } from './commands/agents.js';
import { brokerCommand } from './commands/broker.js';
import { cardCommand } from './commands/card.js';
import { sendCommand } from './commands/send.js';
import { serveCommand } from './commands/serve.js';
import { taskCommand } from './commands/task.js';
import { type ResolvedConfig, resolveConfig } from './config.js';
import { toCliError } from './errors.js';
import { EXIT_CODE, type ExitCode, usageError } from './exit-codes.js';
import { type CliIo, writeJson, writeLine } from './io.js';

/** Version printed by `a2a-mqtt --version`. */
export const CLI_VERSION = '0.1.0';

/**
 * Runs `a2a-mqtt` with `argv` (without `node` and the script) and returns the exit code.
 * Never throws: every error becomes one line on stderr (a JSON object with `--json`).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let json = argv.includes('--json');
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.kind === 'help') {
      writeLine(io.stdout, parsed.text);
      return EXIT_CODE.OK;
    }
    if (parsed.kind === 'usage') {
      writeLine(io.stderr, parsed.text);
      return EXIT_CODE.USAGE;
    }
    if (parsed.kind === 'version') {
      writeLine(io.stdout, CLI_VERSION);
      return EXIT_CODE.OK;
    }
    json = parsed.common.json;
    const { options, positionals } = parsed;
    const string = (key: string): string | undefined => {
      const value = options[key];
      return typeof value === 'string' ? value : undefined;
    };
    const config = (): Promise<ResolvedConfig> => resolveConfig(parsed.common, io.env);
    switch (parsed.command) {
      case 'broker':
        return await brokerCommand({ json }, io);
      case 'agents':
        return await agentsCommand(await config(), { watch: options.watch === true, json }, io);
      case 'card':
        return await cardCommand(await config(), { agent: positionals[0] as string, json }, io);
      case 'send':
        return await sendCommand(
          await config(),
          {
            agent: positionals[0] as string,
            text: positionals.slice(1).join(' '),
            stream: options.stream === true,
            ...optional('taskId', string('task')),
            ...optional('contextId', string('context')),
            ...optional('timeoutMs', parseTimeout(string('timeout'))),
            json,
          },
          io,
        );
      case 'task':
      case 'cancel':
        return await taskCommand(
          await config(),
          {
            action: parsed.command === 'task' ? 'get' : 'cancel',
            taskId: positionals[0] as string,
            agent: string('agent'),
            json,
          },
          io,
        );
      case 'serve':
        return await serveCommand(
          await config(),
          { kind: positionals[0] as string, agent: string('agent'), json },
          io,
        );
    }
  } catch (error) {
    const failure = toCliError(error);
    if (failure.exitCode === EXIT_CODE.FAILURE) io.logger.debug({ err: error }, 'command failed');
    if (json) writeJson(io.stderr, { error: failure.message, exitCode: failure.exitCode });
    else writeLine(io.stderr, `a2a-mqtt: ${failure.message}`);
    return failure.exitCode;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0)
    throw usageError(`--timeout must be a positive integer (ms), got "${value}"`);
  return ms;
}

export type { CommonOptions };
