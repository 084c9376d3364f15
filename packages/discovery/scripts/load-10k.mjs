/**
 * Load benchmark of the agent directory: how long `createAgentDirectory(...).start()` takes to
 * hold N retained, validated, parsed cards (default 10 000 cards of about 2 KB).
 *
 * Starts a private mosquitto on a free port (stopped by its PID at the end), publishes the
 * cards retained with presence user properties, then measures `start()` on a fresh session
 * `runs` times: wall time, CPU time of this process and heap growth.
 *
 * Usage (from packages/discovery, after `pnpm build`):
 *   node --expose-gc scripts/load-10k.mjs [runs=3] [mode=directory|session|bare]
 * `session` subscribes through MqttSession only, `bare` through mqtt.js only (baselines).
 * Env: N (cards, default 10000), MOSQUITTO (default /usr/sbin/mosquitto).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCard } from '@a2a-js/sdk';
import { connectMqttSession } from '@a2a-mqtt/connection';
import { createAgentDirectory, prepareAgentCard } from '@a2a-mqtt/discovery';
import { createTopics } from '@a2a-mqtt/protocol';
import mqtt from 'mqtt';

const N = Number(process.env.N ?? 10_000);
const runs = Number(process.argv[2] ?? 3);
const mode = process.argv[3] ?? 'directory';
const out = (line) => process.stdout.write(`${line}\n`);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const open = await new Promise((resolve) => {
      const socket = netConnect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not open port ${port}`);
}

function cardFor(i) {
  return AgentCard.fromJSON({
    name: `Agent ${i}`,
    description: `Agent number ${i} of the benchmark fleet. `.repeat(23),
    version: '1.0.0',
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: Array.from({ length: 4 }, (_, k) => ({
      id: `skill-${k}`,
      name: `Skill ${k}`,
      description: `Does thing ${k} for agent ${i}, well and quickly.`,
      tags: ['bench', `tag-${k}`, `group-${i % 10}`],
      examples: [`please do thing ${k}`],
    })),
  });
}

const ms = (micros) => (micros / 1000).toFixed(0);

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'discovery-bench-'));
writeFileSync(
  join(dir, 'mosquitto.conf'),
  [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'set_tcp_nodelay true',
    'max_queued_messages 20000',
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    '',
  ].join('\n'),
);
const broker = spawn(
  process.env.MOSQUITTO ?? '/usr/sbin/mosquitto',
  ['-c', join(dir, 'mosquitto.conf')],
  {
    stdio: 'ignore',
  },
);
try {
  await waitForPort(port);
  const url = `mqtt://127.0.0.1:${port}`;
  const topics = createTopics();
  const scope = { org: 'acme', unit: 'fleet' };
  const publisher = await mqtt.connectAsync(url, {
    protocolVersion: 5,
    clientId: 'bench-publisher',
  });
  let bytes = 0;
  let pending = [];
  for (let i = 0; i < N; i += 1) {
    const agent = { ...scope, agent: `agent-${String(i).padStart(5, '0')}` };
    const { payload } = prepareAgentCard({ card: cardFor(i), agent, topics, broker: url });
    bytes += Buffer.byteLength(payload);
    pending.push(
      publisher.publishAsync(topics.discovery(agent), payload, {
        qos: 1,
        retain: true,
        properties: {
          contentType: 'application/json',
          userProperties: { 'a2a-status': 'online', 'a2a-status-source': 'agent' },
        },
      }),
    );
    if (pending.length >= 500) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  await publisher.endAsync();
  out(`${N} retained cards, ${Math.round(bytes / N)} B on average; mode ${mode}`);

  const filter = topics.discoveryFilter(scope);
  globalThis.gc?.();
  const baseline = process.memoryUsage().heapUsed;
  const heapMb = () => {
    globalThis.gc?.();
    return ((process.memoryUsage().heapUsed - baseline) / 1e6).toFixed(1);
  };
  // One function per run, so nothing of a finished run stays reachable from this frame.
  const measure = async (run) => {
    let count = 0;
    let release;
    const all = new Promise((resolve) => {
      release = resolve;
    });
    const onCard = () => {
      count += 1;
      if (count === N) release();
    };
    let close;
    let started;
    let cpu;
    if (mode === 'bare') {
      const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `bench-${run}` });
      client.on('message', onCard);
      started = performance.now();
      cpu = process.cpuUsage();
      client.subscribe(filter, { qos: 0 }); // the directory's default QoS
      await all;
      close = () => client.endAsync();
    } else {
      const session = await connectMqttSession({ url, clientId: `acme/fleet/console-${run}` });
      close = () => session.close();
      started = performance.now();
      cpu = process.cpuUsage();
      if (mode === 'session') {
        await session.subscribe(filter, onCard, { qos: 0 });
        await all;
      } else {
        const directory = createAgentDirectory({ session, scope });
        await directory.start();
        count = directory.size;
        close = () => directory.close().then(() => session.close());
      }
    }
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const held = heapMb();
    await close();
    return { count, wall, used, held };
  };
  for (let run = 1; run <= runs; run += 1) {
    const { count, wall, used, held } = await measure(run);
    out(
      `run ${run}: ${count} cards in ${wall.toFixed(0)} ms (cpu user ${ms(used.user)} ms, ` +
        `sys ${ms(used.system)} ms; heap held ${held} MB, after close ${heapMb()} MB)`,
    );
  }
} finally {
  await new Promise((resolve) => {
    broker.once('exit', resolve);
    broker.kill('SIGTERM');
  });
  rmSync(dir, { recursive: true, force: true });
}
