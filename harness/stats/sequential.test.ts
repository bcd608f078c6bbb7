import { describe, expect, it } from 'vitest';
import { logGamma } from './binomial.js';
import type { StatsPolicy } from './policy.js';
import { requiredSampleSize } from './sample-size.js';
import { sequentialSplitPlan, type SequentialPlan } from './sequential.js';

const pmf = (k: number, n: number, p: number): number =>
  p === 0 || p === 1 ? Number(k === n * p) : Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));

/**
 * Exact failure probability and expected requests of a two-way plan when the first category's
 * share is `share`, by carrying the count's distribution from look to look and asking the
 * plan's own decide() about every reachable count: independent of the plan's dynamic programme.
 */
function runPlan(plan: SequentialPlan, [first, second]: [string, string], share: number): { fail: number; expectedRequests: number } {
  let mass = new Map<number, number>([[0, 1]]);
  let fail = 0;
  let expectedRequests = 0;
  let previous = 0;
  for (const look of plan.looks) {
    const batch = look - previous;
    const next = new Map<number, number>();
    for (const [count, p] of mass) {
      for (let k = 0; k <= batch; k++) next.set(count + k, (next.get(count + k) ?? 0) + p * pmf(k, batch, share));
    }
    mass = new Map();
    for (const [count, p] of next) {
      const decision = plan.decide({ [first]: count, [second]: look - count });
      if (!decision.stop) mass.set(count, p);
      else {
        // An early pass never contradicts splitTest on the requests so far.
        if (decision.pass) expect(decision.verdict?.pValue).toBeGreaterThan(1e-4);
        expectedRequests += look * p;
        if (!decision.pass) fail += p;
      }
    }
    previous = look;
  }
  expect(mass.size).toBe(0); // the last look always decides
  return { fail, expectedRequests };
}

