import { describe, expect, it } from 'vitest';
import {
  bearerTokenOf,
  isUsableResponseTopic,
  isValidJsonRpcId,
  parseJsonRpcRequest,
} from './request-envelope.js';

const parse = (text: string | Buffer, max = 1_000) =>
  parseJsonRpcRequest(typeof text === 'string' ? Buffer.from(text) : text, max);

describe('parseJsonRpcRequest', () => {
  it.each([
    ['not JSON', '{"jsonrpc":', -32700, null],
    ['empty payload', '', -32700, null],
    ['binary garbage', Buffer.from([0, 255, 1, 2]), -32700, null],
    ['a number', '42', -32600, null],
    ['a string', '"SendMessage"', -32600, null],
    ['null', 'null', -32600, null],
    ['a batch', '[{"jsonrpc":"2.0","id":1,"method":"GetTask"}]', -32600, null],
    ['float id', '{"jsonrpc":"2.0","id":1.5,"method":"GetTask"}', -32600, null],
    ['boolean id', '{"jsonrpc":"2.0","id":true,"method":"GetTask"}', -32600, null],
    ['object id', '{"jsonrpc":"2.0","id":{},"method":"GetTask"}', -32600, null],
    ['wrong jsonrpc', '{"jsonrpc":"1.0","id":3,"method":"GetTask"}', -32600, 3],
    ['missing jsonrpc', '{"id":"x","method":"GetTask"}', -32600, 'x'],
    ['missing method', '{"jsonrpc":"2.0","id":4}', -32600, 4],
    ['numeric method', '{"jsonrpc":"2.0","id":5,"method":7}', -32600, 5],
    ['empty method', '{"jsonrpc":"2.0","id":6,"method":""}', -32600, 6],
  ] as const)('%s -> %i', (_name, payload, code, id) => {
    const parsed = parse(payload as string | Buffer);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reply.error.code).toBe(code);
    expect(parsed.reply.id).toBe(id);
  });

  it('rejects an oversize payload with -32600 before parsing', () => {
    const parsed = parse(
      `{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"x":"${'a'.repeat(2_000)}"}}`,
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reply.error.code).toBe(-32600);
  });

  it('accepts a valid request with string, integer, null or absent id', () => {
    for (const [text, id] of [
      ['{"jsonrpc":"2.0","id":"a","method":"GetTask"}', 'a'],
      ['{"jsonrpc":"2.0","id":0,"method":"GetTask"}', 0],
      ['{"jsonrpc":"2.0","id":null,"method":"GetTask"}', null],
      ['{"jsonrpc":"2.0","method":"GetTask"}', null],
    ] as const) {
      const parsed = parse(text);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(parsed.id).toBe(id);
    }
  });
});

describe('helpers', () => {
  it('isUsableResponseTopic refuses what cannot be published to', () => {
    expect(isUsableResponseTopic('a2a/v1/reply/o/u/r/s')).toBe(true);
    for (const topic of [undefined, '', 'a/+/b', 'a/#', 'a\u0000b', '$share/g/a']) {
      expect(isUsableResponseTopic(topic)).toBe(false);
    }
  });

  it('isValidJsonRpcId follows JSON-RPC 2.0 (no fractions)', () => {
    expect([1, 'x', null].every(isValidJsonRpcId)).toBe(true);
    expect([1.2, true, {}, []].some(isValidJsonRpcId)).toBe(false);
  });

  it('bearerTokenOf reads Bearer tokens only', () => {
    expect(bearerTokenOf('Bearer abc.def')).toBe('abc.def');
    expect(bearerTokenOf('bearer  x')).toBe('x');
    expect(bearerTokenOf('Basic x')).toBeUndefined();
    expect(bearerTokenOf('Bearer')).toBeUndefined();
  });
});
