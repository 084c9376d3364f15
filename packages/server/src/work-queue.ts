/**
 * Bounded concurrency with a bounded FIFO queue. A job is admitted only when a slot or a
 * queue place is free; otherwise `tryRun` returns `false` and the caller answers `-32004`.
 * Jobs never throw into the queue: the runtime catches everything inside its jobs.
 */

/**
 * A unit of work. `startedAt` is the time it left the queue (for deadline checks), or
 * `undefined` when it is being refused without running (shutdown): it must then answer fast.
 */
export type WorkJob = (startedAt: number | undefined) => Promise<void>;

/** @internal */
export class WorkQueue {
  private readonly waiting: WorkJob[] = [];
  private head = 0;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueued: number,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Starts the job now, queues it, or returns `false` when both are full. */
  tryRun(job: WorkJob): boolean {
    if (this.running < this.maxConcurrent) {
      this.start(job);
      return true;
    }
    if (this.queued >= this.maxQueued) return false;
    this.waiting.push(job);
    return true;
  }

  /** Removes every queued (not yet started) job and returns them, oldest first. */
  takeQueued(): WorkJob[] {
    const jobs = this.waiting.slice(this.head);
    this.waiting.length = 0;
    this.head = 0;
    return jobs;
  }

  /** Resolves when nothing runs and nothing waits. */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private start(job: WorkJob): void {
    this.running += 1;
    let promise: Promise<void>;
    try {
      promise = job(Date.now());
    } catch {
      promise = Promise.resolve();
    }
    promise.then(
      () => this.finish(),
      () => this.finish(),
    );
  }

  private finish(): void {
    this.running -= 1;
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head] = undefined as unknown as WorkJob;
      this.head += 1;
      if (this.head > 1_024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      this.start(next);
      return;
    }
    if (this.running === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