describe('sequentialSplitPlan', () => {
  it('meets the policy on a 75/25 split with about a third of the fixed-sample requests', () => {
    const plan = sequentialSplitPlan({ v1: 75, v2: 25 }, undefined, { dimension: 'version' });
    expect(plan.hypothesis).toBe('shares by version are v1 75%, v2 25%');
    expect(plan.fixedRequests).toBe(requiredSampleSize({ kind: 'split', expectedPercent: { v1: 75, v2: 25 } }));
    expect(plan.looks.at(-1)).toBe(plan.maxRequests);
    expect(plan.falseFailure).toBeLessThanOrEqual(1e-4);
    expect(plan.power).toBeGreaterThanOrEqual(0.99);
    expect(plan.expectedRequests).toBeLessThan(plan.fixedRequests * 0.4);

    const right = runPlan(plan, ['v1', 'v2'], 0.75);
    expect(right.fail).toBeCloseTo(plan.falseFailure, 12);
    expect(right.expectedRequests).toBeCloseTo(plan.expectedRequests, 6);
    const wrong = [0.65, 0.85].map((share) => runPlan(plan, ['v1', 'v2'], share).fail);
    expect(Math.min(...wrong)).toBeCloseTo(plan.power, 12);
    // Weights ignored, everything to v1: caught within three looks.
    const ignored = runPlan(plan, ['v1', 'v2'], 1);
    expect(ignored.fail).toBeCloseTo(1, 12);
    expect(ignored.expectedRequests).toBeCloseTo(plan.looks[1], 9);
  });

  it('meets a coarse policy on a three-way split, checked jointly by brute force', () => {
    const policy: StatsPolicy = { falseFailure: 0.01, power: 0.9, minDetectable: 0.2 };
    const plan = sequentialSplitPlan({ a: 50, b: 30, c: 20 }, policy);
    /** Exact joint failure probability over the multinomial counts (a, b; c is the rest), via decide(). */
    const failure = ([pa, pb, pc]: readonly [number, number, number]): number => {
      const size = plan.maxRequests + 1;
      let mass = new Float64Array(size * size);
      mass[0] = 1;
      let fail = 0;
      let previous = 0;
      for (const look of plan.looks) {
        for (let step = previous; step < look; step++) {
          const next = new Float64Array(size * size);
          for (let a = 0; a <= step; a++) {
            for (let b = 0; a + b <= step; b++) {
              const p = mass[a * size + b];
              if (p === 0) continue;
              next[(a + 1) * size + b] += p * pa;
              next[a * size + b + 1] += p * pb;
              next[a * size + b] += p * pc;
            }
          }
          mass = next;
        }
        for (let a = 0; a <= look; a++) {
          for (let b = 0; a + b <= look; b++) {
            const p = mass[a * size + b];
            if (p === 0) continue;
            const decision = plan.decide({ a, b, c: look - a - b });
            if (decision.stop) {
              mass[a * size + b] = 0;
              if (!decision.pass) fail += p;
            }
          }
        }
        previous = look;
      }
      return fail;
    };
    expect(failure([0.5, 0.3, 0.2])).toBeLessThanOrEqual(plan.falseFailure);
    expect(plan.falseFailure).toBeLessThanOrEqual(policy.falseFailure);
    for (const wrong of [
      [0.3, 0.4, 0.3],
      [0.7, 0.2, 0.1],
      [0.5, 0.1, 0.4],
    ] as const) {
      expect(failure(wrong)).toBeGreaterThanOrEqual(plan.power);
    }
    expect(plan.power).toBeGreaterThanOrEqual(policy.power);
  });

  it('fails at once on a category expected at 0%, and when the final test is certain to fail', () => {
    const plan = sequentialSplitPlan({ v1: 75, v2: 25 });
    const [first] = plan.looks;
    expect(plan.decide({ v1: first - 1, v2: 0, v3: 1 })).toMatchObject({ stop: true, pass: false, reason: `v3 got 1 of ${first} requests, expected none` });
    const look = plan.looks[7];
    const certain = plan.decide({ v1: 0, v2: look });
    expect(certain).toMatchObject({ stop: true, pass: false });
    expect(certain.reason).toBe(
      `v1 got 0 of ${look} requests, expected 75%: the test at ${plan.maxRequests} fails whatever the remaining ${plan.maxRequests - look} do`,
    );
  });

  it('fails early when a share is far off, at a level that leaves the policy intact', () => {
    const plan = sequentialSplitPlan({ v1: 75, v2: 25 });
    const look = plan.looks[1];
    const decision = plan.decide({ v1: look, v2: 0 });
    expect(decision).toMatchObject({ stop: true, pass: false, verdict: { pass: false, n: look, detail: decision.reason } });
    expect(decision.verdict?.shares.map((share) => share.count)).toEqual([look, 0]);
    expect(decision.reason).toMatch(new RegExp(`^v1 got ${look} of ${look} requests, expected 75% \\(p = [0-9.e-]+ <= [0-9.e-]+, the early-fail level\\)$`));
  });

  it('continues while undecided and lets splitTest decide at the last look', () => {
    const plan = sequentialSplitPlan({ v1: 75, v2: 25 });
    expect(plan.decide({ v1: plan.looks[0], v2: 0 })).toEqual({
      stop: false,
      pass: false,
      reason: `undecided after ${plan.looks[0]} of up to ${plan.maxRequests} requests`,
    });
    const n = plan.maxRequests;
    const last = plan.decide({ v1: Math.round(n * 0.75), v2: n - Math.round(n * 0.75) });
    expect(last).toMatchObject({ stop: true, pass: true, verdict: { pass: true, n, hypothesis: 'shares are v1 75%, v2 25%' } });
    expect(last.reason).toMatch(/^all 2 shares within their 99\.99% intervals/);
  });

  it('refuses to decide off the planned looks', () => {
    const plan = sequentialSplitPlan({ v1: 75, v2: 25 });
    expect(() => plan.decide({ v1: plan.looks[0] + 1, v2: 0 })).toThrow(/not a planned look/);
    expect(() => sequentialSplitPlan({ v1: 75, v2: 25 }, undefined, { batch: 0 })).toThrow(/batch/);
  });
});
