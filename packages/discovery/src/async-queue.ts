/** Callbacks of an {@link AsyncQueue} (all optional). */
export interface AsyncQueueHooks {
  /** The consumer called `return()` (e.g. `break` out of `for await`). */
  onReturn?: () => void;
  /**
   * The first value of an overflow episode was dropped (the buffer was full). Called once per
   * episode, so a caller can log once instead of once per dropped value.
   */
  onOverflow?: () => void;
  /**
   * The consumer emptied the buffer after an overflow episode: the episode is over. `dropped`
   * counts the values dropped during that episode.
   */
  onRecover?: (dropped: number) => void;
}

/**
 * A bounded push-to-pull queue: producers `push()` values, one consumer iterates them.
 * When the buffer is full the oldest value is dropped (counted in `dropped`), so a slow
 * consumer can never make the producer (the MQTT message path) block or grow without bound.
 *
 * An overflow episode starts at the first drop and ends when the consumer has emptied the
 * buffer; `onOverflow` and `onRecover` fire once per episode.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;
  /** Values dropped in the current overflow episode (0 outside one). */
  private episodeDropped = 0;
  /** Number of values dropped because the buffer was full (since the queue was created). */
  dropped = 0;

  constructor(
    private readonly capacity: number,
    private readonly hooks: AsyncQueueHooks = {},
  ) {}

  push(value: T): void {
    if (this.ended) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting({ value, done: false });
      return;
    }
    if (this.buffer.length >= this.capacity) {
      this.buffer.shift();
      this.dropped += 1;
      this.episodeDropped += 1;
      if (this.episodeDropped === 1) this.hooks.onOverflow?.();
    }
    this.buffer.push(value);
  }

  /** Ends the iteration after the buffered values were consumed. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift() as T;
      if (this.buffer.length === 0 && this.episodeDropped > 0) {
        const dropped = this.episodeDropped;
        this.episodeDropped = 0;
        this.hooks.onRecover?.(dropped);
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.episodeDropped = 0;
    this.end();
    this.hooks.onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
