import { describe, expect, it } from 'vitest';
import { binomialCdf, binomialSf } from './binomial.js';
import { minShareTest, shareTest, splitTest, type Verdict } from './verdict.js';

const twoSided = (k: number, n: number, p: number): number => Math.min(1, 2 * Math.min(binomialCdf(k, n, p), binomialSf(k, n, p)));
const expectRelativelyClose = (actual: number, exact: number): void => {
  expect(Math.abs(actual - exact)).toBeLessThanOrEqual(1e-12 * exact);
};
const insideIntervals = (verdict: Verdict): boolean => verdict.shares.every(({ expected, interval: [low, high] }) => low <= expected && expected <= high);

describe('splitTest', () => {
  it('states the hypothesis and passes an exact 75/25 split', () => {
    const verdict = splitTest({ v1: 600, v2: 200 }, { v1: 75, v2: 25 }, undefined, 'version');
    expect(verdict).toMatchObject({ pass: true, hypothesis: 'shares by version are v1 75%, v2 25%', n: 800, pValue: 1 });
    expect(verdict.shares.map(({ key, count, observed, expected }) => [key, count, observed, expected])).toEqual([
      ['v1', 600, 0.75, 0.75],
      ['v2', 200, 0.25, 0.25],
    ]);
    expect(verdict.detail).toBe('all 2 shares within their 99.99% intervals over 800 requests (smallest adjusted p = 1 > 0.0001)');
  });

  it('fails 75/25 at n = 800 exactly where the equal-tailed exact test rejects, and nowhere else', () => {
    const failing: number[] = [];
    for (let v2 = 0; v2 <= 800; v2++) {
      const verdict = splitTest({ v1: 800 - v2, v2 }, { v1: 75, v2: 25 });
      // Two categories are one test: no Bonferroni split of the 1e-4 budget.
      expectRelativelyClose(verdict.pValue, twoSided(v2, 800, 0.25));
      expect(verdict.pass).toBe(twoSided(v2, 800, 0.25) > 1e-4);
      expect(verdict.pass).toBe(insideIntervals(verdict));
      if (!verdict.pass) failing.push(v2);
    }
    // Critical counts of v2: at most 153 (19.1%) or at least 250 (31.3%) of 800.
    expect(failing.filter((v2) => v2 < 200).at(-1)).toBe(153);
    expect(failing.find((v2) => v2 > 200)).toBe(250);
    expect(failing.length).toBe(154 + 551);
  });

  it('explains a misroute', () => {
    const verdict = splitTest({ v1: 520, v2: 280 }, { v1: 75, v2: 25 }, undefined, 'version');
    expect(verdict.pass).toBe(false);
    expectRelativelyClose(verdict.pValue, twoSided(520, 800, 0.75));
    expect(verdict.detail).toMatch(/^v1 is 65% of 800 \[58\.2\d%, 71\.\d+%\], expected 75% \(adjusted p = 3\.8e-10 <= 0\.0001\); also off: v2$/);
  });

  it('splits the budget over three or more uncertain categories (Bonferroni)', () => {
    const verdict = splitTest({ a: 300, b: 300, c: 400 }, { a: 33.33, b: 33.33, c: 33.34 });
    expectRelativelyClose(verdict.pValue, 3 * twoSided(400, 1000, 0.3334));
    expect(verdict.pass).toBe(false);
    expect(verdict.detail).toContain('c is 40% of 1000');
    // Each interval is at 1 - 1e-4/3, so the verdict still agrees with the intervals.
    expect(insideIntervals(verdict)).toBe(false);
    expect(insideIntervals(splitTest({ a: 330, b: 330, c: 340 }, { a: 33.33, b: 33.33, c: 33.34 }))).toBe(true);
  });

  it('fails on any request to a category expected at 0%, observed or declared', () => {
    const unexpected = splitTest({ v1: 799, v3: 1 }, { v1: 100 });
    expect(unexpected).toMatchObject({ pass: false, pValue: 0, detail: 'v1 got 799 of 800 requests, expected all; also off: v3' });
    expect(unexpected.shares.map((share) => share.key)).toEqual(['v1', 'v3']);
    expect(splitTest({ v1: 600, v2: 199, v3: 1 }, { v1: 75, v2: 25 }).detail).toBe('v3 got 1 of 800 requests, expected none');
    expect(splitTest({ v1: 44 }, { v1: 100, v2: 0 })).toMatchObject({ pass: true, pValue: 1 });
    expect(splitTest({ v1: 44, v2: 1 }, { v1: 100, v2: 0 }).pass).toBe(false);
    // A 0% category takes no share of the budget: 75/25/0 is still a single test.
    expectRelativelyClose(splitTest({ v1: 800 - 250, v2: 250 }, { v1: 75, v2: 25, v3: 0 }).pValue, twoSided(250, 800, 0.25));
  });

  it('honours a looser policy', () => {
    expect(splitTest({ v1: 640, v2: 160 }, { v1: 75, v2: 25 }).pass).toBe(true);
    expect(splitTest({ v1: 640, v2: 160 }, { v1: 75, v2: 25 }, { falseFailure: 0.05 }).pass).toBe(false);
  });

  it('rejects malformed input', () => {
    expect(() => splitTest({ v1: 1 }, { v1: 75, v2: 20 })).toThrow(/sum to 100/);
    expect(() => splitTest({ v1: 1 }, { v1: 110, v2: -10 })).toThrow(RangeError);
    expect(() => splitTest({ v1: -1, v2: 3 }, { v1: 50, v2: 50 })).toThrow(/count of v1/);
    expect(() => splitTest({ v1: 0 }, { v1: 50, v2: 50 })).toThrow(/no observations/);
    expect(() => splitTest({ v1: 1 }, {})).toThrow(/no expected/);
    expect(() => splitTest({ v1: 1 }, { v1: 100 }, { falseFailure: 0 })).toThrow(/falseFailure/);
  });
});

