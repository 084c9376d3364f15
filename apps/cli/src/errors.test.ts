import { TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import { A2AMqttError } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { notMqttMessage, toCliError, withStateNames } from './errors.js';
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

  it('names task states instead of printing enum numbers', () => {
    const message = 'Task 8a1 is in a terminal state (3) and cannot be modified.';
    expect(withStateNames(message)).toBe(
      'Task 8a1 is in a terminal state (completed) and cannot be modified.',
    );
    expect(withStateNames('Invalid task state: 6')).toBe('Invalid task state: input-required');
    expect(withStateNames('no state here (3)')).toBe('no state here (3)');
    expect(withStateNames('state (42)')).toBe('state (42)');
    const mapped = toCliError(new UnsupportedOperationError(message));
    expect(mapped.message).toBe(
      'the agent answered: Task 8a1 is in a terminal state (completed) and cannot be modified.',
    );
    expect(mapped.exitCode).toBe(EXIT_CODE.REMOTE_ERROR);
  });

  it('says when the endpoint is not an MQTT v5 broker, in one line', () => {
    const broker = 'mqtt://127.0.0.1:8080';
    const parser = new A2AMqttError({
      code: 'CONNECT_FAILED',
      message: `Cannot connect to ${broker}: Invalid header flag bits, must be 0x0 for puback packet`,
      cause: new Error('Invalid header flag bits, must be 0x0 for puback packet'),
      details: { broker },
    });
    const mapped = toCliError(parser);
    expect(mapped.message).toBe(
      `CONNECT_FAILED: the endpoint at ${broker} did not answer as an MQTT v5 broker (check the host, port and scheme)`,
    );
    expect(mapped.exitCode).toBe(EXIT_CODE.BROKER);
    const closed = new A2AMqttError({
      code: 'CONNECT_FAILED',
      message: `The connection to ${broker} closed before a CONNACK`,
      details: { broker },
    });
    expect(notMqttMessage(closed)).toBe(
      `the endpoint at ${broker} closed the connection without answering as an MQTT v5 broker`,
    );
    const silent = new A2AMqttError({
      code: 'CONNECT_FAILED',
      message: `Cannot connect to ${broker}: connack timeout`,
      cause: new Error('connack timeout'),
      details: { broker },
    });
    expect(notMqttMessage(silent)).toMatch(/did not answer as an MQTT v5 broker in time$/);
    // A refused connection is a network error, reported as it is.
    const refused = new A2AMqttError({
      code: 'CONNECT_FAILED',
      message: `Cannot connect to ${broker}: connect ECONNREFUSED 127.0.0.1:8080`,
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), {
        code: 'ECONNREFUSED',
      }),
      details: { broker },
    });
    expect(notMqttMessage(refused)).toBeUndefined();
    expect(toCliError(refused).message).toContain('ECONNREFUSED');
  });
});
