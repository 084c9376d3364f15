/**
 * A bounded push-to-pull queue: producers `push()` values, one consumer iterates them.
 * When the buffer is full the oldest value is dropped (counted in `dropped`), so a slow
 * consumer can never make the producer (the MQTT message path) block or grow without bound.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;
  /** Number of values dropped because the buffer was full. */
  dropped = 0;

  constructor(
    private readonly capacity: number,
    private readonly onReturn?: () => void,
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
      return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.end();
    this.onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
