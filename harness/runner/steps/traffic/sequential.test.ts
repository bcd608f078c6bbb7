import { describe, expect, it } from 'vitest';
import { TrafficExpect } from '../../../spec/schema.js';
import { DEFAULT_POLICY, requiredSampleSize, sequentialSplitPlan, type SequentialPlan } from '../../../stats/index.js';
import type { TrafficResult } from '../../../contract/traffic.js';
import { DETERMINISTIC_REQUEST_COUNT, expectationPolicy } from './request-count.js';
import { plansFor, sendSequentially, sequentialTargetsOf, type SequentialTarget } from './sequential.js';

/** A sender whose i-th request overall is answered by versionOf(i); records each batch size. */
function sender(versionOf: (i: number) => string) {
  const batches: number[] = [];
  let sent = 0;
  let clock = 0;
  const send = async (count: number): Promise<TrafficResult> => {
    batches.push(count);
    const requests = Array.from({ length: count }, (_, k) => ({
      id: `r${sent + k}`,
      status: 200,
      latencyMs: 2,
      version: versionOf(sent + k),
      headers: {},
      startedMs: k,
    }));
    sent += count;
    clock += 1000;
    return { kind: 'meshspec.traffic', from: 'client', to: 'http://backend/', namespace: 'ns', requests, startedAt: clock, durationMs: 10 };
  };
  return { send, batches };
}

const POLICY = DEFAULT_POLICY;
const [split] = sequentialTargetsOf(TrafficExpect.parse({ toSplitTraffic: { split: { v1: 75, v2: 25 } }, toReach: true }));
const only = (target: SequentialTarget, plan: SequentialPlan) => [{ target, plan }];

describe('sequential sampling', () => {
  it('applies to splits, delays and aborts, whatever else the step expects', () => {
    expect(split).toMatchObject({ matcher: 'toSplitTraffic', expectedPercent: { v1: 75, v2: 25 }, dimension: 'version' });
    const [delay] = sequentialTargetsOf(TrafficExpect.parse({ toInjectDelay: { delay: '3s', share: 50 }, toReach: true }));
    expect(delay).toMatchObject({ matcher: 'toInjectDelay', expectedPercent: { hit: 50, miss: 50 }, dimension: 'delayed >= 3s' });
    expect([3000, 2999].map((latencyMs) => delay.categoryOf({ id: 'a', status: 200, latencyMs, headers: {}, startedMs: 0 }))).toEqual(['hit', 'miss']);
    const [abort] = sequentialTargetsOf(TrafficExpect.parse({ toAbortWith: { status: 500, share: 70 } }));
    expect(abort.expectedPercent).toEqual({ hit: 70, miss: 30 });
    const both = TrafficExpect.parse({ toSplitTraffic: { split: { v1: 50, v2: 50 } }, toAbortWith: { status: 500, share: 20 }, toSucceed: { atLeast: 70 } });
    expect(sequentialTargetsOf(both).map((target) => target.matcher)).toEqual(['toSplitTraffic', 'toAbortWith']);
    expect(sequentialTargetsOf(TrafficExpect.parse({ toMirrorTo: { mirror: 'app=m' }, toSucceed: {} }))).toEqual([]);
  });

  it('stops early on a correct split, at a look, with the batches merged in order', async () => {
    const [{ plan }] = plansFor([split], POLICY);
    const { send, batches } = sender((i) => (i % 4 === 3 ? 'v2' : 'v1'));
    const { result, summary, decidedOn } = await sendSequentially(only(split, plan), POLICY, DETERMINISTIC_REQUEST_COUNT, send);
    const n = result.requests.length;
    expect(plan.looks).toContain(n);
    expect(n).toBeLessThan(plan.maxRequests);
    expect(decidedOn).toEqual(new Map([['toSplitTraffic', n]]));
    expect(batches.reduce((a, b) => a + b, 0)).toBe(n);
    expect(result.requests.map((r) => r.id)).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
    expect(result.requests[batches[0]].startedMs).toBe(1000);
    expect(summary).toMatch(new RegExp(`^sequential sampling: toSplitTraffic stopped after ${n} requests: `));
  });

  it('stops at the first look when a version that should get nothing answers', async () => {
    const [{ plan }] = plansFor([split], POLICY);
    const { send, batches } = sender((i) => (i === 5 ? 'v3' : i % 4 === 3 ? 'v2' : 'v1'));
    const { result } = await sendSequentially(only(split, plan), POLICY, DETERMINISTIC_REQUEST_COUNT, send);
    expect(batches).toEqual([plan.looks[0]]);
    expect(result.requests.length).toBe(plan.looks[0]);
  });

  it('sends what the other expectations need once the plans have stopped', async () => {
    const [{ plan }] = plansFor([split], POLICY);
    const { send } = sender((i) => (i === 5 ? 'v3' : 'v1'));
    const { result, decidedOn, summary } = await sendSequentially(only(split, plan), POLICY, 300, send);
    expect(result.requests).toHaveLength(300);
    expect(decidedOn.get('toSplitTraffic')).toBe(plan.looks[0]);
    expect(summary).toMatch(/; sent 300 for the other expectations$/);
  });

  it('sends the full sample when the plan fails before the fixed-sample test would', async () => {
    const plan: SequentialPlan = {
      hypothesis: 'shares by version are v1 75%, v2 25%',
      looks: [40, 80, 800],
      maxRequests: 800,
      fixedRequests: 799,
      falseFailure: 1e-4,
      power: 0.99,
      expectedRequests: 300,
      decide: (counts) => ({ stop: true, pass: false, reason: `certain to fail at 800 (${JSON.stringify(counts)})` }),
    };
    const { send, batches } = sender((i) => (i % 4 === 3 ? 'v2' : 'v1'));
    const { result, summary, decidedOn } = await sendSequentially(only(split, plan), POLICY, DETERMINISTIC_REQUEST_COUNT, send);
    expect(batches).toEqual([40, 760]);
    expect(result.requests).toHaveLength(800);
    expect(decidedOn.get('toSplitTraffic')).toBe(800);
    expect(summary).toMatch(/^sequential sampling: toSplitTraffic would fail after 40 requests \(certain to fail .*\); decided on the full 800$/);
  });

  it('keeps every look at least as large as the fixed count of deterministic expectations and the requests in flight', () => {
    const all = sequentialTargetsOf(TrafficExpect.parse({ toSplitTraffic: { split: { v1: 100 } } }));
    expect(plansFor(all, POLICY)[0].plan.looks[0]).toBe(DETERMINISTIC_REQUEST_COUNT);
    expect(plansFor([split], POLICY, 16)[0].plan.looks[0]).toBe(40);
    expect(plansFor([split], POLICY, 100)[0].plan.looks.slice(0, 3)).toEqual([100, 200, 300]);
  });
});

