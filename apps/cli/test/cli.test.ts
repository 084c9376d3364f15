/**
 * End-to-end tests of the built `a2a-mqtt` command: the three-terminal flow of the README
 * (`broker`, `serve echo`, `send echo hi --stream`), `agents --json`, and the error exit codes.
 * Every process is spawned from `dist/main.mjs` (turbo builds it before `test:integration`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
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
  const collect = (into: string[]) => {
    let partial = '';
    return (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      into.push(...lines);
    };
  };
  child.stdout?.on('data', collect(stdout));
  child.stderr?.on('data', collect(stderr));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const entry = { child, stdout, stderr, exit };
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

async function waitForLine(lines: string[], predicate: (line: string) => boolean, what: string) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const line = lines.find(predicate);
    if (line !== undefined) return line;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; got: ${lines.join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
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

describe('broker, serve echo, send echo hi --stream (three terminals)', () => {
  let broker: Running;
  let serve: Running;

  it('a2a-mqtt broker prints its URL and records it for the other commands', async () => {
    broker = start(['broker']);
    const url = await waitForLine(broker.stdout, (line) => line.startsWith('mqtt://'), 'the URL');
    expect(url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(await readdir(stateDir)).toContain('broker.json');
  });

  it('a2a-mqtt serve echo registers the agent', async () => {
    serve = start(['serve', 'echo']);
    const line = await waitForLine(serve.stdout, (l) => l.startsWith('serving echo'), 'serving');
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
    const [echo] = result.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(echo).toMatchObject({ status: 'offline', statusSource: 'agent' });
  });

  it('broker stops on SIGINT and forgets its URL', async () => {
    broker.child.kill('SIGINT');
    expect(await within(broker.exit, WAIT_MS, 'broker to exit')).toBe(0);
    expect(await readdir(stateDir)).not.toContain('broker.json');
    const result = await run(['agents']);
    expect(result.code).toBe(3);
  });
});
