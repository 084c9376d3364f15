import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { A2A_MQTT_ERROR_CODE, A2AMqttError, isA2AMqttError } from './errors.js';

describe('A2AMqttError', () => {
  it('carries code, message, cause, reasonCode and details', () => {
    const cause = new Error('socket hang up');
    const error = new A2AMqttError({
      code: 'NOT_AUTHORIZED',
      message: 'publish refused',
      cause,
      reasonCode: 0x87,
      details: { topic: 'a/b' },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('A2AMqttError');
    expect(error.code).toBe('NOT_AUTHORIZED');
    expect(error.message).toBe('publish refused');
    expect(error.cause).toBe(cause);
    expect(error.reasonCode).toBe(0x87);
    expect(error.details).toEqual({ topic: 'a/b' });
    expect(error.retryable).toBe(false);
  });

  it('defaults retryable from the code and lets the caller override it', () => {
    const retryable = [
      'CONNECT_FAILED',
      'CONNECTION_CLOSED',
      'NO_MATCHING_SUBSCRIBERS',
      'PUBLISH_FAILED',
      'REQUEST_TIMEOUT',
      'REQUEST_EXPIRED',
      'RESPONDER_UNAVAILABLE',
    ];
    for (const code of Object.values(A2A_MQTT_ERROR_CODE)) {
      expect(new A2AMqttError({ code, message: 'x' }).retryable, code).toBe(
        retryable.includes(code),
      );
    }
    expect(new A2AMqttError({ code: 'STREAM_IDLE_TIMEOUT', message: 'x' }).retryable).toBe(false);
    expect(
      new A2AMqttError({ code: 'REQUEST_TIMEOUT', message: 'x', retryable: false }).retryable,
    ).toBe(false);
    expect(
      new A2AMqttError({ code: 'INVALID_OPTIONS', message: 'x', retryable: true }).retryable,
    ).toBe(true);
  });

  it('has every code listed in the contract, each mapping to itself', () => {
    expect(Object.keys(A2A_MQTT_ERROR_CODE).sort()).toEqual(
      [
        'INVALID_IDENTIFIER',
        'INVALID_TOPIC',
        'INVALID_BROKER_URL',
        'INVALID_AGENT_CARD',
        'INVALID_ENVELOPE',
        'CONNECT_FAILED',
        'CONNECTION_CLOSED',
        'NOT_AUTHORIZED',
        'NO_MATCHING_SUBSCRIBERS',
        'PACKET_TOO_LARGE',
        'PUBLISH_FAILED',
        'SUBSCRIBE_REJECTED',
        'REQUEST_TIMEOUT',
        'STREAM_IDLE_TIMEOUT',
        'REQUEST_EXPIRED',
        'RESPONDER_UNAVAILABLE',
        'TRANSPORT_PROTOCOL_ERROR',
        'AGENT_NOT_FOUND',
        'ABORTED',
        'CLOSED',
        'INVALID_OPTIONS',
      ].sort(),
    );
    for (const [key, value] of Object.entries(A2A_MQTT_ERROR_CODE)) expect(value).toBe(key);
  });

  it('is recognised through the Symbol.for marker, also across copies', () => {
    const error = new A2AMqttError({ code: 'CLOSED', message: 'closed' });
    expect(A2AMqttError.isInstance(error)).toBe(true);
    expect(A2AMqttError.isInstance(new Error('x'))).toBe(false);
    expect(A2AMqttError.isInstance(null)).toBe(false);
    expect(A2AMqttError.isInstance('CLOSED')).toBe(false);
    // An error from another copy of the package only shares the registered symbol.
    const foreign = Object.assign(new Error('x'), { code: 'CLOSED' });
    Object.defineProperty(foreign, Symbol.for('@a2a-mqtt/protocol.A2AMqttError'), { value: true });
    expect(A2AMqttError.isInstance(foreign)).toBe(true);
  });

  it('keeps the marker out of JSON and inspect output', () => {
    const error = new A2AMqttError({ code: 'CLOSED', message: 'closed' });
    expect(Object.keys(error)).not.toContain(Symbol.for('@a2a-mqtt/protocol.A2AMqttError'));
    expect(inspect(error)).not.toContain('@a2a-mqtt/protocol.A2AMqttError');
  });

  it('isA2AMqttError filters by code', () => {
    const error = new A2AMqttError({ code: 'ABORTED', message: 'aborted' });
    expect(isA2AMqttError(error)).toBe(true);
    expect(isA2AMqttError(error, 'ABORTED')).toBe(true);
    expect(isA2AMqttError(error, 'CLOSED')).toBe(false);
    expect(isA2AMqttError(new Error('x'))).toBe(false);
  });
});
