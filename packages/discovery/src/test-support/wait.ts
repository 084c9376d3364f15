/** Test helpers (never exported): bounded waits on async iterators. */
import type { MqttSession } from '@a2a-mqtt/connection';
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

let fenceCounter = 0;

/**
 * A round trip through the broker: `receiver` subscribes `topic` (outside any A2A prefix),
 * `sender` publishes a marker on it, and this resolves once `receiver` handled the marker. The
 * broker delivers one session's messages in the order it accepted them and the session
 * dispatches them synchronously, in order: every message the broker queued for `receiver`
 * before it accepted the marker has then been handled. Rejects after `timeoutMs`.
 */
export async function fenceThrough(
  receiver: MqttSession,
  sender: MqttSession,
  topic: string,
  timeoutMs = 5_000,
): Promise<void> {
  fenceCounter += 1;
  const marker = `fence-${fenceCounter}`;
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const subscription = await receiver.subscribe(topic, (message) => {
    if (message.payload.toString('utf8') === marker) arrived();
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await sender.publish(topic, marker, { qos: 1 });
    await Promise.race([
      arrival,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`fence marker on ${topic} not back within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await subscription.unsubscribe();
  }
}
