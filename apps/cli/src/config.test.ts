import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  clearBrokerState,
  DEFAULT_ORG,
  DEFAULT_UNIT,
  readBrokerState,
  resolveConfig,
  writeBrokerState,
} from './config.js';
import { CliError, EXIT_CODE } from './exit-codes.js';

let stateDir: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'a2a-mqtt-cli-test-'));
  env = { A2A_MQTT_STATE_DIR: stateDir };
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
}

describe('resolveConfig', () => {
  it('fails with exit code 3 when no broker is configured', async () => {
    const error = await failure(resolveConfig({ json: false }, env));
    expect(error.exitCode).toBe(EXIT_CODE.BROKER);
    expect(error.message).toContain('a2a-mqtt broker');
  });

  it('takes --broker over A2A_MQTT_URL, and the namespace from the URL path', async () => {
    const config = await resolveConfig(
      { json: false, broker: 'mqtt://u:secret@h:1884/acme/eng' },
      { ...env, A2A_MQTT_URL: 'mqtt://other:1883' },
    );
    expect(config.source).toBe('flag');
    expect(config.endpoint.host).toBe('h');
    expect(config.org).toBe('acme');
    expect(config.unit).toBe('eng');
    expect(config.unitExplicit).toBe(true);
    expect(config.topics.prefix).toBe('$a2a/v1');
    expect(config.endpoint.toString()).not.toContain('secret');
  });

  it('defaults org and unit, and honours A2A_MQTT_PREFIX', async () => {
    const config = await resolveConfig(
      { json: false },
      { ...env, A2A_MQTT_URL: 'mqtt://h:1883', A2A_MQTT_PREFIX: 'a2a/v1' },
    );
    expect(config.org).toBe(DEFAULT_ORG);
    expect(config.unit).toBe(DEFAULT_UNIT);
    expect(config.unitExplicit).toBe(false);
    expect(config.topics.prefix).toBe('a2a/v1');
    expect(config.requesterId).toMatch(/^cli-/);
  });

  it('uses the broker recorded by `a2a-mqtt broker` while that process lives', async () => {
    await writeBrokerState(env, {
      url: 'mqtt://127.0.0.1:4242',
      pid: process.pid,
      prefix: 'a2a/v1',
      startedAt: new Date().toISOString(),
    });
    const config = await resolveConfig({ json: false }, env);
    expect(config.source).toBe('embedded');
    expect(config.endpoint.port).toBe(4242);
    expect(config.topics.prefix).toBe('a2a/v1');
    await clearBrokerState(env, process.pid);
    expect(await readBrokerState(env)).toBeUndefined();
  });

  it('uses the recorded prefix when --broker or A2A_MQTT_URL names the recorded broker', async () => {
    await writeBrokerState(env, {
      url: 'mqtt://127.0.0.1:4242',
      pid: process.pid,
      prefix: 'a2a/v1',
      startedAt: new Date().toISOString(),
    });
    const flag = await resolveConfig({ json: false, broker: 'mqtt://localhost:4242' }, env);
    expect(flag.source).toBe('flag');
    expect(flag.topics.prefix).toBe('a2a/v1');
    const fromEnv = await resolveConfig(
      { json: false },
      { ...env, A2A_MQTT_URL: 'mqtt://127.0.0.1:4242' },
    );
    expect(fromEnv.topics.prefix).toBe('a2a/v1');
    const explicit = await resolveConfig(
      { json: false, broker: 'mqtt://127.0.0.1:4242', prefix: '$a2a/v1' },
      env,
    );
    expect(explicit.topics.prefix).toBe('$a2a/v1');
    const other = await resolveConfig({ json: false, broker: 'mqtt://127.0.0.1:4243' }, env);
    expect(other.topics.prefix).toBe('$a2a/v1');
    await clearBrokerState(env, process.pid);
  });

  it('ignores a record whose process is gone', async () => {
    await writeBrokerState(env, {
      url: 'mqtt://127.0.0.1:4242',
      pid: 2 ** 22 + 12_345,
      prefix: 'a2a/v1',
      startedAt: new Date().toISOString(),
    });
    expect(await readBrokerState(env)).toBeUndefined();
  });

  it('rejects a bad URL (exit 3), a bad org or prefix (exit 2)', async () => {
    expect((await failure(resolveConfig({ json: false, broker: 'http://x' }, env))).exitCode).toBe(
      EXIT_CODE.BROKER,
    );
    expect(
      (await failure(resolveConfig({ json: false, broker: 'mqtt://h', org: 'a b' }, env))).exitCode,
    ).toBe(EXIT_CODE.USAGE);
    expect(
      (await failure(resolveConfig({ json: false, broker: 'mqtt://h', prefix: 'a/+/b' }, env)))
        .exitCode,
    ).toBe(EXIT_CODE.USAGE);
  });

  it('takes the requester id from a username of the form org/unit/agent', async () => {
    const config = await resolveConfig(
      { json: false, broker: 'mqtt://demo%2Fdev%2Fcli:pw@h:1884/demo/dev' },
      env,
    );
    expect(config.requesterId).toBe('cli');
  });
});
