/** Test helpers (never exported): bounded waits on async iterators. */
import type { DirectoryEvent } from '../directory-types.js';

/** The next event matching `predicate`, or a rejection after `timeoutMs`. */
export async function nextEvent(
  events: AsyncIterator<DirectoryEvent>,
  predicate: (event: DirectoryEvent) => boolean,
  timeoutMs = 10_000,
): Promise<DirectoryEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no matching directory event within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      (async () => {
        for (;;) {
          const next = await events.next();
          if (next.done) throw new Error('the directory closed before the expected event');
          if (predicate(next.value)) return next.value;
        }
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
