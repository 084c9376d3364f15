import { describe, expect, it } from 'vitest';
import { percentile, ratio, summarize } from './stats.js';

describe('stats', () => {
  it('computes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    const summary = summarize(samples);
    expect(summary.p50).toBe(50);
    expect(summary.p90).toBe(90);
    expect(summary.p99).toBe(99);
    expect(summary.min).toBe(1);
    expect(summary.max).toBe(100);
    expect(summary.mean).toBe(50.5);
    expect(summary.count).toBe(100);
  });

  it('handles tiny and empty sets', () => {
    expect(percentile(Float64Array.from([7]), 99)).toBe(7);
    expect(percentile(Float64Array.from([1, 2]), 50)).toBe(1);
    expect(summarize([]).p50).toBeNaN();
  });

  it('returns NaN ratios for missing figures', () => {
    expect(ratio(2, 4)).toBe(0.5);
    expect(ratio(undefined, 4)).toBeNaN();
    expect(ratio(1, 0)).toBeNaN();
  });
});
