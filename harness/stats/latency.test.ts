import { describe, expect, it } from 'vitest';
import { summarizeLatency } from './latency.js';

describe('summarizeLatency', () => {
  it('gives nearest-rank percentiles and the buckets from the first to the last non-empty one', () => {
    const latencies = [...Array.from({ length: 50 }, () => 4), ...Array.from({ length: 50 }, (_, i) => 3000 + i)];
    const summary = summarizeLatency(latencies.map((latencyMs) => ({ latencyMs })));
    expect(summary).toMatchObject({ n: 100, p50: 4, p90: 3039, p99: 3048, max: 3049 });
    expect(summary.buckets[0]).toEqual({ fromMs: 0, toMs: 5, count: 50 });
    expect(summary.buckets.at(-1)).toEqual({ fromMs: 3000, toMs: 5000, count: 50 });
    expect(summary.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(100);
  });

  it('puts very slow requests in an open last bucket and handles an empty batch', () => {
    expect(summarizeLatency([{ latencyMs: 45_000 }]).buckets).toEqual([{ fromMs: 30_000, toMs: null, count: 1 }]);
    expect(summarizeLatency([])).toMatchObject({ n: 0, p50: 0, max: 0 });
  });
});
