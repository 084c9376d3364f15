import { TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import { A2AMqttError } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { toCliError } from './errors.js';
import { CliError, EXIT_CODE } from './exit-codes.js';

describe('toCliError', () => {
  it('maps library error codes to documented exit codes', () => {
    const cases: Array<[string, number]> = [
      ['CONNECT_FAILED', EXIT_CODE.BROKER],
      ['NOT_AUTHORIZED', EXIT_CODE.BROKER],
      ['AGENT_NOT_FOUND', EXIT_CODE.NOT_FOUND],
      ['REQUEST_TIMEOUT', EXIT_CODE.TIMEOUT],
      ['RESPONDER_UNAVAILABLE', EXIT_CODE.TIMEOUT],
      ['INVALID_IDENTIFIER', EXIT_CODE.USAGE],
      ['ABORTED', EXIT_CODE.INTERRUPTED],
      ['TRANSPORT_PROTOCOL_ERROR', EXIT_CODE.FAILURE],
    ];
    for (const [code, exitCode] of cases) {
      const error = new A2AMqttError({ code: code as never, message: `boom\nsecond line` });
      const mapped = toCliError(error);
      expect(mapped.exitCode, code).toBe(exitCode);
      expect(mapped.message).toBe(`${code}: boom`);
    }
  });

  it('maps A2A errors: task not found (4), anything else the agent said (6)', () => {
    expect(toCliError(new TaskNotFoundError('no such task')).exitCode).toBe(EXIT_CODE.NOT_FOUND);
    expect(toCliError(new UnsupportedOperationError('nope')).exitCode).toBe(EXIT_CODE.REMOTE_ERROR);
  });

  it('keeps CliErrors and turns the rest into one-line failures', () => {
    const usage = new CliError('bad', EXIT_CODE.USAGE);
    expect(toCliError(usage)).toBe(usage);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toCliError(refused).exitCode).toBe(EXIT_CODE.BROKER);
    expect(toCliError(new Error('a\nb')).message).toBe('a');
    expect(toCliError('weird').exitCode).toBe(EXIT_CODE.FAILURE);
  });
});
