/**
 * Share-based assertions decided by exact binomial tests.
 *
 * Two-sided tests are equal-tailed: the p-value is twice the smaller exact tail. Their
 * rejection region is exactly the set of counts whose Clopper-Pearson interval (at
 * 1 - alpha) excludes the expected share, so a verdict always agrees with the interval a
 * report draws: it passes if and only if every expected share lies inside its interval.
 */
import { binomialCdf, clopperPearson, equalTailedPValue } from './binomial.js';
import { percent, probability } from '../contract/format.js';
import { resolvePolicy, type StatsPolicy } from './policy.js';
import { checkPercent, expectedShares, splitComparisons, splitHypothesis } from './split.js';

export interface ShareEstimate {
  key: string;
  count: number;
  /** Observed share, 0..1. */
  observed: number;
  /** Expected share (for a minimum-share test: the minimum), 0..1. */
  expected: number;
  /**
   * Clopper-Pearson interval at the level the verdict was decided at (1 - falseFailure, split
   * over the categories of a split); for a minimum-share test the one-sided [0, upper].
   */
  interval: [number, number];
}

export interface Verdict {
  pass: boolean;
  /** What was tested, e.g. "shares by version are v1 75%, v2 25%". */
  hypothesis: string;
  n: number;
  /** One per category for a split, one for a share test. */
  shares: ShareEstimate[];
  /** Smallest (Bonferroni-adjusted) p-value; the verdict fails when it is <= falseFailure. */
  pValue: number;
  /** One-line summary of why it passed or failed. */
  detail: string;
}

function checkCount(what: string, count: number, n?: number): void {
  if (!Number.isInteger(count) || count < 0 || (n !== undefined && count > n)) {
    throw new RangeError(`${what} must be a non-negative integer${n === undefined ? '' : ` at most ${n}`}, got ${count}`);
  }
}

const percentRange = ([low, high]: [number, number]): string => `[${percent(low)}, ${percent(high)}]`;
/** Confidence levels such as 0.99995 need all their nines. */
const confidenceLevel = (c: number): string => `${+(c * 100).toPrecision(Math.max(3, 2 - Math.floor(Math.log10(1 - c))))}%`;

/**
 * Multinomial split: counts per category vs expected percentages (sum 100). Categories
 * observed but not expected count as expected 0. `dimension` names what the categories are
 * (e.g. "version") in the hypothesis.
 */
export function splitTest(counts: Record<string, number>, expectedPercent: Record<string, number>, policy?: Partial<StatsPolicy>, dimension?: string): Verdict {
  const { falseFailure } = resolvePolicy(policy);
  const expected = expectedShares(expectedPercent);
  for (const [key, count] of Object.entries(counts)) checkCount(`count of ${key}`, count);
  const keys = [...expected.keys(), ...Object.keys(counts).filter((key) => !expected.has(key))];
  const n = keys.reduce((sum, key) => sum + (counts[key] ?? 0), 0);
  if (n === 0) throw new RangeError('splitTest: no observations');

  const comparisons = splitComparisons(expected.values());
  const confidence = 1 - falseFailure / comparisons;
  const rows = keys.map((key) => {
    const count = counts[key] ?? 0;
    const share = expected.get(key) ?? 0;
    const estimate: ShareEstimate = { key, count, observed: count / n, expected: share, interval: clopperPearson(count, n, confidence) };
    return { estimate, pValue: Math.min(1, comparisons * equalTailedPValue(count, n, share)) };
  });

  const hypothesis = splitHypothesis(expected, dimension);
  const pValue = Math.min(...rows.map((row) => row.pValue));
  const failed = rows.filter((row) => row.pValue <= falseFailure).sort((a, b) => a.pValue - b.pValue);
  let detail: string;
  if (failed.length === 0) {
    detail = `all ${rows.length} shares within their ${confidenceLevel(confidence)} intervals over ${n} requests (smallest adjusted p = ${probability(pValue)} > ${probability(falseFailure)})`;
  } else {
    const { estimate, pValue: worst } = failed[0];
    const why =
      estimate.expected === 0 || estimate.expected === 1
        ? `${estimate.key} got ${estimate.count} of ${n} requests, expected ${estimate.expected === 0 ? 'none' : 'all'}`
        : `${estimate.key} is ${percent(estimate.observed)} of ${n} ${percentRange(estimate.interval)}, expected ${percent(estimate.expected)} (adjusted p = ${probability(worst)} <= ${probability(falseFailure)})`;
    const others = failed.slice(1).map((row) => row.estimate.key);
    detail = others.length ? `${why}; also off: ${others.join(', ')}` : why;
  }
  return { pass: failed.length === 0, hypothesis, n, shares: rows.map((row) => row.estimate), pValue, detail };
}

function checkHits(test: string, label: string, hits: number, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${test}: no observations`);
  checkCount(`hits of ${label}`, hits, n);
}

/** The verdict of a test of one share; `claim` reads "50%" or "at least 99%". */
function shareVerdict(estimate: ShareEstimate, n: number, claim: string, intervalText: string, pValue: number, falseFailure: number): Verdict {
  const pass = pValue > falseFailure;
  const observed = `${estimate.key} is ${percent(estimate.observed)} of ${n} ${intervalText}`;
  const detail = pass
    ? `${observed}, consistent with ${claim} (p = ${probability(pValue)} > ${probability(falseFailure)})`
    : `${observed}, expected ${claim} (p = ${probability(pValue)} <= ${probability(falseFailure)})`;
  return { pass, hypothesis: `share of ${estimate.key} is ${claim}`, n, shares: [estimate], pValue, detail };
}

/** Two-sided: is the true share consistent with expectedPercent? */
export function shareTest(hits: number, n: number, expectedPercent: number, label: string, policy?: Partial<StatsPolicy>): Verdict {
  const { falseFailure } = resolvePolicy(policy);
  checkPercent(`expected share of ${label}`, expectedPercent);
  checkHits('shareTest', label, hits, n);
  const expected = expectedPercent / 100;
  const interval = clopperPearson(hits, n, 1 - falseFailure);
  const estimate: ShareEstimate = { key: label, count: hits, observed: hits / n, expected, interval };
  return shareVerdict(estimate, n, percent(expected), percentRange(interval), equalTailedPValue(hits, n, expected), falseFailure);
}

/** One-sided: is the true share at least minPercent? (fails only when the data show it is lower) */
export function minShareTest(hits: number, n: number, minPercent: number, label: string, policy?: Partial<StatsPolicy>): Verdict {
  const { falseFailure } = resolvePolicy(policy);
  checkPercent(`minimum share of ${label}`, minPercent);
  checkHits('minShareTest', label, hits, n);
  const minimum = minPercent / 100;
  // The one-sided upper bound at 1 - alpha is the upper end of the two-sided interval at
  // 1 - 2 alpha; the test fails exactly when the minimum lies above it.
  const upper = clopperPearson(hits, n, 1 - 2 * falseFailure)[1];
  const estimate: ShareEstimate = { key: label, count: hits, observed: hits / n, expected: minimum, interval: [0, upper] };
  return shareVerdict(estimate, n, `at least ${percent(minimum)}`, `(at most ${percent(upper)})`, binomialCdf(hits, n, minimum), falseFailure);
}