describe('shareTest', () => {
  it('is two-sided around the expected share', () => {
    const failing: number[] = [];
    for (let hits = 0; hits <= 960; hits++) {
      const verdict = shareTest(hits, 960, 50, 'delayed');
      expect(verdict.pass).toBe(twoSided(hits, 960, 0.5) > 1e-4);
      expect(verdict.pass).toBe(insideIntervals(verdict));
      if (!verdict.pass) failing.push(hits);
    }
    expect(failing.filter((hits) => hits < 480).at(-1)).toBe(419);
    expect(failing.find((hits) => hits > 480)).toBe(541);
  });

  it('states hypothesis and detail', () => {
    expect(shareTest(400, 800, 50, 'delayed')).toMatchObject({
      pass: true,
      hypothesis: 'share of delayed is 50%',
      detail: 'delayed is 50% of 800 [43.1%, 56.9%], consistent with 50% (p = 1 > 0.0001)',
    });
    expect(shareTest(300, 800, 50, 'delayed').detail).toMatch(/^delayed is 37\.5% of 800 \[.*\], expected 50% \(p = .* <= 0\.0001\)$/);
  });

  it('decides 0% and 100% on any contrary observation', () => {
    expect(shareTest(0, 44, 0, 'aborted').pass).toBe(true);
    expect(shareTest(1, 44, 0, 'aborted').pass).toBe(false);
    expect(shareTest(44, 44, 100, 'ok').pass).toBe(true);
    expect(shareTest(43, 44, 100, 'ok').pass).toBe(false);
  });

  it('rejects malformed input', () => {
    expect(() => shareTest(5, 4, 50, 'x')).toThrow(/at most 4/);
    expect(() => shareTest(0, 0, 50, 'x')).toThrow(/no observations/);
    expect(() => shareTest(1, 4, 101, 'x')).toThrow(RangeError);
  });
});

describe('minShareTest', () => {
  it('fails only when the data show the share is below the minimum', () => {
    const failing: number[] = [];
    for (let hits = 0; hits <= 100; hits++) {
      const verdict = minShareTest(hits, 100, 90, 'success');
      expectRelativelyClose(verdict.pValue, binomialCdf(hits, 100, 0.9));
      expect(verdict.pass).toBe(binomialCdf(hits, 100, 0.9) > 1e-4);
      expect(verdict.pass).toBe(insideIntervals(verdict));
      expect(verdict.shares[0].interval[0]).toBe(0);
      if (!verdict.pass) failing.push(hits);
    }
    expect(failing).toEqual(Array.from({ length: 77 }, (_, hits) => hits)); // 76 of 100 or fewer
  });

  it('states hypothesis and detail', () => {
    expect(minShareTest(790, 800, 99, 'success')).toMatchObject({
      pass: true,
      hypothesis: 'share of success is at least 99%',
      detail: 'success is 98.75% of 800 (at most 99.72%), consistent with at least 99% (p = 0.28 > 0.0001)',
    });
  });

  it('requires every request at a 100% minimum, and nothing at 0%', () => {
    expect(minShareTest(44, 44, 100, 'success').pass).toBe(true);
    expect(minShareTest(43, 44, 100, 'success').pass).toBe(false);
    expect(minShareTest(0, 44, 0, 'success').pass).toBe(true);
  });
});
