import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ServerProcess } from './server-process.js';

/**
 * CPU time (user + system, all threads) each process spent per completed call over a measured
 * window, in microseconds. Throughput on this 2-core machine is bounded by the sum of the three
 * (the requester, the server processes and the broker share both cores), and sequential
 * latency is mostly that sum, so these figures say where a contender's time goes.
 */
export interface CpuPerCall {
  /** The bench process (the requester). */
  client: number;
  /** The server process(es) of the contender. */
  server: number;
  /** The broker (MQTT contenders), when its process CPU time can be read (`/proc`). */
  broker?: number;
}

interface CpuSnapshot {
  client: number;
  server: number;
  broker: number | undefined;
}

let clockTicksPerSecond: number | undefined;

function ticksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
    } catch {
      clockTicksPerSecond = 100;
    }
    if (!Number.isFinite(clockTicksPerSecond) || clockTicksPerSecond <= 0)
      clockTicksPerSecond = 100;
  }
  return clockTicksPerSecond;
}

/** CPU time of another process from `/proc/{pid}/stat` (utime + stime), in microseconds. */
export function processCpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return ((utime + stime) * 1_000_000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

async function snapshot(
  servers: readonly ServerProcess[],
  brokerPid: number | undefined,
): Promise<CpuSnapshot> {
  const serverTimes = await Promise.all(servers.map((server) => server.cpuMicros()));
  const own = process.cpuUsage();
  return {
    client: own.user + own.system,
    server: serverTimes.reduce((sum, value) => sum + value, 0),
    broker: brokerPid === undefined ? undefined : processCpuMicros(brokerPid),
  };
}

/** Brackets a measured window: `start()` before it, `stop(calls)` after it. */
export function cpuMeter(servers: readonly ServerProcess[], brokerPid: number | undefined) {
  let before: CpuSnapshot | undefined;
  return {
    async start(): Promise<void> {
      before = await snapshot(servers, brokerPid);
    },
    async stop(calls: number): Promise<CpuPerCall | undefined> {
      if (before === undefined || calls <= 0) return undefined;
      const after = await snapshot(servers, brokerPid);
      const result: CpuPerCall = {
        client: (after.client - before.client) / calls,
        server: (after.server - before.server) / calls,
      };
      if (after.broker !== undefined && before.broker !== undefined) {
        result.broker = (after.broker - before.broker) / calls;
      }
      return result;
    },
  };
}
