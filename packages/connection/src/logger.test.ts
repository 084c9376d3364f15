import { describe, expect, it } from 'vitest';
import { type Logger, mqttJsLogBridge, NOOP_LOGGER, REDACTED, redactForLog } from './logger.js';

describe('redactForLog', () => {
  it('redacts passwords, keys and authorization values, and replaces payloads by their size', () => {
    const connect = {
      cmd: 'connect',
      username: 'alice',
      password: Buffer.from('hunter2'),
      will: { topic: 'w', payload: Buffer.from('card-body') },
      tls: { key: 'PRIVATE', passphrase: 'pp' },
      properties: { userProperties: { 'a2a-authorization': 'Bearer abc', other: 'ok' } },
    };
    const redacted = redactForLog(connect) as typeof connect;
    const text = JSON.stringify(redacted);
    for (const secret of ['hunter2', 'PRIVATE', '"pp"', 'Bearer abc', 'card-body']) {
      expect(text).not.toContain(secret);
    }
    expect(redacted.password).toBe(REDACTED);
    expect(redacted.will.payload).toBe('<9 bytes>');
    expect(redacted.username).toBe('alice');
    expect(connect.password.toString()).toBe('hunter2'); // the original is untouched
  });

  it('keeps payloads when asked (trace/debug) but never the password', () => {
    const redacted = redactForLog({ payload: 'body', password: 'pw' }, true);
    expect(redacted).toEqual({ payload: 'body', password: REDACTED });
  });
});

describe('mqttJsLogBridge', () => {
  it('sends mqtt.js lines to trace with the CONNECT password redacted', () => {
    const lines: unknown[] = [];
    const logger: Logger = { ...NOOP_LOGGER, trace: (obj) => lines.push(obj) };
    const log = mqttJsLogBridge(logger);
    log?.('_writePacket :: packet: %O', { cmd: 'connect', password: 'hunter2' });
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('is absent for the no-op logger and skips work when trace is disabled', () => {
    expect(mqttJsLogBridge(NOOP_LOGGER)).toBeUndefined();
    const lines: unknown[] = [];
    const pinoLike = {
      ...NOOP_LOGGER,
      trace: (obj: object | string) => lines.push(obj),
      isLevelEnabled: () => false,
    };
    mqttJsLogBridge(pinoLike)?.('x %o', { a: 1 });
    expect(lines).toEqual([]);
  });
});
