import { describe, expect, it } from 'vitest';
import {
  createEmqxHandle,
  DEFAULT_EMQX_STOP_TIMEOUT_MS,
  type EmqxContainerControl,
  isPortBindingConflict,
} from './emqx.js';
import { TestHarnessError } from './errors.js';
import { cleanupAll } from './process-registry.js';

/** A container that records what the handle asks of it (no Docker here). */
function fakeContainer(ports: number[] = [41_883]) {
  const calls: string[] = [];
  let starts = 0;
  const control: EmqxContainerControl = {
    host: 'localhost',
    mappedPort: () => ports[Math.min(starts, ports.length - 1)]!,
    async stop(timeoutMs) {
      calls.push(`stop ${timeoutMs}`);
    },
    async kill() {
      calls.push('kill');
    },
    async start() {
      calls.push('start');
      starts += 1;
    },
    async remove() {
      calls.push('remove');
    },
  };
  return { control, calls };
}

describe('EMQX handle', () => {
  it('kill() is a real kill (SIGKILL), not a stop, and keeps the container for restart()', async () => {
    const { control, calls } = fakeContainer();
    const emqx = createEmqxHandle(control);
    await emqx.kill();
    await emqx.kill(); // already down: nothing more to do
    expect(calls).toEqual(['kill']);
    await emqx.restart();
    expect(calls).toEqual(['kill', 'start']);
    await emqx.close();
  });

  it('stop() is graceful (docker stop with a bound) and keeps the container', async () => {
    const { control, calls } = fakeContainer();
    const emqx = createEmqxHandle(control);
    await emqx.stop();
    await emqx.stop();
    expect(calls).toEqual([`stop ${DEFAULT_EMQX_STOP_TIMEOUT_MS}`]);
    await emqx.close();
    expect(calls).toEqual([`stop ${DEFAULT_EMQX_STOP_TIMEOUT_MS}`, 'remove']);
  });

  it('restart() stops with SIGTERM by default and with SIGKILL on request, then starts the same container', async () => {
    const { control, calls } = fakeContainer();
    const emqx = createEmqxHandle(control);
    await emqx.restart();
    await emqx.restart({ signal: 'SIGKILL' });
    expect(calls).toEqual([`stop ${DEFAULT_EMQX_STOP_TIMEOUT_MS}`, 'start', 'kill', 'start']);
    await emqx.close();
  });

  it('keeps url and port when the port binding survives restart(), and re-derives them when it moved', async () => {
    const stable = createEmqxHandle(fakeContainer([41_883]).control);
    const before = { url: stable.url, port: stable.port };
    await stable.restart({ signal: 'SIGKILL' });
    expect({ url: stable.url, port: stable.port }).toEqual(before);
    expect(stable.url).toBe('mqtt://localhost:41883');

    const moved = createEmqxHandle(fakeContainer([41_883, 42_000]).control);
    await moved.restart();
    expect(moved.port).toBe(42_000);
    expect(moved.url).toBe('mqtt://localhost:42000');
    expect(moved.clientOptions()).toMatchObject({ host: 'localhost', port: 42_000 });
    await Promise.all([stable.close(), moved.close()]);
  });

  it('close() removes the container once; afterwards restart() throws and stop()/kill() do nothing', async () => {
    const { control, calls } = fakeContainer();
    const emqx = createEmqxHandle(control, () => 'log lines');
    expect(emqx).toMatchObject({ pid: undefined, dataDir: undefined, profile: 'emqx' });
    expect(emqx.logs()).toBe('log lines');
    await Promise.all([emqx.close(), emqx[Symbol.asyncDispose]()]);
    expect(calls).toEqual(['remove']);
    await emqx.stop();
    await emqx.kill();
    const error = await emqx.restart().catch((caught: unknown) => caught);
    expect(TestHarnessError.isInstance(error)).toBe(true);
    expect(calls).toEqual(['remove']);
  });

  it('is removed by cleanupAll() (the vitest teardown) when a test never closed it', async () => {
    const { control, calls } = fakeContainer();
    createEmqxHandle(control);
    await cleanupAll();
    expect(calls).toEqual(['remove']);
  });

  it('recognises a host port Docker could not bind', () => {
    expect(
      isPortBindingConflict(
        new Error(
          '(HTTP code 500) server error - driver failed programming external connectivity: Bind for 0.0.0.0:41883 failed: port is already allocated',
        ),
      ),
    ).toBe(true);
    expect(
      isPortBindingConflict(new Error('listen tcp4 0.0.0.0:41883: bind: address already in use')),
    ).toBe(true);
    expect(isPortBindingConflict(new Error('No such image: emqx/emqx:5.8.6'))).toBe(false);
  });
});
