import { parseArgs } from 'node:util';
import { usageError } from './exit-codes.js';

/** The commands of `a2a-mqtt`. */
export type CommandName = 'agents' | 'card' | 'send' | 'task' | 'cancel' | 'serve' | 'broker';

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

/** Options common to the commands that talk to a broker (`broker` takes only `--json`). */
const COMMON_OPTIONS = {
  broker: { type: 'string' },
  org: { type: 'string' },
  unit: { type: 'string' },
  prefix: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, OptionSpec>;

/** A common option's name. */
type CommonOptionName = keyof typeof COMMON_OPTIONS;

const COMMON_OPTION_HELP: Record<CommonOptionName, string> = {
  broker: `  --broker URL    broker URL, credentials and namespace included, e.g.
                  mqtts://user:pass@host:8883/acme/dev (env A2A_MQTT_URL; default: the
                  broker started by \`a2a-mqtt broker\`)`,
  org: `  --org ID        organisation (default: from the URL, env A2A_MQTT_ORG, or "demo")`,
  unit: `  --unit ID       unit (default: from the URL, env A2A_MQTT_UNIT, or "default")`,
  prefix: `  --prefix P      topic prefix (env A2A_MQTT_PREFIX; default "$a2a/v1", or "a2a/v1" on the
                  broker of \`a2a-mqtt broker\`: mosquitto ignores $-topics in shared subscriptions)`,
  json: `  --json          machine output: one JSON object per line`,
  help: `  -h, --help      show help`,
};

const ALL_COMMON: readonly CommonOptionName[] = ['broker', 'org', 'unit', 'prefix', 'json', 'help'];

function commonHelp(names: readonly CommonOptionName[]): string {
  return `Common options:\n${names.map((name) => COMMON_OPTION_HELP[name]).join('\n')}`;
}

interface CommandSpec {
  usage: string;
  summary: string;
  details: string;
  options: Record<string, OptionSpec>;
  positionals: { min: number; max: number };
  /** The common options it accepts. @default all of them */
  common?: readonly CommonOptionName[];
}

const COMMANDS: Record<CommandName, CommandSpec> = {
  agents: {
    usage: 'a2a-mqtt agents [--watch]',
    summary: 'list the agents registered on the broker (with their status)',
    details: `Lists the retained Agent Cards of the organisation (every unit, or only --unit).
  --watch         keep running and print every change (added, online, offline, removed)
                  until Ctrl-C`,
    options: { watch: { type: 'boolean', short: 'w' } },
    positionals: { min: 0, max: 0 },
  },
  card: {
    usage: 'a2a-mqtt card <agent>',
    summary: "print an agent's Agent Card",
    details: `<agent> is an agent id ("echo"), "unit/agent", "org/unit/agent" or the card's name.`,
    options: {},
    positionals: { min: 1, max: 1 },
  },
  send: {
    usage: 'a2a-mqtt send <agent> <text> [--stream] [--task <id>] [--context <id>]',
    summary: 'send a message to an agent and print the reply',
    details: `  --stream        stream status and artifact updates as they arrive
  --task ID       continue an existing task (answering input-required, a later turn)
  --context ID    the conversation (contextId) to send in
  --timeout MS    first-reply timeout in milliseconds (default 15000)
The final line gives the task id; use it with \`task\` and \`cancel\`.`,
    options: {
      stream: { type: 'boolean', short: 's' },
      task: { type: 'string' },
      context: { type: 'string' },
      timeout: { type: 'string' },
    },
    positionals: { min: 2, max: Number.POSITIVE_INFINITY },
  },
  task: {
    usage: 'a2a-mqtt task <id> [--agent <agent>]',
    summary: 'show a task (GetTask)',
    details: `  --agent AGENT   the agent that holds the task (default: the agent \`send\` sent it to,
                  else the online agent of the org, or --unit, that knows it)`,
    options: { agent: { type: 'string', short: 'a' } },
    positionals: { min: 1, max: 1 },
  },
  cancel: {
    usage: 'a2a-mqtt cancel <id> [--agent <agent>]',
    summary: 'cancel a task (CancelTask)',
    details: `  --agent AGENT   the agent that holds the task (default: found as for \`task\`)`,
    options: { agent: { type: 'string', short: 'a' } },
    positionals: { min: 1, max: 1 },
  },
  serve: {
    usage: 'a2a-mqtt serve <echo|code-generator|diagnosis> [--agent <id>]',
    summary: 'run a demo agent until Ctrl-C / SIGTERM',
    details: `Registers the agent's card (online, with a Last Will that marks it offline if the
process dies) and serves its request topic. SIGINT / SIGTERM stop it gracefully (card
republished offline, session closed).
  --agent ID      agent id to register under (default: echo, code-generator-agent,
                  diagnosis-agent)
code-generator uses a real model when A2A_MQTT_MODEL_URL is set (an OpenAI-compatible
API base URL, e.g. https://api.openai.com/v1), with A2A_MQTT_MODEL (default gpt-4o-mini)
and A2A_MQTT_MODEL_API_KEY (bearer token, never printed); otherwise its deterministic model.`,
    options: { agent: { type: 'string', short: 'a' } },
    positionals: { min: 1, max: 1 },
  },
  broker: {
    usage: 'a2a-mqtt broker [--json]',
    summary: 'start an embedded mosquitto broker and print its URL',
    details: `Starts a private mosquitto (set_tcp_nodelay, sized queues) on a free port, prints its
URL and runs until Ctrl-C / SIGTERM, then stops it. While it runs, other a2a-mqtt
commands of this user use it when no --broker / A2A_MQTT_URL is given.`,
    options: {},
    positionals: { min: 0, max: 0 },
    common: ['json', 'help'],
  },
};

/** The command names, in help order. */
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** `a2a-mqtt --help`. */
export function mainHelp(): string {
  const width = Math.max(...COMMAND_NAMES.map((name) => name.length));
  return `a2a-mqtt: A2A (Agent-to-Agent) over MQTT v5 from the command line

Usage: a2a-mqtt <command> [options]

Commands:
${COMMAND_NAMES.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name].summary}`).join('\n')}

