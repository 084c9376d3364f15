import { randomFillSync } from 'node:crypto';
import { CORRELATION_DATA_BYTES } from '@a2a-mqtt/protocol';

const POOL_BYTES = CORRELATION_DATA_BYTES * 512;
let pool: Buffer = Buffer.alloc(0);
let offset = POOL_BYTES;

/**
 * Fresh Correlation Data (16 cryptographically random bytes), like `createCorrelationData()`
 * of `@a2a-mqtt/protocol` but cut from a pooled random buffer: one `randomFillSync` per 512
 * requests instead of one `randomBytes` call per request (hot path). A refill allocates a new
 * pool, so slices handed out earlier are never overwritten.
 */
export function nextCorrelationData(): Buffer {
  if (offset + CORRELATION_DATA_BYTES > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    offset = 0;
  }
  const slice = pool.subarray(offset, offset + CORRELATION_DATA_BYTES);
  offset += CORRELATION_DATA_BYTES;
  return slice;
}
