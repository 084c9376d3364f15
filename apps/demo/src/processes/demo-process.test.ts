import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DemoProcess,
  demoProcessEntry,
  killDemoProcessesSync,
  runningDemoProcessCount,
  startDemoProcess,
} from './demo-process.js';

const logger = pino({ level: 'silent' });
const WAIT = { timeoutMs: 10_000 };
let directory: string;
let entry: string;
const started: DemoProcess[] = [];

/** A child like the demo's: a ready event, a graceful stop on SIGTERM or the end of stdin. */
const CHILD = `
const mode = process.argv[2];
if (mode === 'fail') process.exit(3);
const stop = (how) => { process.stdout.write(JSON.stringify({ event: 'stopped', how }) + '\\n'); process.exit(0); };
process.on('SIGTERM', () => stop('SIGTERM'));
process.stdin.on('end', () => stop('stdin'));
process.stdin.resume();
process.stdout.write('not json\\n');
process.stdout.write(JSON.stringify({ event: 'ready', pid: process.pid }) + '\\n');
`;

function start(mode = 'ok'): DemoProcess {
  const child = startDemoProcess('platform-node', { entry, args: [mode], env: {}, logger });
  started.push(child);
  return child;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'a2a-mqtt-demo-process-'));
  entry = join(directory, 'child.mjs');
  await writeFile(entry, CHILD);
});

afterAll(async () => {
  await Promise.all(started.map((child) => child.kill()));
  await rm(directory, { recursive: true, force: true });
});

describe('demo child processes', () => {
  it('reads JSON events from stdout and stops gracefully on SIGTERM', async () => {
    const child = start();
    const ready = await child.waitForEvent('ready', { ...WAIT, what: 'ready' });
    expect(ready.pid).toBe(child.pid);
    expect(child.running).toBe(true);
    expect(await child.stop()).toBe(true);
    expect(child.events.items.map((event) => event.event)).toEqual(['ready', 'stopped', 'exit']);
    expect(child.events.items[1]).toMatchObject({ how: 'SIGTERM' });
    expect(child.running).toBe(false);
  });

  it('kill() is a SIGKILL: no graceful stop', async () => {
    const child = start();
    await child.waitForEvent('ready', { ...WAIT, what: 'ready' });
    await child.kill();
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(child.events.items.some((event) => event.event === 'stopped')).toBe(false);
  });

  it('rejects a wait when the process exits first', async () => {
    const child = start('fail');
    await expect(child.waitForEvent('ready', { ...WAIT, what: 'ready' })).rejects.toThrow(
      /exited \(code 3, signal null\) before ready/,
    );
  });

  it('killDemoProcessesSync() kills every running child (the exit hook)', async () => {
    const children = [start(), start()];
    await Promise.all(
      children.map((child) => child.waitForEvent('ready', { ...WAIT, what: 'ready' })),
    );
    expect(runningDemoProcessCount()).toBeGreaterThanOrEqual(2);
    killDemoProcessesSync();
    const exits = await Promise.all(children.map((child) => child.exited));
    expect(exits.map((exit) => exit.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    expect(runningDemoProcessCount()).toBe(0);
  });

  it('finds the built entry points of the demo (or none when it is not built)', () => {
    const found = demoProcessEntry('diagnosis-agent');
    if (found !== undefined) expect(found).toMatch(/apps\/demo\/dist\/diagnosis-agent\.mjs$/);
  });
});
