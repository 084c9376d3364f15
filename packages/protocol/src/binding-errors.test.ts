import { describe, expect, it } from 'vitest';
import {
  A2A_BINDING_ERROR,
  bindingErrorKindOf,
  buildBindingError,
  buildJsonRpcError,
  isRetryableBindingCode,
  JSON_RPC_ERROR_CODE,
} from './binding-errors.js';

describe('buildJsonRpcError', () => {
  it('builds a JSON-RPC 2.0 error response', () => {
    expect(
      buildJsonRpcError({ id: 7, code: JSON_RPC_ERROR_CODE.INVALID_PARAMS, message: 'bad' }),
    ).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32602, message: 'bad' } });
  });

  it('omits data when undefined and keeps it otherwise', () => {
    const withoutData = buildJsonRpcError({ id: null, code: -32700, message: 'parse' });
    expect('data' in withoutData.error).toBe(false);
    expect(withoutData.id).toBeNull();
    const withData = buildJsonRpcError({ id: 'a', code: -32603, message: 'x', data: { why: 1 } });
    expect(withData.error.data).toEqual({ why: 1 });
  });

  it('has the standard JSON-RPC codes', () => {
    expect(JSON_RPC_ERROR_CODE).toEqual({
      PARSE_ERROR: -32700,
      INVALID_REQUEST: -32600,
      METHOD_NOT_FOUND: -32601,
      INVALID_PARAMS: -32602,
      INTERNAL_ERROR: -32603,
    });
  });
});

describe('buildBindingError', () => {
  it.each([
    ['REQUEST_EXPIRED', -32003, 'request_expired'],
    ['RESPONDER_UNAVAILABLE', -32004, 'responder_unavailable'],
    ['TRANSPORT_PROTOCOL_ERROR', -32005, 'transport_protocol_error'],
  ] as const)('%s -> %i with a2a_error %s', (kind, code, a2aError) => {
    expect(A2A_BINDING_ERROR[kind]).toEqual({ code, a2aError });
    const response = buildBindingError(kind, { id: 'req-1' });
    expect(response.jsonrpc).toBe('2.0');
    expect(response.id).toBe('req-1');
    expect(response.error.code).toBe(code);
    expect(response.error.data).toEqual({ a2a_error: a2aError });
    expect(response.error.message.length).toBeGreaterThan(0);
    expect(bindingErrorKindOf(response.error)).toBe(kind);
  });

  it('uses a custom message and merges extra data without letting it override a2a_error', () => {
    const response = buildBindingError('TRANSPORT_PROTOCOL_ERROR', {
      id: 3,
      message: 'missing Response Topic',
      data: { a2a_error: 'forged', field: 'responseTopic' },
    });
    expect(response.error.message).toBe('missing Response Topic');
    expect(response.error.data).toEqual({
      a2a_error: 'transport_protocol_error',
      field: 'responseTopic',
    });
  });
});

describe('bindingErrorKindOf', () => {
  it('needs both the code and data.a2a_error (the bare codes are also core A2A codes)', () => {
    // -32004 without a2a_error is core A2A UnsupportedOperationError.
    expect(bindingErrorKindOf({ code: -32004 })).toBeUndefined();
    expect(
      bindingErrorKindOf({ code: -32004, data: { a2a_error: 'request_expired' } }),
    ).toBeUndefined();
    expect(bindingErrorKindOf({ code: -32003, data: 'request_expired' })).toBeUndefined();
    expect(
      bindingErrorKindOf({ code: -32603, data: { a2a_error: 'request_expired' } }),
    ).toBeUndefined();
    expect(bindingErrorKindOf({ code: -32003, data: { a2a_error: 'request_expired' } })).toBe(
      'REQUEST_EXPIRED',
    );
  });
});

describe('isRetryableBindingCode', () => {
  it('accepts bare codes', () => {
    expect(isRetryableBindingCode(-32003)).toBe(true);
    expect(isRetryableBindingCode(-32004)).toBe(true);
    expect(isRetryableBindingCode(-32005)).toBe(false);
    expect(isRetryableBindingCode(-32603)).toBe(false);
  });

  it('disambiguates error objects with data.a2a_error', () => {
    expect(isRetryableBindingCode(buildBindingError('REQUEST_EXPIRED', { id: 1 }).error)).toBe(
      true,
    );
    expect(
      isRetryableBindingCode(buildBindingError('RESPONDER_UNAVAILABLE', { id: 1 }).error),
    ).toBe(true);
    expect(
      isRetryableBindingCode(buildBindingError('TRANSPORT_PROTOCOL_ERROR', { id: 1 }).error),
    ).toBe(false);
    expect(
      isRetryableBindingCode({ code: -32004, message: 'Unsupported operation' } as never),
    ).toBe(false);
  });
});
