import { existsSync, readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startBroker, waitFor } from './index.js';
import { useBroker } from './vitest.js';

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('anonymous profile (useBroker)', () => {
  const broker = useBroker();

  it('accepts an anonymous MQTT 5 client and routes a message', async () => {
    const handle = broker();
    expect(handle.url).toBe(`mqtt://127.0.0.1:${handle.port}`);
    expect(handle.port).not.toBe(1883);
    const client = await mqtt.connectAsync(handle.clientOptions({ clientId: 'anon-1' }));
    try {
      const received: string[] = [];
      client.on('message', (_topic, payload) => received.push(payload.toString()));
      await client.subscribeAsync('harness/smoke', { qos: 1 });
      await client.publishAsync('harness/smoke', 'hello', { qos: 1 });
      await waitFor(() => received.includes('hello'), { timeoutMs: 5_000 });
    } finally {
      await client.endAsync();
    }
  });

  it('writes the mandatory config lines', () => {
    const config = readFileSync(broker().configFile, 'utf8') as string;
    expect(config).toContain('set_tcp_nodelay true');
    expect(config).toContain('max_queued_messages 20000');
    expect(config).toContain(`listener ${broker().port} 127.0.0.1`);
    expect(config).not.toContain('message_size_limit');
    if (process.getuid?.() === 0) expect(config).toContain('user root');
    expect(broker().logs()).toMatch(/mosquitto version \S+ running/);
  });
});

describe('process control', () => {
  it('stop() ends the process (SIGTERM) and close() removes the directory', async () => {
    const broker = await startBroker();
    const pid = broker.pid;
    expect(processExists(pid)).toBe(true);
    await broker.stop();
    expect(processExists(pid)).toBe(false);
    expect(broker.running).toBe(false);
    expect(broker.logs()).toContain('terminating');
    await broker.close();
    expect(existsSync(broker.dataDir)).toBe(false);
  });

  it('kill() ends the process with SIGKILL and restart() comes back on the same port', async () => {
    const broker = await startBroker();
    try {
      const firstPid = broker.pid;
      await broker.kill();
      expect(processExists(firstPid)).toBe(false);
      await expect(mqtt.connectAsync(broker.clientOptions())).rejects.toThrow();
      await broker.restart();
      expect(broker.pid).not.toBe(firstPid);
      const client = await mqtt.connectAsync(broker.clientOptions());
      await client.endAsync();
    } finally {
      await broker.close();
    }
  });
});
