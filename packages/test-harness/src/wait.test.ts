import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createDeferred, WaitTimeoutError, waitFor, waitForEvent } from './wait.js';

describe('waitFor', () => {
  it('resolves with the first truthy value of the predicate', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('supports async predicates and treats throws as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls += 1;
        if (calls < 2) throw new Error('not ready');
        return 'ok';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('ok');
  });

  it('rejects with WaitTimeoutError naming the condition and the last error', async () => {
    const error = await waitFor(
      () => {
        throw new Error('still broken');
      },
      { timeoutMs: 30, intervalMs: 5, description: 'the thing' },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/30 ms waiting for the thing.*still broken/);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(waitFor(() => false, { signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('waitForEvent', () => {
  it('resolves with the arguments of the matching emission and removes its listeners', async () => {
    const emitter = new EventEmitter();
    const promise = waitForEvent<[number]>(emitter, 'value', { filter: (n) => n > 1 });
    emitter.emit('value', 1);
    emitter.emit('value', 2);
    await expect(promise).resolves.toEqual([2]);
    expect(emitter.listenerCount('value')).toBe(0);
    expect(emitter.listenerCount('error')).toBe(0);
  });

  it("rejects on 'error' and on timeout", async () => {
    const emitter = new EventEmitter();
    const failing = waitForEvent(emitter, 'value');
    emitter.emit('error', new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    await expect(waitForEvent(emitter, 'value', { timeoutMs: 10 })).rejects.toBeInstanceOf(
      WaitTimeoutError,
    );
    expect(emitter.listenerCount('value')).toBe(0);
  });
});

describe('createDeferred', () => {
  it('resolves from outside and reports settled', async () => {
    const deferred = createDeferred<string>();
    expect(deferred.settled).toBe(false);
    deferred.resolve('done');
    expect(deferred.settled).toBe(true);
    await expect(deferred.promise).resolves.toBe('done');
  });

  it('rejects from outside', async () => {
    const deferred = createDeferred();
    deferred.reject(new Error('nope'));
    await expect(deferred.promise).rejects.toThrow('nope');
  });
});
