import { describe, expect, it } from 'vitest';
import { TrafficExpect } from '../../../spec/schema.js';
import type { SequentialPlan } from '../../../stats/index.js';
import type { TrafficResult } from '../../../traffic/types.js';
import { DETERMINISTIC_REQUEST_COUNT } from './request-count.js';
import { planFor, sendSequentially, sequentialTargetOf } from './sequential.js';

/** A sender whose i-th request overall is answered by versionOf(i); records each batch size. */
function sender(versionOf: (i: number) => string) {
  const batches: number[] = [];
  let sent = 0;
  let clock = 0;
  const send = async (count: number): Promise<TrafficResult> => {
    batches.push(count);
    const requests = Array.from({ length: count }, (_, k) => ({
      id: `r${sent + k}`, status: 200, latencyMs: 2, version: versionOf(sent + k), headers: {}, startedMs: k,
    }));
    sent += count;
    clock += 1000;
    return { kind: 'meshspec.traffic', from: 'client', to: 'http://backend/', namespace: 'ns', requests, startedAt: clock, durationMs: 10 };
  };
  return { send, batches };
}

const split = sequentialTargetOf(TrafficExpect.parse({ toSplitTraffic: { split: { v1: 75, v2: 25 } }, toReach: true }))!;

describe('sequential sampling of a split', () => {
  it('applies when the only share-based expectation is a split, a delay or an abort', () => {
    expect(split).toMatchObject({ expectedPercent: { v1: 75, v2: 25 }, dimension: 'version' });
    const delay = sequentialTargetOf(TrafficExpect.parse({ toInjectDelay: { delay: '3s', share: 50 }, toReach: true }))!;
    expect(delay).toMatchObject({ expectedPercent: { hit: 50, miss: 50 }, dimension: 'delayed >= 3s' });
    expect([3000, 2999].map((latencyMs) => delay.categoryOf({ id: 'a', status: 200, latencyMs, headers: {}, startedMs: 0 }))).toEqual(['hit', 'miss']);
    const abort = sequentialTargetOf(TrafficExpect.parse({ toAbortWith: { status: 500, share: 70 } }))!;
    expect(abort.expectedPercent).toEqual({ hit: 70, miss: 30 });
    expect(sequentialTargetOf(TrafficExpect.parse({ toSplitTraffic: { split: { v1: 50, v2: 50 } }, toSucceed: {} }))).toBeUndefined();
    expect(sequentialTargetOf(TrafficExpect.parse({ toMirrorTo: { mirror: 'app=m' } }))).toBeUndefined();
    expect(sequentialTargetOf(TrafficExpect.parse({ toReach: true }))).toBeUndefined();
  });

  it('stops early on a correct split, at a look, with the batches merged in order', async () => {
    const plan = planFor(split);
    const { send, batches } = sender((i) => (i % 4 === 3 ? 'v2' : 'v1'));
    const { result, summary } = await sendSequentially(split, plan, send);
    const n = result.requests.length;
    expect(plan.looks).toContain(n);
    expect(n).toBeLessThan(plan.maxRequests);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(n);
    expect(result.requests.map((r) => r.id)).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
    expect(result.requests[batches[0]].startedMs).toBe(1000);
    expect(summary).toMatch(/^sequential sampling stopped: /);
  });

  it('stops at the first look when a version that should get nothing answers', async () => {
    const plan = planFor(split);
    const { send, batches } = sender((i) => (i === 5 ? 'v3' : i % 4 === 3 ? 'v2' : 'v1'));
    const { result } = await sendSequentially(split, plan, send);
    expect(batches).toEqual([plan.looks[0]]);
    expect(result.requests.length).toBe(plan.looks[0]);
  });

  it('sends the full sample when the plan fails before the fixed-sample test would', async () => {
    const plan: SequentialPlan = {
      hypothesis: 'shares by version are v1 75%, v2 25%', looks: [40, 80, 800], maxRequests: 800, fixedRequests: 799,
      falseFailure: 1e-4, power: 0.99, expectedRequests: 300,
      decide: (counts) => ({ stop: true, pass: false, reason: `certain to fail at 800 (${JSON.stringify(counts)})` }),
    };
    const { send, batches } = sender((i) => (i % 4 === 3 ? 'v2' : 'v1'));
    const { result, summary } = await sendSequentially(split, plan, send);
    expect(batches).toEqual([40, 760]);
    expect(result.requests).toHaveLength(800);
    expect(summary).toMatch(/^sequential sampling would fail after 40 requests \(certain to fail .*\); sent the full 800$/);
  });

  it('keeps every look at least as large as the fixed count of deterministic expectations', () => {
    const all = planFor(sequentialTargetOf(TrafficExpect.parse({ toSplitTraffic: { split: { v1: 100 } } }))!);
    expect(all.looks[0]).toBeGreaterThanOrEqual(DETERMINISTIC_REQUEST_COUNT);
  });
});
