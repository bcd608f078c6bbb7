import { describe, expect, it } from 'vitest';
import { logGamma } from './binomial.js';
import type { StatsPolicy } from './policy.js';
import { errorRates, requiredSampleSize } from './sample-size.js';
import { minShareTest, shareTest, splitTest, type Verdict } from './verdict.js';

/** P(X = k), computed term by term, independently of the tail sums under test. */
const pmf = (k: number, n: number, p: number): number =>
  p === 0 || p === 1 ? Number(k === n * p) : Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));

/** Probability that an assertion on a count X ~ Binomial(n, p) fails, by asking the verdict for every count. */
function failureProbability(n: number, p: number, verdictFor: (k: number, n: number) => Verdict): number {
  let failing = 0;
  for (let k = 0; k <= n; k++) if (!verdictFor(k, n).pass) failing += pmf(k, n, p);
  return failing;
}

function expectTargetsMet(n: number, expected: number, alternatives: number[], verdictFor: (k: number, n: number) => Verdict, policy: StatsPolicy): void {
  expect(failureProbability(n, expected, verdictFor)).toBeLessThanOrEqual(policy.falseFailure);
  for (const alternative of alternatives) expect(failureProbability(n, alternative, verdictFor)).toBeGreaterThanOrEqual(policy.power);
}

const DEFAULTS: StatsPolicy = { falseFailure: 1e-4, power: 0.99, minDetectable: 0.1 };
const split7525 = (v2: number, n: number): Verdict => splitTest({ v1: n - v2, v2 }, { v1: 75, v2: 25 });

describe('requiredSampleSize', () => {
  it('gives the smallest n at which the exact 75/25 split test meets both targets', () => {
    const n = requiredSampleSize({ kind: 'split', expectedPercent: { v1: 75, v2: 25 } });
    expect(n).toBe(799);
    expectTargetsMet(n, 0.25, [0.15, 0.35], split7525, DEFAULTS);
    expect(Math.min(failureProbability(n - 1, 0.15, split7525), failureProbability(n - 1, 0.35, split7525))).toBeLessThan(0.99);
  });

  it('knows the sizes of the benchmark cases', () => {
    expect(requiredSampleSize({ kind: 'split', expectedPercent: { v1: 90, v2: 10 } })).toBe(472);
    expect(requiredSampleSize({ kind: 'split', expectedPercent: { v1: 50, v2: 50 } })).toBe(960);
    expect(requiredSampleSize({ kind: 'share', percent: 50 })).toBe(960);
    expect(requiredSampleSize({ kind: 'share', percent: 30 })).toBe(870);
    expect(requiredSampleSize({ kind: 'share', percent: 70 })).toBe(870);
  });

  it('matches a brute-force search over every smaller n for a coarse policy', () => {
    const policy: StatsPolicy = { falseFailure: 0.01, power: 0.9, minDetectable: 0.2 };
    const verdictFor = (k: number, n: number): Verdict => shareTest(k, n, 50, 'x', policy);
    const n = requiredSampleSize({ kind: 'share', percent: 50 }, policy);
    expect(n).toBe(92);
    expectTargetsMet(n, 0.5, [0.3, 0.7], verdictFor, policy);
    for (let smaller = 1; smaller < n; smaller++) expect(failureProbability(smaller, 0.3, verdictFor)).toBeLessThan(policy.power);
  });

  it('sizes a minimum-share test against the one alternative below it', () => {
    const n = requiredSampleSize({ kind: 'min', percent: 90 });
    expect(n).toBe(444);
    const verdictFor = (k: number, size: number): Verdict => minShareTest(k, size, 90, 'success');
    expectTargetsMet(n, 0.9, [0.8], verdictFor, DEFAULTS);
    expect(failureProbability(n - 1, 0.8, verdictFor)).toBeLessThan(0.99);
  });

  it('needs only enough requests to see one contrary observation at 0% and 100%', () => {
    // 1 - 0.9^44 = 0.9903 >= 0.99 > 1 - 0.9^43
    expect(requiredSampleSize({ kind: 'split', expectedPercent: { v1: 100, v2: 0 } })).toBe(44);
    expect(requiredSampleSize({ kind: 'share', percent: 0 })).toBe(44);
    expect(requiredSampleSize({ kind: 'min', percent: 100 })).toBe(44);
    expect(requiredSampleSize({ kind: 'min', percent: 0 })).toBe(1);
  });

  it('clips alternatives to [0, 1]: 95% must be told from 100% and 85%', () => {
    const n = requiredSampleSize({ kind: 'share', percent: 95 });
    expect(n).toBe(311);
    expectTargetsMet(n, 0.95, [0.85, 1], (k, size) => shareTest(k, size, 95, 'x'), DEFAULTS);
  });

  it('splits the budget over three uncertain categories, which costs requests', () => {
    const split = { kind: 'split', expectedPercent: { a: 50, b: 30, c: 20 } } as const;
    const n = requiredSampleSize(split);
    expect(n).toBe(1039);
    expect(n).toBeGreaterThan(requiredSampleSize({ kind: 'share', percent: 50 }));
    expect(errorRates(split, n).power).toBeGreaterThanOrEqual(0.99);
    expect(errorRates(split, n - 1).power).toBeLessThan(0.99);
  });

  it('sizes a fine policy', () => {
    expect(requiredSampleSize({ kind: 'share', percent: 50 }, { minDetectable: 0.02 })).toBe(24160);
  });

  it('rejects policies no test can meet', () => {
    expect(() => requiredSampleSize({ kind: 'share', percent: 50 }, { minDetectable: 0.001 })).toThrow(/minDetectable/);
    expect(() => requiredSampleSize({ kind: 'share', percent: 50 }, { power: 1 })).toThrow(/power/);
    expect(() => requiredSampleSize({ kind: 'min', percent: -5 })).toThrow(RangeError);
  });
});

describe('errorRates', () => {
  it('equals the exact rates of the verdicts themselves', () => {
    const rates = errorRates({ kind: 'split', expectedPercent: { v1: 75, v2: 25 } }, 799);
    expect(rates.falseFailure).toBeCloseTo(failureProbability(799, 0.25, split7525), 12);
    expect(rates.power).toBeCloseTo(Math.min(failureProbability(799, 0.15, split7525), failureProbability(799, 0.35, split7525)), 12);
  });

  it("shows how weak Istio's 100 requests are under the same exact test", () => {
    const rates = errorRates({ kind: 'split', expectedPercent: { v1: 75, v2: 25 } }, 100);
    expect(rates.falseFailure).toBeLessThanOrEqual(1e-4);
    expect(rates.power).toBeLessThan(0.2);
  });

  it('bounds a three-way split by the sum over its categories', () => {
    const split = { kind: 'split', expectedPercent: { a: 50, b: 30, c: 20 } } as const;
    const perCategory = [0.5, 0.3, 0.2].map((share) => errorRates({ kind: 'share', percent: share * 100 }, 1039, { falseFailure: 1e-4 / 3 }));
    expect(errorRates(split, 1039).falseFailure).toBeCloseTo(
      perCategory.reduce((sum, rates) => sum + rates.falseFailure, 0),
      15,
    );
    expect(errorRates(split, 1039).falseFailure).toBeLessThanOrEqual(1e-4);
  });
});
