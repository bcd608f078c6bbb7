import { describe, expect, it } from 'vitest';
import { binomialCdf, binomialSf, clopperPearson, logGamma } from './binomial.js';

/** num/den as a double, also when both are far too large for Number and the quotient is tiny. */
function ratio(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const shift = num.toString(2).length - den.toString(2).length - 60;
  const quotient = shift >= 0 ? num / (den << BigInt(shift)) : (num << BigInt(-shift)) / den;
  return Number(quotient) * 2 ** shift;
}

/** P(lo <= X <= hi) for X ~ Binomial(n, a/b), as an exact rational sum. */
function exactRange(lo: number, hi: number, n: number, a: number, b: number): number {
  let choose = 1n;
  let num = 0n;
  for (let i = 0; i <= Math.min(hi, n); i++) {
    if (i > 0) choose = (choose * BigInt(n - i + 1)) / BigInt(i);
    if (i >= lo) num += choose * BigInt(a) ** BigInt(i) * BigInt(b - a) ** BigInt(n - i);
  }
  return ratio(num, BigInt(b) ** BigInt(n));
}

const relativeError = (actual: number, exact: number): number => Math.abs(actual - exact) / exact;

describe('logGamma', () => {
  it('matches log factorials and Γ(1/2) = √π', () => {
    let logFactorial = 0;
    for (let n = 2; n <= 200; n++) {
      logFactorial += Math.log(n);
      expect(relativeError(logGamma(n + 1), logFactorial)).toBeLessThan(1e-13);
    }
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
  });
});

describe('binomialCdf and binomialSf', () => {
  it('equal exact rational sums, in the bulk and far in the tails', () => {
    const cases: Array<[k: number, n: number, a: number, b: number]> = [
      [64, 100, 3, 4],
      [85, 100, 3, 4],
      [74, 100, 3, 4],
      [10, 100, 3, 4],
      [400, 1000, 1, 2],
      [499, 1000, 1, 2],
      [100, 1000, 1, 2],
      [5, 1000, 1, 10],
      [170, 1000, 1, 10],
      [1, 7, 1, 3],
    ];
    for (const [k, n, a, b] of cases) {
      expect(relativeError(binomialCdf(k, n, a / b), exactRange(0, k, n, a, b)), `cdf(${k}, ${n}, ${a}/${b})`).toBeLessThan(1e-11);
      expect(relativeError(binomialSf(k, n, a / b), exactRange(k, n, n, a, b)), `sf(${k}, ${n}, ${a}/${b})`).toBeLessThan(1e-11);
    }
  });

  it("reproduces the error rates of Istio's ±10-of-100 rule", () => {
    const passes = (p: number): number => binomialCdf(85, 100, p) - binomialCdf(64, 100, p);
    expect(1 - passes(0.75)).toBeCloseTo(0.0148, 4); // correct 75/25 fails 1.5% of the time
    expect(passes(0.65)).toBeCloseTo(0.5458, 4); // 65/35 misroute passes 55% of the time
    expect(1 - (binomialCdf(60, 100, 0.5) - binomialCdf(39, 100, 0.5))).toBeCloseTo(0.0352, 4); // 50/50 fails 3.5%
  });

  it('are complementary: P(X <= k) + P(X >= k+1) = 1', () => {
    for (const p of [0.01, 0.3, 0.5, 0.97]) {
      for (let k = -1; k <= 300; k += 7) expect(binomialCdf(k, 300, p) + binomialSf(k + 1, 300, p)).toBeCloseTo(1, 12);
    }
  });

  it('handle degenerate shares and out-of-range counts', () => {
    expect(binomialCdf(0, 10, 0)).toBe(1);
    expect(binomialSf(1, 10, 0)).toBe(0);
    expect(binomialCdf(9, 10, 1)).toBe(0);
    expect(binomialSf(10, 10, 1)).toBe(1);
    expect(binomialCdf(-1, 10, 0.5)).toBe(0);
    expect(binomialCdf(10, 10, 0.5)).toBe(1);
    expect(binomialSf(0, 10, 0.5)).toBe(1);
    expect(binomialSf(11, 10, 0.5)).toBe(0);
    expect(binomialCdf(0, 10, 0.5)).toBe(2 ** -10);
    expect(() => binomialCdf(1, 10, 1.5)).toThrow(RangeError);
    expect(() => binomialSf(1, 2.5, 0.5)).toThrow(RangeError);
  });
});

describe('clopperPearson', () => {
  it('matches closed forms at k = 0 and k = n', () => {
    expect(clopperPearson(0, 10, 0.95)).toEqual([0, expect.closeTo(1 - 0.025 ** (1 / 10), 14)]);
    expect(clopperPearson(10, 10, 0.95)).toEqual([expect.closeTo(0.025 ** (1 / 10), 14), 1]);
  });

  it("matches R's binom.test(7, 20)", () => {
    const [lower, upper] = clopperPearson(7, 20, 0.95);
    expect(lower).toBeCloseTo(0.1539092, 7);
    expect(upper).toBeCloseTo(0.5921885, 7);
  });

  it('leaves (1 - confidence)/2 in each tail', () => {
    const [lower, upper] = clopperPearson(200, 800, 0.9999);
    expect(relativeError(binomialSf(200, 800, lower), 5e-5)).toBeLessThan(1e-9);
    expect(relativeError(binomialCdf(200, 800, upper), 5e-5)).toBeLessThan(1e-9);
  });

  it('rejects impossible counts', () => {
    expect(() => clopperPearson(11, 10, 0.95)).toThrow(RangeError);
    expect(() => clopperPearson(1, 10, 1)).toThrow(RangeError);
  });
});