${commonHelp(ALL_COMMON)}

Exit codes: 0 ok, 1 failed (task failed/canceled, unexpected error), 2 usage,
3 broker unreachable or not authorised, 4 agent or task not found, 5 timeout,
6 the agent answered with an error, 130 interrupted.

Run \`a2a-mqtt <command> --help\` for a command's options; without arguments this usage
goes to stderr with exit code 2.`;
}

/** `a2a-mqtt <command> --help`. */
export function commandHelp(name: CommandName): string {
  const spec = COMMANDS[name];
  return `Usage: ${spec.usage}

${spec.summary[0]?.toUpperCase()}${spec.summary.slice(1)}.
${spec.details}

${commonHelp(spec.common ?? ALL_COMMON)}`;
}

/** Parsed common options. */
export interface CommonOptions {
  broker?: string;
  org?: string;
  unit?: string;
  prefix?: string;
  json: boolean;
}

/** The result of {@link parseCommandLine}. */
export type ParsedCommandLine =
  | { kind: 'help'; text: string }
  /** No arguments at all: the usage goes to stderr and the exit code is 2. */
  | { kind: 'usage'; text: string }
  | { kind: 'version' }
  | {
      kind: 'command';
      command: CommandName;
      positionals: string[];
      options: Record<string, string | boolean | undefined>;
      common: CommonOptions;
    };

/** `node:util` parseArgs errors, in one short line ("unknown option --x"). */
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /^Option '([^' ]+)(?: <value>)?' argument missing/.exec(message);
  if (missing) return `option ${missing[1]} needs a value`;
  const ambiguous = /^Option '([^' ]+)(?: <value>)?' argument is ambiguous/.exec(message);
  if (ambiguous) return `option ${ambiguous[1]} needs a value (got an option)`;
  const unexpected = /^Option '([^']+)' does not take an argument/.exec(message);
  if (unexpected) return `option ${unexpected[1]} does not take a value`;
  return message;
}

function isCommandName(value: string): value is CommandName {
  return Object.hasOwn(COMMANDS, value);
}

/**
 * Parses `a2a-mqtt` arguments. Throws a usage {@link CliError} (exit code 2) on an unknown
 * command or option, a missing value or a wrong number of arguments.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const first = argv.find((arg) => !arg.startsWith('-'));
  if (first === undefined) {
    if (argv.length === 0) return { kind: 'usage', text: mainHelp() };
    if (argv.includes('--version') || argv.includes('-v')) return { kind: 'version' };
    if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', text: mainHelp() };
    throw usageError(`missing command (try: a2a-mqtt --help)`);
  }
  if (first === 'help') {
    const topic = argv[argv.indexOf(first) + 1];
    return { kind: 'help', text: topic && isCommandName(topic) ? commandHelp(topic) : mainHelp() };
  }
  if (!isCommandName(first)) {
    throw usageError(`unknown command "${first}" (commands: ${COMMAND_NAMES.join(', ')})`);
  }
  const spec = COMMANDS[first];
  const rest = [...argv];
  rest.splice(argv.indexOf(first), 1);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const common = Object.fromEntries(
      (spec.common ?? ALL_COMMON).map((name) => [name, COMMON_OPTIONS[name]]),
    );
    parsed = parseArgs({
      args: rest,
      options: { ...common, ...spec.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw usageError(`${first}: ${parseArgsMessage(error)} (try: a2a-mqtt ${first} --help)`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { kind: 'help', text: commandHelp(first) };
  const positionals = parsed.positionals;
  if (positionals.length < spec.positionals.min) {
    throw usageError(`${first}: missing argument (usage: ${spec.usage})`);
  }
  if (positionals.length > spec.positionals.max) {
    throw usageError(
      `${first}: unexpected argument "${positionals[spec.positionals.max]}" (usage: ${spec.usage})`,
    );
  }
  const str = (key: string): string | undefined => {
    const value = values[key];
    return typeof value === 'string' ? value : undefined;
  };
  const common: CommonOptions = { json: values.json === true };
  for (const key of ['broker', 'org', 'unit', 'prefix'] as const) {
    const value = str(key);
    if (value !== undefined) common[key] = value;
  }
  return { kind: 'command', command: first, positionals, options: values, common };
}
