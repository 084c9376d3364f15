import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, commandHelp, mainHelp, parseCommandLine } from './args.js';
import { CliError, EXIT_CODE } from './exit-codes.js';

function usage(argv: string[]): CliError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('shows the main help with --help, and the usage (for stderr, exit 2) without arguments', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help', text: mainHelp() });
    expect(parseCommandLine([])).toEqual({ kind: 'usage', text: mainHelp() });
    for (const name of COMMAND_NAMES) expect(mainHelp()).toContain(`  ${name}`);
  });

  it('offers broker only --json and --help', () => {
    const help = commandHelp('broker');
    expect(help).toContain('--json');
    for (const option of ['--broker', '--org', '--unit', '--prefix']) {
      expect(help, option).not.toMatch(new RegExp(`^\\s+${option}\\b`, 'm'));
      expect(usage(['broker', option, 'x']).message).toBe(
        `broker: unknown option ${option} (try: a2a-mqtt broker --help)`,
      );
    }
    expect(parseCommandLine(['broker', '--json'])).toMatchObject({
      kind: 'command',
      command: 'broker',
      common: { json: true },
    });
    // Every other command still takes the common options.
    expect(commandHelp('agents')).toContain('--broker URL');
  });

  it('shows a command help with --help anywhere, and with `help <command>`', () => {
    expect(parseCommandLine(['send', '--help'])).toEqual({
      kind: 'help',
      text: commandHelp('send'),
    });
    expect(parseCommandLine(['--help', 'serve'])).toEqual({
      kind: 'help',
      text: commandHelp('serve'),
    });
    expect(parseCommandLine(['help', 'task'])).toEqual({ kind: 'help', text: commandHelp('task') });
    expect(commandHelp('task')).toContain('--agent');
  });

  it('parses send with its options and the common ones', () => {
    const parsed = parseCommandLine([
      'send',
      'echo',
      'hello',
      'world',
      '--stream',
      '--task',
      't1',
      '--broker',
      'mqtt://h:1884',
      '--json',
      '--org',
      'acme',
    ]);
    expect(parsed).toMatchObject({
      kind: 'command',
      command: 'send',
      positionals: ['echo', 'hello', 'world'],
      options: { stream: true, task: 't1' },
      common: { broker: 'mqtt://h:1884', json: true, org: 'acme' },
    });
  });

  it('rejects unknown commands, unknown options and missing arguments with exit code 2', () => {
    expect(usage(['frobnicate']).exitCode).toBe(EXIT_CODE.USAGE);
    expect(usage(['frobnicate']).message).toContain('unknown command "frobnicate"');
    expect(usage(['agents', '--bogus']).message).toBe(
      'agents: unknown option --bogus (try: a2a-mqtt agents --help)',
    );
    expect(usage(['send', 'echo', 'hi', '--broker']).message).toBe(
      'send: option --broker needs a value (try: a2a-mqtt send --help)',
    );
    expect(usage(['send', 'echo']).message).toContain('missing argument');
    expect(usage(['card']).exitCode).toBe(EXIT_CODE.USAGE);
    expect(usage(['serve', 'echo', 'extra']).message).toContain('unexpected argument "extra"');
    expect(usage(['send', 'echo', 'hi', '--task']).message).toContain('--task');
    expect(usage(['--json']).message).toContain('missing command');
  });

  it('keeps usage errors on one line', () => {
    expect(usage(['agents', '--nope']).message).not.toContain('\n');
  });
});
