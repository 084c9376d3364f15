import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('runs up to the limit, queues up to the bound, refuses the rest', async () => {
    const queue = new WorkQueue(2, 1);
    const releases: (() => void)[] = [];
    const started: (number | undefined)[] = [];
    let thirdStarted!: () => void;
    const third = new Promise<void>((resolve) => {
      thirdStarted = resolve;
    });
    const job = (startedAt: number | undefined) => {
      started.push(startedAt);
      if (started.length === 3) thirdStarted();
      return new Promise<void>((resolve) => releases.push(resolve));
    };
    expect(queue.tryRun(job)).toBe(true);
    expect(queue.tryRun(job)).toBe(true);
    expect(queue.tryRun(job)).toBe(true);
    expect(queue.tryRun(job)).toBe(false);
    expect(queue.inFlight).toBe(2);
    expect(queue.queued).toBe(1);
    releases[0]!();
    // The queued job starts as soon as the first one finishes.
    await third;
    expect(queue.inFlight).toBe(2);
    expect(queue.queued).toBe(0);
    releases[1]!();
    releases[2]!();
    await queue.whenIdle();
    expect(started).toHaveLength(3);
  });

  it('hands queued jobs back on takeQueued', async () => {
    const queue = new WorkQueue(1, 5);
    let release!: () => void;
    queue.tryRun(() => new Promise<void>((resolve) => (release = resolve)));
    const refused: (number | undefined)[] = [];
    queue.tryRun(async (startedAt) => void refused.push(startedAt));
    const taken = queue.takeQueued();
    expect(taken).toHaveLength(1);
    await taken[0]!(undefined);
    expect(refused).toEqual([undefined]);
    release();
    await queue.whenIdle();
  });
});
