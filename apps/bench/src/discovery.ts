import mqtt from 'mqtt';
import { type BenchBroker, startBenchBroker } from './broker.js';
import { withTimeout } from './load.js';
import { collectGarbage } from './memory.js';

export interface DiscoveryResults {
  cards: number;
  cardBytes: number;
  /**
   * createAgentDirectory + start() until the retained set is in (cards parsed and validated):
   * the median of {@link DiscoveryResults.directorySamplesMs}.
   */
  directoryMs?: number;
  /** Every load, in run order (each a fresh session and directory). */
  directorySamplesMs?: number[];
  /** Entries the directory holds after start(). */
  entries?: number;
  /** Heap held by the loaded directory (after a full GC). */
  heapUsedBytes?: number;
  /**
   * The broker's delivery alone: a bare mqtt.js subscriber (QoS 0, as the directory's default)
   * counting the retained messages; the median of {@link DiscoveryResults.rawSamplesMs}.
   */
  rawDeliveryMs: number;
  /** Every bare delivery, in run order. */
  rawSamplesMs: number[];
}

/** The middle sample (the lower middle of an even count). */
function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

const ORG = 'benchdir';
const UNIT = 'dir';

/** A valid A2A v1.0 card (wire JSON) of about `bytes` bytes for agent `index`. */
export function discoveryCard(index: number, brokerUrl: string, bytes: number): string {
  const agent = `agent-${String(index).padStart(5, '0')}`;
  const card = {
    name: agent,
    description: '',
    version: '1.0.0',
    supportedInterfaces: [
      {
        url: `${brokerUrl}/$a2a/v1/request/${ORG}/${UNIT}/${agent}`,
        protocolBinding: 'MQTT5+JSONRPC',
        protocolVersion: '1.0',
        tenant: '',
      },
    ],
    provider: { organization: 'a2a-mqtt bench', url: 'https://example.com' },
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: [0, 1, 2].map((skill) => ({
      id: `skill-${skill}`,
      name: `Skill ${skill} of ${agent}`,
      description: `Does task number ${skill} for the benchmark directory.`,
      tags: ['bench', `skill-${skill}`, `group-${index % 10}`],
      examples: [`Please run skill ${skill}`],
    })),
  };
  const base = JSON.stringify(card).length;
  card.description = `Benchmark agent ${index}. `.padEnd(
    Math.max(16, bytes - base),
    'lorem ipsum ',
  );
  return JSON.stringify(card);
}

async function seed(broker: BenchBroker, count: number, cardBytes: number): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  try {
    const window = 256;
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        const agent = `agent-${String(index).padStart(5, '0')}`;
        await client.publishAsync(
          `$a2a/v1/discovery/${ORG}/${UNIT}/${agent}`,
          discoveryCard(index, broker.url, cardBytes),
          {
            qos: 1,
            retain: true,
            properties: {
              contentType: 'application/json',
              userProperties: { 'a2a-status': 'online', 'a2a-status-source': 'agent' },
            },
          },
        );
      }
    };
    await withTimeout(Promise.all(Array.from({ length: window }, worker)), 60_000, 'seeding cards');
  } finally {
    await client.endAsync();
  }
}

async function rawDelivery(broker: BenchBroker, count: number): Promise<number> {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  try {
    let received = 0;
    const start = performance.now();
    const done = new Promise<void>((resolve) => {
      client.on('message', () => {
        if (++received === count) resolve();
      });
    });
    // The directory's default subscription QoS (DEFAULT_DIRECTORY_QOS).
    await client.subscribeAsync(`$a2a/v1/discovery/${ORG}/${UNIT}/+`, { qos: 0 });
    await withTimeout(done, 30_000, `raw delivery (${received} of ${count})`);
    return performance.now() - start;
  } finally {
    await client.endAsync(true);
  }
}

/**
 * 4. A fresh directory loading `cards` retained cards from a broker of its own, `runs` times
 * after one warm-up load (each a fresh session and directory; the bare subscriber likewise,
 * interleaved), reporting the medians: one load takes a few hundred ms, so a single sample on
 * a shared machine moves by a third between runs.
 */
export async function discoveryScenario(options: {
  cards: number;
  cardBytes: number;
  runs: number;
  log(line: string): void;
  mqttUnavailable?: string;
}): Promise<DiscoveryResults> {
  const broker = await startBenchBroker();
  try {
    options.log(`  discovery: seeding ${options.cards} retained cards`);
    await seed(broker, options.cards, options.cardBytes);
    const rawSamplesMs: number[] = [];
    const directorySamplesMs: number[] = [];
    const results: DiscoveryResults = {
      cards: options.cards,
      cardBytes: Buffer.byteLength(discoveryCard(0, broker.url, options.cardBytes)),
      rawDeliveryMs: 0,
      rawSamplesMs,
    };
    // Run 0 is the warm-up (JIT, the broker's retained index), as in the other scenarios.
    for (let run = 0; run <= options.runs; run++) {
      const rawMs = await rawDelivery(broker, options.cards);
      if (run > 0) rawSamplesMs.push(rawMs);
      if (options.mqttUnavailable !== undefined) continue;
      options.log(
        `  discovery: directory, load ${run} of ${options.runs}${run === 0 ? ' (warm-up)' : ''}`,
      );
      const load = await directoryLoad(broker, run);
      if (run === 0) continue;
      directorySamplesMs.push(load.ms);
      results.entries = load.entries;
      results.heapUsedBytes = load.heapUsedBytes;
    }
    results.rawDeliveryMs = median(rawSamplesMs);
    if (directorySamplesMs.length > 0) {
      results.directorySamplesMs = directorySamplesMs;
      results.directoryMs = median(directorySamplesMs);
    }
    return results;
  } finally {
    await broker.stop();
  }
}

async function directoryLoad(
  broker: BenchBroker,
  run: number,
): Promise<{ ms: number; entries: number; heapUsedBytes: number }> {
  const { connectMqttSession } = await import('@a2a-mqtt/connection');
  const { createAgentDirectory } = await import('@a2a-mqtt/discovery');
  const session = await connectMqttSession({
    url: broker.url,
    clientId: `bench-dir-${process.pid}-${run}`,
  });
  try {
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const start = performance.now();
    const directory = createAgentDirectory({ session, scope: { org: ORG, unit: UNIT } });
    try {
      await withTimeout(directory.start(), 30_000, 'directory start');
      const ms = performance.now() - start;
      const entries = directory.list().length;
      collectGarbage();
      return { ms, entries, heapUsedBytes: process.memoryUsage().heapUsed - heapBefore };
    } finally {
      await directory.close();
    }
  } finally {
    await session.close();
  }
}