describe('sequential sampling of several expectations', () => {
  const expect7525AndDelay = TrafficExpect.parse({ toSplitTraffic: { split: { v1: 75, v2: 25 } }, toInjectDelay: { delay: '3s', share: 50 } });
  const targets = sequentialTargetsOf(expect7525AndDelay);
  const policy = expectationPolicy(expect7525AndDelay);

  it('plans each at its half of the budget, with looks at the same counts', () => {
    expect(policy.falseFailure).toBe(DEFAULT_POLICY.falseFailure / 2);
    const planned = plansFor(targets, policy);
    for (const { plan, target } of planned) {
      expect(plan.falseFailure).toBeLessThanOrEqual(5e-5);
      expect(plan.power).toBeGreaterThanOrEqual(0.99);
      expect(plan.fixedRequests).toBe(requiredSampleSize({ kind: 'split', expectedPercent: target.expectedPercent }, policy));
    }
    // The split needs fewer requests, so its looks (a twentieth of its fixed size) set the batch.
    const batch = planned[0].plan.looks[0];
    expect(batch).toBe(Math.ceil(planned[0].plan.fixedRequests / 20));
    for (const { plan } of planned) expect(plan.looks.slice(0, -1).every((look) => look % batch === 0)).toBe(true);
    // Not the single-expectation plan, which spends the whole budget.
    expect(planned[0].plan.maxRequests).toBeGreaterThan(sequentialSplitPlan({ v1: 75, v2: 25 }).maxRequests);
  });

  it('stops only when every plan has stopped, and decides each on the requests its plan stopped at', async () => {
    const planned = plansFor(targets, policy);
    // Versions alternate 3:1 and every other request is delayed, in step with them: both shares are right.
    let index = 0;
    const { send } = sender((i) => (i % 4 === 3 ? 'v2' : 'v1'));
    const delayed = async (count: number) => {
      const result = await send(count);
      return { ...result, requests: result.requests.map((r) => ({ ...r, latencyMs: index++ % 2 === 0 ? 3000 : 2 })) };
    };
    const { result, decidedOn, summary } = await sendSequentially(planned, policy, DETERMINISTIC_REQUEST_COUNT, delayed);
    const split = decidedOn.get('toSplitTraffic')!;
    const delay = decidedOn.get('toInjectDelay')!;
    expect(result.requests.length).toBe(Math.max(split, delay));
    expect(planned[0].plan.looks).toContain(split);
    expect(planned[1].plan.looks).toContain(delay);
    expect(Math.max(split, delay)).toBeLessThan(Math.max(...planned.map(({ plan }) => plan.maxRequests)));
    expect(summary).toMatch(/^sequential sampling: .*toSplitTraffic stopped after \d+ requests: .*toInjectDelay stopped after \d+ requests: /);
  });
});
