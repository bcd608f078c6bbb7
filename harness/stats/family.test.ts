import { describe, expect, it } from 'vitest';
import { canFailByChance, familyPolicy } from './family.js';
import { DEFAULT_POLICY } from './policy.js';
import { errorRates, requiredSampleSize, type Expectation } from './sample-size.js';

const split7525: Expectation = { kind: 'split', expectedPercent: { v1: 75, v2: 25 } };
const delay50: Expectation = { kind: 'share', percent: 50 };

describe('canFailByChance', () => {
  it('is false only where a failure needs an observation impossible under the expected shares', () => {
    expect(canFailByChance(split7525)).toBe(true);
    expect(canFailByChance({ kind: 'split', expectedPercent: { v1: 100, v2: 0 } })).toBe(false);
    expect(canFailByChance(delay50)).toBe(true);
    expect(canFailByChance({ kind: 'share', percent: 0 })).toBe(false);
    expect(canFailByChance({ kind: 'min', percent: 100 })).toBe(false);
    expect(canFailByChance({ kind: 'min', percent: 98 })).toBe(true);
  });
});

describe('familyPolicy', () => {
  it('splits the false-failure budget evenly over the assertions that can fail by chance (Bonferroni)', () => {
    expect(familyPolicy([split7525, delay50])).toEqual({ ...DEFAULT_POLICY, falseFailure: 5e-5 });
    expect(familyPolicy([split7525, delay50, { kind: 'min', percent: 90 }], { falseFailure: 0.03 }).falseFailure).toBeCloseTo(0.01, 15);
    expect(familyPolicy([delay50, { kind: 'min', percent: 100 }, { kind: 'split', expectedPercent: { v1: 100 } }])).toEqual(DEFAULT_POLICY);
    expect(familyPolicy([])).toEqual(DEFAULT_POLICY);
  });

  it('keeps the family within the budget with each assertion at the policy power, which needs more requests', () => {
    const policy = familyPolicy([split7525, delay50]);
    const sizes = [split7525, delay50].map((expectation) => requiredSampleSize(expectation, policy));
    // At the whole budget each: 799 and 960.
    expect(sizes).toEqual([845, 1010]);
    const rates = [split7525, delay50].map((expectation, i) => errorRates(expectation, sizes[i], policy));
    expect(rates[0].falseFailure + rates[1].falseFailure).toBeLessThanOrEqual(DEFAULT_POLICY.falseFailure);
    for (const { power } of rates) expect(power).toBeGreaterThanOrEqual(DEFAULT_POLICY.power);
    // At the sizes of the whole budget, half of it costs power: 960 requests no longer catch a 10-point error in a 50% share 99% of the time.
    expect(errorRates(delay50, 960, policy).power).toBeLessThan(DEFAULT_POLICY.power);
  });

  it('rejects a bad policy', () => {
    expect(() => familyPolicy([delay50], { falseFailure: 0 })).toThrow(/falseFailure/);
  });
});
