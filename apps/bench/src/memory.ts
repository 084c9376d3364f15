import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MemoryFigures } from './protocol.js';

let gcFunction: (() => void) | undefined;

/** A full garbage collection, without needing `--expose-gc` on the command line. */
export function collectGarbage(): void {
  if (!gcFunction) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
  gcFunction();
}

/** Memory of this process after a full collection. */
export function measureMemory(): MemoryFigures {
  collectGarbage();
  const usage = process.memoryUsage();
  return {
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
  };
}
