import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cleanupAll,
  killTrackedProcessesSync,
  liveChildProcessCount,
  startBroker,
} from './index.js';
import { trackChildProcess } from './process-registry.js';
import { waitForEvent } from './wait.js';

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('process registry', () => {
  it('installs the exit hook and SIGKILLs tracked children from it', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    trackChildProcess(child);
    expect(process.listeners('exit')).toContain(killTrackedProcessesSync);
    expect(process.listeners('SIGTERM').length).toBeGreaterThan(0);
    const exited = waitForEvent<[number | null, NodeJS.Signals | null]>(child, 'exit', {
      timeoutMs: 5_000,
    });
    killTrackedProcessesSync();
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');
    expect(processExists(child.pid!)).toBe(false);
  });

  it('cleanupAll() stops every broker the harness started and removes its directory', async () => {
    const first = await startBroker();
    const second = await startBroker({ profile: 'persistent' });
    const pids = [first.pid, second.pid];
    expect(pids.every(processExists)).toBe(true);
    await cleanupAll();
    expect(pids.some(processExists)).toBe(false);
    expect(existsSync(first.dataDir) || existsSync(second.dataDir)).toBe(false);
    expect(liveChildProcessCount()).toBe(0);
  });
});
