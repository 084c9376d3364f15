import type { CpuPerCall } from './cpu.js';
import type { DiscoveryResults } from './discovery.js';
import type { InProcessFigures } from './in-process.js';
import type { ClosedLoopResult } from './load.js';
import type {
  ContenderName,
  LatencyResult,
  MemoryRow,
  PoolRow,
  StreamingResults,
} from './scenarios.js';
import { ratio } from './stats.js';

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  platform: string;
  node: string;
  broker: string;
}

/** Everything one run measured; `--json` prints this object. */
export interface BenchResults {
  command: string;
  quick: boolean;
  startedAt: string;
  durationS: number;
  machine: MachineInfo;
  payload: { textBytes: number; requestBytes: number; replyBytes: number };
  inProcess?: InProcessFigures;
  latency: {
    calls: number;
    /** Interleaved blocks the calls were measured in. */
    blocks: number;
    results: Partial<Record<ContenderName, LatencyResult>>;
  };
  throughput: {
    inFlight: number;
    durationMs: number;
    /** Interleaved windows the duration was split into. */
    blocks: number;
    results: Partial<Record<ContenderName, ClosedLoopResult>>;
  };
  streaming?: StreamingResults;
  discovery?: DiscoveryResults;
  discovery10kMs?: number;
  memory: Partial<Record<ContenderName, MemoryRow>>;
  pool: PoolRow[];
  ratios: Record<string, number>;
  targets: TargetCheck[];
  errors: string[];
}

export interface TargetCheck {
  name: string;
  value: number;
  target: string;
  met: boolean;
}

/** The ratios of the issue, from one run. */
export function computeRatios(
  results: Omit<BenchResults, 'ratios' | 'targets'>,
): Record<string, number> {
  const latency = results.latency.results;
  const throughput = results.throughput.results;
  const replace = ratio(
    results.streaming?.replace.mqtt?.perSecond,
    results.streaming?.replace.http?.perSecond,
  );
  const append = ratio(
    results.streaming?.append.mqtt?.perSecond,
    results.streaming?.append.http?.perSecond,
  );
  return {
    latencyP50MqttVsHttp: ratio(latency.mqtt?.p50, latency.http?.p50),
    latencyP50MqttVsRaw: ratio(latency.mqtt?.p50, latency.raw?.p50),
    throughputMqttVsHttp: ratio(throughput.mqtt?.perSecond, throughput.http?.perSecond),
    throughputMqttVsRaw: ratio(throughput.mqtt?.perSecond, throughput.raw?.perSecond),
    streamingMqttVsSse: Math.min(replace, append),
    streamingReplaceMqttVsSse: replace,
    streamingAppendMqttVsSse: append,
    // Information, no target: how close each stream gets to the raw mqtt.js floor.
    streamingReplaceMqttVsRaw: ratio(
      results.streaming?.replace.mqtt?.perSecond,
      results.streaming?.replace.raw?.perSecond,
    ),
    streamingAppendMqttVsRaw: ratio(
      results.streaming?.append.mqtt?.perSecond,
      results.streaming?.append.raw?.perSecond,
    ),
  };
}

export function checkTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const r = results.ratios;
  const check = (
    name: string,
    value: number | undefined,
    target: string,
    ok: (v: number) => boolean,
  ) => ({
    name,
    value: value ?? Number.NaN,
    target,
    met: value !== undefined && Number.isFinite(value) && ok(value),
  });
  return [
    check('p50 latency MQTT / HTTP', r.latencyP50MqttVsHttp, '<= 0.8', (v) => v <= 0.8),
    check('p50 latency MQTT / raw', r.latencyP50MqttVsRaw, '<= 1.5', (v) => v <= 1.5),
    check('throughput MQTT / HTTP', r.throughputMqttVsHttp, '>= 1.5', (v) => v >= 1.5),
    check('throughput MQTT / raw', r.throughputMqttVsRaw, '>= 0.6', (v) => v >= 0.6),
    check('streaming replace MQTT / SSE', r.streamingReplaceMqttVsSse, '>= 1', (v) => v >= 1),
    check('streaming append MQTT / SSE', r.streamingAppendMqttVsSse, '>= 1', (v) => v >= 1),
    check(
      'appended chunks over MQTT (events/s)',
      results.streaming?.append.mqtt?.perSecond,
      '>= 10 000',
      (v) => v >= 10_000,
    ),
    check('10k cards loaded (ms)', results.discovery10kMs, '<= 500', (v) => v <= 500),
  ];
}

