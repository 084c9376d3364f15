/**
 * End-to-end tests of the built `a2a-mqtt` command: the three-terminal flow of the README
 * (`broker`, `serve echo`, `send echo hi --stream`), `agents --json`, and the error exit codes.
 * Every process is spawned from `dist/main.mjs` (turbo builds it before `test:integration`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../dist/main.mjs');
const WAIT_MS = 15_000;

interface Running {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
  /** Called after every complete line (of either stream). */
  listeners: Set<() => void>;
}

let stateDir: string;
const running: Running[] = [];

/** A clean environment: only what the CLI needs (never the outer A2A_MQTT_URL). */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    A2A_MQTT_STATE_DIR: stateDir,
    NO_COLOR: '1',
    ...extra,
  };
}

function start(args: string[], extra: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: cliEnv(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (into: string[]) => {
    let partial = '';
    return (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      into.push(...lines);
      if (lines.length > 0) for (const listener of [...listeners]) listener();
    };
  };
  child.stdout?.on('data', collect(stdout));
  child.stderr?.on('data', collect(stderr));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const entry = { child, stdout, stderr, exit, listeners };
  running.push(entry);
  return entry;
}

async function run(args: string[], extra: Record<string, string> = {}) {
  const entry = start(args, extra);
  const code = await within(entry.exit, WAIT_MS, `a2a-mqtt ${args.join(' ')}`);
  return { code, stdout: entry.stdout, stderr: entry.stderr };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves with the first line of `stream` matching `predicate`, as soon as the process prints
 * it (no polling); rejects when the process exits first or after {@link WAIT_MS}.
 */
function waitForLine(
  entry: Running,
  stream: 'stdout' | 'stderr',
  predicate: (line: string) => boolean,
  what: string,
): Promise<string> {
  const lines = entry[stream];
  const found = (): string | undefined => lines.find(predicate);
  const already = found();
  if (already !== undefined) return Promise.resolve(already);
  let listener: (() => void) | undefined;
  const seen = new Promise<string>((resolve, reject) => {
    listener = () => {
      const line = found();
      if (line !== undefined) resolve(line);
    };
    entry.listeners.add(listener);
    void entry.exit.then((code) => {
      const line = found();
      if (line !== undefined) resolve(line);
      else reject(new Error(`exited (${code}) before ${what}; got: ${lines.join(' | ')}`));
    });
  });
  return within(seen, WAIT_MS, `${what}; got: ${lines.join(' | ')}`).finally(() => {
    if (listener) entry.listeners.delete(listener);
  });
}

/** An HTTP server on a free local port (closed by the caller). */
async function httpServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { server, port, close };
}

beforeAll(async () => {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`pnpm --filter @a2a-mqtt/cli build\``);
  stateDir = await mkdtemp(join(tmpdir(), 'a2a-mqtt-cli-e2e-'));
});

afterAll(async () => {
  for (const entry of running) {
    if (entry.child.exitCode === null && entry.child.signalCode === null) {
      entry.child.kill('SIGKILL');
      await entry.exit;
    }
  }
  await rm(stateDir, { recursive: true, force: true });
});

describe('a2a-mqtt without a broker', () => {
  it('exits 3 with one line when no broker is configured', async () => {
    const result = await run(['agents']);
    expect(result.code).toBe(3);
    expect(result.stderr).toEqual([
      'a2a-mqtt: no broker: pass --broker URL, set A2A_MQTT_URL, or start one with `a2a-mqtt broker`',
    ]);
  });

  it('exits 3 when the broker refuses the connection', async () => {
    const result = await run(['agents', '--broker', 'mqtt://127.0.0.1:1']);
    expect(result.code).toBe(3);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(/^a2a-mqtt: CONNECT_FAILED: .*127\.0\.0\.1:1/);
  });

  it('exits 3 with one clear line when the endpoint is not an MQTT broker', async () => {
    const web = await httpServer((_request, response) => response.end('hello'));
    try {
      const result = await run(['agents', '--broker', `mqtt://127.0.0.1:${web.port}`]);
      expect(result.code).toBe(3);
      expect(result.stderr).toEqual([
        `a2a-mqtt: CONNECT_FAILED: the endpoint at mqtt://127.0.0.1:${web.port} did not answer as an MQTT v5 broker (check the host, port and scheme)`,
      ]);
    } finally {
      await web.close();
    }
  });

  it('exits 2 on bad usage, with a JSON error under --json', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr[0]).toContain('unknown command "frobnicate"');
    const json = await run(['serve', 'nonsense', '--json', '--broker', 'mqtt://127.0.0.1:1']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr[0] ?? '{}')).toEqual({
      error: 'serve: unknown agent "nonsense" (one of: echo, code-generator, diagnosis)',
      exitCode: 2,
    });
  });
});

