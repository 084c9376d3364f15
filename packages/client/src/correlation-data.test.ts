import { describe, expect, it } from 'vitest';
import { nextCorrelationData } from './correlation-data';

describe('nextCorrelationData', () => {
  it('returns 16 distinct bytes per call, also across pool refills, never overwritten', () => {
    const seen = new Set<string>();
    const kept: [Buffer, string][] = [];
    for (let i = 0; i < 2_000; i++) {
      const data = nextCorrelationData();
      expect(data).toHaveLength(16);
      const hex = data.toString('hex');
      seen.add(hex);
      if (i % 100 === 0) kept.push([data, hex]);
    }
    expect(seen.size).toBe(2_000);
    for (const [data, hex] of kept) expect(data.toString('hex')).toBe(hex);
  });
});