const fmt = (value: number | undefined, digits = 2): string =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
const int = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? '-' : Math.round(value).toLocaleString('en-US');
const samples = (values: readonly number[] | undefined): string =>
  values === undefined || values.length === 0 ? '-' : values.map((v) => v.toFixed(0)).join(', ');
const mib = (bytes: number | undefined): string =>
  bytes === undefined ? '-' : (bytes / 1024 / 1024).toFixed(1);

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

const CPU_HEADERS = ['CPU µs/call client', 'server', 'broker'];

function cpuCells(cpu: CpuPerCall | undefined): string[] {
  return [fmt(cpu?.client, 0), fmt(cpu?.server, 0), fmt(cpu?.broker, 0)];
}

const LABEL: Record<ContenderName, string> = {
  mqtt: '(a) a2a-mqtt client+server over MQTT',
  http: '(b) @a2a-js/sdk JSON-RPC over HTTP',
  raw: '(c) raw mqtt.js request/reply (floor)',
  rawToMqtt: '(d) raw mqtt.js requester -> a2a-mqtt server',
};

/** The human-readable report (Markdown tables, pasted as is into BENCHMARKS.md). */
export function renderReport(results: BenchResults): string {
  const out: string[] = [];
  const m = results.machine;
  out.push(
    `Command: \`${results.command}\` (${results.quick ? 'quick' : 'full'}), ${results.startedAt}, ${results.durationS.toFixed(0)} s`,
  );
  out.push(
    `Machine: ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB.toFixed(1)} GiB, ${m.platform}, Node ${m.node}, ${m.broker}`,
  );
  out.push(
    `Payload: ${results.payload.textBytes} B of text; SendMessage request ${results.payload.requestBytes} B, reply ${results.payload.replyBytes} B (raw floor moves the same sizes)`,
  );
  if (results.inProcess) {
    const p = results.inProcess;
    out.push(
      `SDK JSON-RPC handler alone, in process, sequential: ${int(p.handlerPerSecond)} requests/s` +
        (p.handlerFastStorePerSecond === undefined
          ? ''
          : ` (InMemoryTaskStore), ${int(p.handlerFastStorePerSecond)} requests/s (FastInMemoryTaskStore)`),
    );
    if (p.streamPerSecond) {
      out.push(
        `SDK handler alone, in process, one stream (FastInMemoryTaskStore): replace ${int(p.streamPerSecond.replace)} items/s, append ${int(p.streamPerSecond.append)} items/s`,
      );
    }
  }
  out.push('');
  out.push(
    `### 1. Latency: ${results.latency.calls} sequential SendMessage calls (ms), in ${results.latency.blocks} interleaved blocks`,
  );
  out.push(
    table(
      ['contender', 'p50', 'p90', 'p99', 'mean', 'max', ...CPU_HEADERS],
      (['mqtt', 'http', 'raw', 'rawToMqtt'] as const)
        .filter((name) => name !== 'rawToMqtt' || results.latency.results[name] !== undefined)
        .map((name) => {
          const s = results.latency.results[name];
          return [
            LABEL[name],
            fmt(s?.p50, 3),
            fmt(s?.p90, 3),
            fmt(s?.p99, 3),
            fmt(s?.mean, 3),
            fmt(s?.max, 2),
            ...cpuCells(s?.cpuPerCallUs),
          ];
        }),
    ),
  );
  if (results.latency.results.rawToMqtt !== undefined) {
    out.push(
      '(d) isolates our server: the bare requester of (c) sends real SendMessage requests (fresh Task.id, `A2A-Version`) to the server of (a); (a) − (d) is our client, (d) − (c) our server and the A2A handler.',
    );
  }
  const timed = (['mqtt', 'rawToMqtt'] as const).filter(
    (name) => results.latency.results[name]?.serverMedianUs !== undefined,
  );
  if (timed.length > 0) {
    out.push('');
    out.push(
      table(
        [
          'our server, per sequential call (median µs)',
          'request arrival to reply publish',
          'inside the SDK handler',
        ],
        timed.map((name) => {
          const t = results.latency.results[name]?.serverMedianUs;
          return [LABEL[name], fmt(t?.serve, 0), fmt(t?.handle, 0)];
        }),
      ),
    );
  }
  out.push('');
  out.push(
    `### 2. Throughput: ${results.throughput.inFlight} in flight for ${(results.throughput.durationMs / 1000).toFixed(1)} s, in ${results.throughput.blocks} interleaved windows`,
  );
  out.push(
    table(
      ['contender', 'completed/s', 'completed', 'errors', ...CPU_HEADERS],
      (['mqtt', 'http', 'raw'] as const).map((name) => {
        const t = results.throughput.results[name];
        return [
          LABEL[name],
          int(t?.perSecond),
          int(t?.completed),
          int(t?.errors),
          ...cpuCells(t?.cpuPerCallUs),
        ];
      }),
    ),
  );
  out.push(
    'CPU µs/call: CPU time (user + system, all threads) of the requester, the server process and the broker per completed call over the measured window; the two cores are shared by all three.',
  );
  if (results.streaming) {
    const s = results.streaming;
    out.push('');
    out.push(
      `### 3. Streaming: one task emitting ${int(s.events)} artifact updates (cap ${(s.capMs / 1000).toFixed(1)} s), median of ${s.rounds} interleaved round(s)`,
    );
    const rows: string[][] = [];
    for (const shape of ['replace', 'append'] as const) {
      for (const [key, label] of [
        ['mqtt', 'MQTT (a2a-mqtt, FastInMemoryTaskStore)'],
        ['http', 'HTTP SSE (@a2a-js/sdk, InMemoryTaskStore)'],
        ['httpFastStore', 'HTTP SSE (@a2a-js/sdk, FastInMemoryTaskStore)'],
        ['raw', 'raw mqtt.js QoS 1 stream, same sizes and window (floor)'],
      ] as const) {
        const run = s[shape][key];
        if (!run && (key === 'httpFastStore' || key === 'raw')) continue;
        rows.push([
          `${shape === 'replace' ? 'replace (append: false)' : 'append (append: true)'}: ${label}`,
          int(run?.perSecond),
          run ? `${int(run.events)}${run.complete ? '' : ' (cap)'}` : '-',
          fmt(run ? run.ms / 1000 : undefined, 2),
          run?.roundsPerSecond ? run.roundsPerSecond.map((rate) => int(rate)).join(', ') : '-',
          ...cpuCells(run?.cpuPerEventUs),
        ]);
      }
    }
    out.push(
      table(
        [
          'shape: transport',
          'events/s',
          'events',
          's',
          'every round (events/s)',
          'CPU µs/event client',
          'server',
          'broker',
        ],
        rows,
      ),
    );
  }
  if (results.discovery) {
    const d = results.discovery;
    out.push('');
    out.push(
      `### 4. Discovery: fresh directory loading ${int(d.cards)} retained cards (${int(d.cardBytes)} B each)`,
    );
    out.push(
      table(
        ['measure', 'value'],
        [
          ['createAgentDirectory + start(), median (ms)', fmt(d.directoryMs, 0)],
          ['  every load (ms)', samples(d.directorySamplesMs)],
          ['entries loaded', int(d.entries)],
          ['heap held by the directory (MiB)', mib(d.heapUsedBytes)],
          [
            'broker delivery alone, bare mqtt.js subscriber at QoS 0, median (ms)',
            fmt(d.rawDeliveryMs, 0),
          ],
          ['  every delivery (ms)', samples(d.rawSamplesMs)],
        ],
      ),
    );
  }
  out.push('');
  out.push('### 5. Memory: growth with tasks in flight at once (MiB, after full GC)');
  out.push(
    table(
      ['contender', 'tasks', 'client RSS', 'client heap', 'server RSS', 'server heap'],
      (['mqtt', 'http'] as const).map((name) => {
        const row = results.memory[name];
        return [
          LABEL[name],
          int(row?.tasks),
          mib(row?.client.rss),
          mib(row?.client.heapUsed),
          mib(row?.server.rss),
          mib(row?.server.heapUsed),
        ];
      }),
    ),
  );
  out.push('');
  out.push(
    `### 6. Pool scaling: ${results.throughput.inFlight} in flight, prefix a2a/v1, one process per member`,
  );
  out.push(
    table(
      ['members', 'completed/s', 'errors'],
      results.pool.map((row) => [String(row.members), int(row.perSecond), int(row.errors)]),
    ),
  );
  out.push('');
  out.push('### Ratios (one run) against the targets');
  out.push(
    table(
      ['ratio', 'value', 'target', 'met'],
      results.targets.map((t) => [
        t.name,
        t.value > 100 ? int(t.value) : fmt(t.value, 2),
        t.target,
        t.met ? 'yes' : 'NO',
      ]),
    ),
  );
  if (results.errors.length > 0) {
    out.push('');
    out.push('Errors:');
    for (const error of results.errors) out.push(`- ${error}`);
  }
  return out.join('\n');
}