describe('a2a-mqtt usage', () => {
  it('prints --help for every command and exits 0', async () => {
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Usage: a2a-mqtt <command> [options]');
    for (const command of ['agents', 'card', 'send', 'task', 'cancel', 'serve', 'broker']) {
      const help = await run([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout[0], command).toMatch(new RegExp(`^Usage: a2a-mqtt ${command}\\b`));
      expect(help.stdout, command).toContain('Common options:');
      expect(help.stderr, command).toEqual([]);
    }
  });

  it('without arguments prints the usage on stderr and exits 2', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toContain('Usage: a2a-mqtt <command> [options]');
  });

  it('broker takes only --json and --help', async () => {
    const help = await run(['broker', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.filter((line) => /^\s+--(broker|org|unit|prefix)\b/.test(line))).toEqual([]);
    const org = await run(['broker', '--org', 'acme']);
    expect(org.code).toBe(2);
    expect(org.stderr).toEqual([
      'a2a-mqtt: broker: unknown option --org (try: a2a-mqtt broker --help)',
    ]);
  });

  it('exits 2 with one line for a missing argument, an unknown option or command', async () => {
    const missing = await run(['send', 'echo']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toEqual([
      'a2a-mqtt: send: missing argument (usage: a2a-mqtt send <agent> <text> [--stream] [--task <id>] [--context <id>])',
    ]);
    const option = await run(['agents', '--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toEqual([
      'a2a-mqtt: agents: unknown option --bogus (try: a2a-mqtt agents --help)',
    ]);
    const value = await run(['send', 'echo', 'hi', '--broker']);
    expect(value.code).toBe(2);
    expect(value.stderr).toEqual([
      'a2a-mqtt: send: option --broker needs a value (try: a2a-mqtt send --help)',
    ]);
    const taskId = await run(['task', 'not-a-task-id', '--broker', 'mqtt://127.0.0.1:1']);
    expect(taskId.code).toBe(2);
    expect(taskId.stderr).toHaveLength(1);
  });

  it('exits 3 with one line for a bad broker URL', async () => {
    const result = await run(['agents', '--broker', 'http://example.com']);
    expect(result.code).toBe(3);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(/^a2a-mqtt: invalid broker URL: /);
    const env = await run(['agents'], { A2A_MQTT_URL: 'not a url' });
    expect(env.code).toBe(3);
    expect(env.stderr[0]).toMatch(/^a2a-mqtt: invalid broker URL: /);
  });
});

describe('broker, serve echo, send echo hi --stream (three terminals)', () => {
  let broker: Running;
  let serve: Running;

  it('a2a-mqtt broker prints its URL and records it for the other commands', async () => {
    broker = start(['broker']);
    const url = await waitForLine(
      broker,
      'stdout',
      (line) => line.startsWith('mqtt://'),
      'the URL',
    );
    expect(url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(await readdir(stateDir)).toContain('broker.json');
  });

  it('a2a-mqtt serve echo registers the agent', async () => {
    serve = start(['serve', 'echo']);
    const line = await waitForLine(serve, 'stdout', (l) => l.startsWith('serving echo'), 'serving');
    expect(line).toContain('as demo/default/echo');
    expect(line).toContain('(prefix a2a/v1)');
  });

  it('a2a-mqtt send echo hi --stream prints the stream and exits 0', async () => {
    const result = await run(['send', 'echo', 'hi', '--stream']);
    expect(result.code).toBe(0);
    expect(result.stdout[0]).toMatch(/^\[submitted\] task [0-9a-f-]{36}$/);
    expect(result.stdout).toContain('[working]');
    expect(result.stdout).toContain('[artifact echo]');
    expect(result.stdout.at(-1)).toBe('[completed] hi');
    expect(result.stderr.at(-1)).toMatch(
      /^task [0-9a-f-]{36} \(context [0-9a-f-]{36}\): completed$/,
    );
  });

  it('send --json gives one JSON stream item per line', async () => {
    const result = await run(['send', 'echo', 'hi', 'there', '--stream', '--json']);
    expect(result.code).toBe(0);
    const items = result.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(Object.keys(items[0] ?? {})).toEqual(['task']);
    const last = items.at(-1) as { statusUpdate?: { status?: { state?: string } } };
    expect(last.statusUpdate?.status?.state).toBe('TASK_STATE_COMPLETED');
  });

  it('a2a-mqtt agents --json lists the agent with its status', async () => {
    const result = await run(['agents', '--json']);
    expect(result.code).toBe(0);
    const agents = result.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(agents).toEqual([
      expect.objectContaining({
        id: 'demo/default/echo',
        agent: 'echo',
        name: 'Echo Agent',
        status: 'online',
        statusSource: 'agent',
      }),
    ]);
  });

  it('task and cancel reach the task through --agent', async () => {
    const sent = await run(['send', 'echo', 'remember me', '--json']);
    expect(sent.code).toBe(0);
    const task = JSON.parse(sent.stdout[0] ?? '{}') as { id: string };
    const shown = await run(['task', task.id, '--agent', 'echo']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('state    completed');
    const cancel = await run(['cancel', task.id, '--agent', 'echo']);
    expect(cancel.code).toBe(6); // a completed task is not cancelable: the agent says so
    expect(cancel.stderr[0]).toMatch(/^a2a-mqtt: the agent answered: /);
    const missing = await run(['task', '9f0c4f0e-2b0e-4a57-9a43-3a0d2f1f8e11', '--agent', 'echo']);
    expect(missing.code).toBe(4);
  });

  it('send --task on a finished task names its state (not an enum number)', async () => {
    const sent = await run(['send', 'echo', 'once', '--json']);
    expect(sent.code).toBe(0);
    const task = JSON.parse(sent.stdout[0] ?? '{}') as { id: string };
    const again = await run(['send', 'echo', 'twice', '--task', task.id]);
    expect(again.code).toBe(6);
    expect(again.stderr).toHaveLength(1);
    expect(again.stderr[0]).toContain('terminal state (completed)');
  });

  it('task and cancel find the agent of a task sent from the CLI without --agent', async () => {
    const sent = await run(['send', 'echo', 'find me', '--json']);
    expect(sent.code).toBe(0);
    const task = JSON.parse(sent.stdout[0] ?? '{}') as { id: string };
    const shown = await run(['task', task.id, '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout[0] ?? '{}')).toMatchObject({
      id: task.id,
      status: { state: 'TASK_STATE_COMPLETED' },
    });
    const cancel = await run(['cancel', task.id]);
    expect(cancel.code).toBe(6);
    // Not recorded (another machine's task): the online agents are asked.
    const unknown = await run(['task', '0b6f8f3e-5d4c-4b1a-9e2f-1c3d5e7f9a0b']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toEqual([
      expect.stringMatching(/^a2a-mqtt: task 0b6f8f3e-\S+ not found on the 1 online agent\(s\)/),
    ]);
  });

  it('a2a-mqtt card echo prints the Agent Card', async () => {
    const pretty = await run(['card', 'echo']);
    expect(pretty.code).toBe(0);
    expect(JSON.parse(pretty.stdout.join('\n'))).toMatchObject({ name: 'Echo Agent' });
    const json = await run(['card', 'demo/default/echo', '--json']);
    expect(json.code).toBe(0);
    expect(json.stdout).toHaveLength(1);
    expect(JSON.parse(json.stdout[0] ?? '{}')).toMatchObject({
      name: 'Echo Agent',
      capabilities: { streaming: true },
    });
  });

  it('agents --watch prints the list, then every change, until SIGINT', async () => {
    const watch = start(['agents', '--watch']);
    await waitForLine(watch, 'stderr', (line) => line.startsWith('watching for changes'), 'watch');
    expect(watch.stdout[0]).toMatch(/^AGENT\s+NAME\s+STATUS/);
    expect(
      watch.stdout.some((line) => /^demo\/default\/echo\s+Echo Agent\s+online/.test(line)),
    ).toBe(true);
    const extra = start(['serve', 'echo', '--agent', 'echo-2']);
    await waitForLine(
      watch,
      'stdout',
      (line) => line.startsWith('added    demo/default/echo-2'),
      'added',
    );
    await waitForLine(extra, 'stdout', (line) => line.startsWith('serving echo'), 'serving echo-2');
    extra.child.kill('SIGINT');
    expect(await within(extra.exit, WAIT_MS, 'echo-2 to stop')).toBe(0);
    const offline = await waitForLine(
      watch,
      'stdout',
      (line) => line.startsWith('offline  demo/default/echo-2'),
      'offline',
    );
    expect(offline).toMatch(/offline \(agent\)$/);
    watch.child.kill('SIGINT');
    expect(await within(watch.exit, WAIT_MS, 'watch to stop')).toBe(0);
    // The listed cards are not repeated as `added`.
    expect(watch.stdout.filter((line) => line.startsWith('added    demo/default/echo '))).toEqual(
      [],
    );
  });

  it('serve code-generator --broker <printed URL> and send code-generator-agent --stream', async () => {
    const url = broker.stdout[0] as string;
    const coder = start(['serve', 'code-generator', '--broker', url]);
    const ready = await waitForLine(coder, 'stdout', (l) => l.startsWith('serving'), 'serving');
    // The printed URL of `a2a-mqtt broker` means that broker, prefix included.
    expect(ready).toContain('(prefix a2a/v1)');
    const result = await run([
      'send',
      'code-generator-agent',
      'rewrite the thread pool as coroutines',
      '--stream',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[artifact TODO List]');
    expect(result.stdout).toContain('[artifact generated code]');
    expect(result.stdout.at(-1)).toMatch(/^\[completed\] /);
    coder.child.kill('SIGTERM');
    expect(await within(coder.exit, WAIT_MS, 'code-generator to stop')).toBe(0);
  });

  it('serve code-generator uses the model of A2A_MQTT_MODEL_URL and never prints its key', async () => {
    const key = 'sk-e2e-never-printed';
    const requests: { authorization?: string; model?: string; prompt?: string }[] = [];
    const model = await httpServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        const parsed = JSON.parse(body) as { model: string; messages: { content: string }[] };
        const prompt = parsed.messages[0]?.content ?? '';
        requests.push({
          authorization: request.headers.authorization,
          model: parsed.model,
          prompt,
        });
        const content = prompt.startsWith('List the steps')
          ? '1. Define the queue\n2. Add push and pop'
          : '```ts\nexport class Queue {}\n```';
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
      });
    });
    try {
      const coder = start(['serve', 'code-generator', '--agent', 'model-coder'], {
        A2A_MQTT_MODEL_URL: `http://127.0.0.1:${model.port}/v1`,
        A2A_MQTT_MODEL_API_KEY: key,
        A2A_MQTT_MODEL: 'fake-coder',
        A2A_MQTT_LOG_LEVEL: 'debug',
      });
      await waitForLine(coder, 'stdout', (line) => line.startsWith('serving'), 'serving');
      const described = await waitForLine(coder, 'stderr', (l) => l.startsWith('model '), 'model');
      expect(described).toBe(
        `model fake-coder at http://127.0.0.1:${model.port}/v1 (key from A2A_MQTT_MODEL_API_KEY)`,
      );
      const result = await run(['send', 'model-coder', 'write a queue', '--stream']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('- [ ] Define the queue');
      expect(result.stdout).toContain('export class Queue {}');
      expect(result.stdout.at(-1)).toMatch(/^\[completed\] /);
      expect(requests.map((request) => [request.authorization, request.model])).toEqual([
        [`Bearer ${key}`, 'fake-coder'],
        [`Bearer ${key}`, 'fake-coder'],
      ]);
      coder.child.kill('SIGTERM');
      expect(await within(coder.exit, WAIT_MS, 'model-coder to stop')).toBe(0);
      const printed = [...coder.stdout, ...coder.stderr, ...result.stdout, ...result.stderr];
      expect(printed.filter((line) => line.includes(key))).toEqual([]);
    } finally {
      await model.close();
    }
  });

  it('exits 4 for an unknown agent', async () => {
    const result = await run(['card', 'nobody']);
    expect(result.code).toBe(4);
    expect(result.stderr[0]).toContain('agent "nobody" not found');
  });

  it('serve stops gracefully on SIGTERM and the card goes offline', async () => {
    serve.child.kill('SIGTERM');
    expect(await within(serve.exit, WAIT_MS, 'serve to exit')).toBe(0);
    expect(serve.stdout.at(-1)).toBe('stopped demo/default/echo (card published offline)');
    const result = await run(['agents', '--json']);
    const agents = result.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(agents.find((entry) => entry.agent === 'echo')).toMatchObject({
      status: 'offline',
      statusSource: 'agent',
    });
    const send = await run(['send', 'echo', 'anyone?']);
    expect(send.code).toBe(5);
    expect(send.stderr).toEqual([
      'a2a-mqtt: agent "demo/default/echo" is offline (agent): nothing serves its request topic',
    ]);
  });

  it('broker stops on SIGINT and forgets its URL', async () => {
    broker.child.kill('SIGINT');
    expect(await within(broker.exit, WAIT_MS, 'broker to exit')).toBe(0);
    expect(await readdir(stateDir)).not.toContain('broker.json');
    const result = await run(['agents']);
    expect(result.code).toBe(3);
  });
});
