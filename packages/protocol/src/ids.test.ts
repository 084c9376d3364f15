import { describe, expect, it } from 'vitest';
import { isValidIdentifier } from './identifiers.js';
import {
  CORRELATION_DATA_BYTES,
  createContextId,
  createCorrelationData,
  createReplySuffix,
  createTaskId,
  isUuidV4,
} from './ids.js';

describe('random ids', () => {
  it('createReplySuffix is a fresh 128-bit identifier', () => {
    const values = new Set(Array.from({ length: 100 }, createReplySuffix));
    expect(values.size).toBe(100);
    for (const value of values) {
      expect(value).toMatch(/^[0-9a-f]{32}$/);
      expect(isValidIdentifier(value)).toBe(true);
    }
  });

  it('createCorrelationData is 16 fresh random bytes in a Buffer', () => {
    const first = createCorrelationData();
    const second = createCorrelationData();
    expect(Buffer.isBuffer(first)).toBe(true);
    expect(first).toHaveLength(CORRELATION_DATA_BYTES);
    expect(CORRELATION_DATA_BYTES).toBe(16);
    expect(first.equals(second)).toBe(false);
  });

  it('createTaskId and createContextId are distinct UUIDv4 values', () => {
    const ids = [createTaskId(), createTaskId(), createContextId(), createContextId()];
    for (const id of ids) expect(isUuidV4(id)).toBe(true);
    expect(new Set(ids).size).toBe(4);
  });

  it('isUuidV4 rejects other versions, variants and shapes', () => {
    expect(isUuidV4('9b2f4c1e-7d3a-4e5b-8c6d-0f1a2b3c4d5e')).toBe(true);
    expect(isUuidV4('9B2F4C1E-7D3A-4E5B-BC6D-0F1A2B3C4D5E')).toBe(true);
    expect(isUuidV4('9b2f4c1e-7d3a-1e5b-8c6d-0f1a2b3c4d5e')).toBe(false); // version 1
    expect(isUuidV4('9b2f4c1e-7d3a-4e5b-cc6d-0f1a2b3c4d5e')).toBe(false); // variant
    expect(isUuidV4('9b2f4c1e7d3a4e5b8c6d0f1a2b3c4d5e')).toBe(false);
    expect(isUuidV4(' 9b2f4c1e-7d3a-4e5b-8c6d-0f1a2b3c4d5e')).toBe(false);
    expect(isUuidV4(42)).toBe(false);
    expect(isUuidV4(undefined)).toBe(false);
  });
});
