/**
 * Sample sizes and error rates of the exact tests in verdict.ts, from exact binomial sums.
 *
 * Each assertion reduces to exact binomial tests of single shares (a split: one per category,
 * see splitComparisons). A test rejects when the count falls at or below kLow or at or above
 * kHigh, the critical values under the expected share; its false-failure probability is the
 * mass of that region under the expected share, at most the budget at every n by the choice of
 * critical values, and its power the mass under an alternative share, which is what the search
 * is about. Power of an exact test is not monotone in n (it saw-tooths as critical values jump),
 * so the smallest adequate n is found by stepping n upward from 1 rather than by bisection;
 * the critical values only ever move up by one as n grows, so each step costs a handful of
 * tail sums (a few milliseconds for n = 1000 in all). Results are memoized.
 */
import { binomialCdf, binomialSf } from './binomial.js';
import { resolvePolicy, type StatsPolicy } from './policy.js';
import { checkPercent, expectedShares, splitComparisons } from './split.js';

/** What an assertion expects, in the terms of splitTest, shareTest and minShareTest. */
export type Expectation = { kind: 'split'; expectedPercent: Record<string, number> } | { kind: 'share'; percent: number } | { kind: 'min'; percent: number };

/** Exact error rates of an assertion at a given sample size. */
interface ErrorRates {
  /** Probability of failing when the mesh is right (for a split of 3+ categories, the Bonferroni bound). */
  falseFailure: number;
  /** Smallest probability of failing over the shares off by minDetectable (for a split, of the category tested alone: a lower bound). */
  power: number;
}

/** An exact test of one share. */
export interface ShareDesign {
  /** The share when the mesh is right. */
  share: number;
  /** Largest probability allowed in the lower rejection tail. */
  lowTail: number;
  /** Largest probability allowed in the upper rejection tail; undefined for a test that only rejects low counts. */
  highTail?: number;
  /** Shares that must be caught: off by minDetectable, clipped to [0, 1]. */
  alternatives: number[];
}

export interface RejectionRegion {
  /** Largest count that rejects low (-1: none). */
  kLow: number;
  /** Smallest count that rejects high (n + 1: none). */
  kHigh: number;
}

/** Beyond this the policy asks for more requests than any test can send. */
const MAX_SAMPLE_SIZE = 1_000_000;

function shiftedShares(share: number, shifts: number[]): number[] {
  const shifted = shifts.map((shift) => Math.min(1, Math.max(0, share + shift)));
  return [...new Set(shifted)].filter((alternative) => alternative !== share);
}

export function twoSidedDesign(share: number, alpha: number, minDetectable: number): ShareDesign {
  return { share, lowTail: alpha / 2, highTail: alpha / 2, alternatives: shiftedShares(share, [-minDetectable, minDetectable]) };
}

function designs(expectation: Expectation, policy: StatsPolicy): ShareDesign[] {
  const { falseFailure, minDetectable } = policy;
  switch (expectation.kind) {
    case 'share':
      checkPercent('expected share', expectation.percent);
      return [twoSidedDesign(expectation.percent / 100, falseFailure, minDetectable)];
    case 'min': {
      checkPercent('expected share', expectation.percent);
      const share = expectation.percent / 100;
      return [{ share, lowTail: falseFailure, alternatives: shiftedShares(share, [-minDetectable]) }];
    }
    case 'split': {
      const shares = [...expectedShares(expectation.expectedPercent).values()];
      const alpha = falseFailure / splitComparisons(shares);
      return shares.map((share) => twoSidedDesign(share, alpha, minDetectable));
    }
  }
}

/** Critical values at n, moved up from those at a smaller n (they never move down as n grows). */
function advanceRegion(region: RejectionRegion, design: ShareDesign, n: number): void {
  const { share, lowTail, highTail } = design;
  while (region.kLow + 1 < n && binomialCdf(region.kLow + 1, n, share) <= lowTail) region.kLow++;
  if (highTail === undefined) region.kHigh = n + 1;
  else while (region.kHigh <= n && binomialSf(region.kHigh, n, share) > highTail) region.kHigh++;
}

/** Probability that the test at n fails when the true share is `share`. */
function rejectionProbability(region: RejectionRegion, n: number, share: number): number {
  return binomialCdf(region.kLow, n, share) + binomialSf(region.kHigh, n, share);
}

/** Critical values of the test at n. */
export function regionAt(design: ShareDesign, n: number): RejectionRegion {
  const region = { kLow: -1, kHigh: 0 };
  advanceRegion(region, design, n);
  return region;
}

function worstPower(design: ShareDesign, region: RejectionRegion, n: number): number {
  return Math.min(...design.alternatives.map((alternative) => rejectionProbability(region, n, alternative)));
}

function smallestSampleSize(design: ShareDesign, power: number): number {
  if (design.alternatives.length === 0) return 1;
  const region = { kLow: -1, kHigh: 0 };
  for (let n = 1; n <= MAX_SAMPLE_SIZE; n++) {
    advanceRegion(region, design, n);
    if (worstPower(design, region, n) >= power) return n;
  }
  throw new RangeError(`stats policy needs more than ${MAX_SAMPLE_SIZE} requests for share ${design.share}`);
}

const sampleSizes = new Map<string, number>();

function memoizedSampleSize(design: ShareDesign, power: number): number {
  const key = JSON.stringify([design, power]);
  let n = sampleSizes.get(key);
  if (n === undefined) {
    n = smallestSampleSize(design, power);
    sampleSizes.set(key, n);
  }
  return n;
}

/**
 * Smallest sample size at which the exact test's false-failure probability is at most the
 * policy's and its power is at least the policy's against every share off by minDetectable
 * (clipped to [0, 1]). At least 1, also when nothing can be off (a minimum of 0%). Because of
 * the saw-tooth, a few sizes just above it can fall short of the power target by a few
 * thousandths (75/25: 799 meets 0.99, 800 gives 0.9886): send exactly this many.
 */
export function requiredSampleSize(expectation: Expectation, policy?: Partial<StatsPolicy>): number {
  const resolved = resolvePolicy(policy);
  return Math.max(...designs(expectation, resolved).map((design) => memoizedSampleSize(design, resolved.power)));
}

/**
 * Exact error rates of the assertion with n observations, e.g. to tell a user who fixed the
 * request count how likely a wrong mesh is to slip through.
 */
export function errorRates(expectation: Expectation, n: number, policy?: Partial<StatsPolicy>): ErrorRates {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`errorRates: n must be a positive integer, got ${n}`);
  const tests = designs(expectation, resolvePolicy(policy));
  const falseFailures: number[] = [];
  let power = 1;
  for (const design of tests) {
    const region = regionAt(design, n);
    falseFailures.push(rejectionProbability(region, n, design.share));
    if (design.alternatives.length > 0) power = Math.min(power, worstPower(design, region, n));
  }
  // Tests that are one and the same (see splitComparisons) fail together; otherwise the union bound.
  const falseFailure =
    splitComparisons(tests.map((design) => design.share)) === 1 ? Math.max(...falseFailures) : falseFailures.reduce((sum, rate) => sum + rate, 0);
  return { falseFailure, power };
}
