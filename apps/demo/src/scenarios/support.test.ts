import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChangeSource, directoryChanges, Observations, waitForChange } from './support.js';

/** A change source the test fires by hand. */
function manualChanges() {
  const listeners = new Set<() => void>();
  const changes: ChangeSource = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const fire = (): void => {
    for (const listener of listeners) listener();
  };
  return { changes, fire, listeners };
}

describe('waitForChange', () => {
  it('resolves at once when the check already holds, and unsubscribes', async () => {
    const source = manualChanges();
    await expect(
      waitForChange(source.changes, () => 'ready', { timeoutMs: 1_000, what: 'x' }),
    ).resolves.toBe('ready');
    expect(source.listeners.size).toBe(0);
  });

  it('re-checks only on a change and resolves with the first value that holds', async () => {
    const source = manualChanges();
    let value: number | undefined;
    let checks = 0;
    const waiting = waitForChange(
      source.changes,
      () => {
        checks++;
        return value;
      },
      { timeoutMs: 1_000, what: 'a value' },
    );
    expect(checks).toBe(1);
    source.fire();
    await Promise.resolve();
    expect(checks).toBe(2);
    value = 0; // 0 is a value (only undefined and false mean "not yet")
    source.fire();
    await expect(waiting).resolves.toBe(0);
    expect(source.listeners.size).toBe(0);
  });

  it('runs async checks one at a time, coalescing changes that arrive during one', async () => {
    const source = manualChanges();
    let running = 0;
    let overlapped = false;
    let calls = 0;
    let release: () => void = () => undefined;
    const waiting = waitForChange(
      source.changes,
      async () => {
        running++;
        if (running > 1) overlapped = true;
        calls++;
        if (calls === 1) await new Promise<void>((resolve) => (release = resolve));
        running--;
        return calls >= 3 ? calls : undefined;
      },
      { timeoutMs: 1_000, what: 'three checks' },
    );
    source.fire();
    source.fire();
    source.fire();
    release();
    // The three changes during the first check gave one more check (the second).
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(2);
    source.fire();
    await expect(waiting).resolves.toBe(3);
    expect(overlapped).toBe(false);
  });

  it('rejects after the bound, naming what it waited for', async () => {
    const source = manualChanges();
    await expect(
      waitForChange(source.changes, () => undefined, { timeoutMs: 20, what: 'the will' }),
    ).rejects.toThrow('timed out after 20 ms waiting for the will');
    expect(source.listeners.size).toBe(0);
  });

  it('rejects with the reason when the signal aborts', async () => {
    const source = manualChanges();
    const controller = new AbortController();
    const waiting = waitForChange(source.changes, () => undefined, {
      timeoutMs: 1_000,
      what: 'x',
      signal: controller.signal,
    });
    controller.abort(new Error('scenario ended'));
    await expect(waiting).rejects.toThrow('scenario ended');
  });
});

describe('Observations', () => {
  it('wakes a waiter on the push that satisfies it', async () => {
    const seen = new Observations<string>();
    seen.push('online');
    const waiting = seen.waitFor((items) => items.find((item) => item === 'offline'), {
      timeoutMs: 1_000,
      what: 'offline',
    });
    seen.push('updated');
    seen.push('offline');
    await expect(waiting).resolves.toBe('offline');
    expect(seen.items).toEqual(['online', 'updated', 'offline']);
  });
});

describe('directoryChanges', () => {
  let directory: string | undefined;
  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('reports a file written into the directory (file system events, no polling)', async () => {
    directory = await mkdtemp(join(tmpdir(), 'a2a-mqtt-demo-watch-'));
    const dir = directory;
    let written = false;
    const waiting = waitForChange(directoryChanges(dir), () => written, {
      timeoutMs: 5_000,
      what: 'the file event',
    });
    written = true;
    await writeFile(join(dir, 'task.json'), '{}');
    await expect(waiting).resolves.toBe(true);
  });
});
