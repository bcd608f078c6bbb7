/**
 * Sequential sampling for splits: send requests in batches and stop as soon as the verdict is
 * settled, instead of always sending the fixed-sample size.
 *
 * At each look after m requests (m < maxRequests = N):
 *  1. fail when the fixed-sample split test at N is already certain to fail: a category expected
 *     at 0% was seen, or some category's count lies in that test's rejection region whatever
 *     the remaining N - m requests do. A certain outcome changes no error rate.
 *  2. pass when every category is shown to be within minDetectable of its expected share: for
 *     each share off by minDetectable (clipped to [0, 1]) the exact one-sided tail toward it is
 *     at most gamma (two one-sided tests, i.e. an equivalence test, at every look).
 *  3. otherwise continue; at N the fixed-sample splitTest decides.
 * Passing early only removes failures, so the false-failure probability stays at most that of
 * the fixed test at N, i.e. within the policy. It costs power, which is computed exactly by
 * dynamic programming over each category's count, request by request; gamma is the largest
 * value (bisection) that keeps power at the policy's target, and N is picked among sizes from
 * the fixed-sample size up to 30% above it to minimise the expected number of requests when
 * the mesh is right. A correct 75/25 split then stops after about half the fixed-sample size.
 *
 * With three or more uncertain categories the dynamic programme follows each category on its
 * own: stopping early needs all categories to agree, so the joint plan fails at least as often
 * as each category's (power is a lower bound), the expected count is the largest per-category
 * figure (a lower bound too), and the false-failure probability is bounded by the fixed-sample
 * tests at N.
 */
import { binomialCdf, binomialSf } from './binomial.js';
import { resolvePolicy, type StatsPolicy } from './policy.js';
import { regionAt, rejectionProbability, requiredSampleSize, twoSidedDesign, type RejectionRegion, type ShareDesign } from './sample-size.js';
import { percent, probability } from './format.js';
import { expectedShares, splitComparisons, splitHypothesis } from './split.js';
import { splitTest } from './verdict.js';

export interface SequentialDecision {
  /** False: send the next batch and decide again at the next look. */
  stop: boolean;
  /** The verdict when stopping (false while continuing). */
  pass: boolean;
  /** One-line reason, e.g. "v2 got 0 of 120 requests: ...". */
  reason: string;
}

export interface SequentialPlan {
  hypothesis: string;
  /** Request counts after which to decide, ascending; the last is maxRequests. */
  looks: number[];
  maxRequests: number;
  /** What the fixed-sample test needs (requiredSampleSize), for comparison. */
  fixedRequests: number;
  /** Exact probability of failing when the mesh is right (for 3+ uncertain categories, a bound: the fixed-sample tests' at maxRequests). */
  falseFailure: number;
  /** Smallest probability of failing when a share is off by minDetectable (a lower bound for 3+ uncertain categories). */
  power: number;
  /** Expected number of requests when the mesh is right. */
  expectedRequests: number;
  /** Decide after a look; counts must add up to one of `looks`. */
  decide(counts: Record<string, number>): SequentialDecision;
}

export interface SequentialOptions {
  /** Requests between looks; default a twentieth of the fixed-sample size. */
  batch?: number;
  /** What the categories are (e.g. "version"), for the hypothesis. */
  dimension?: string;
}

/** One category's test at N with its early-pass bounds at every look before N. */
interface CategoryRule {
  design: ShareDesign;
  /** Rejection region of the fixed-sample test at N. */
  region: RejectionRegion;
  /** At look i, pass early when acceptLow[i] <= count <= acceptHigh[i]. */
  acceptLow: number[];
  acceptHigh: number[];
}

interface Outcome {
  fail: number;
  expectedRequests: number;
}

/** Smallest integer in [low, high] where a monotone predicate turns true (high + 1 if never). */
function firstTrue(low: number, high: number, holds: (x: number) => boolean): number {
  let end = high + 1;
  while (low < end) {
    const mid = Math.floor((low + end) / 2);
    if (holds(mid)) end = mid;
    else low = mid + 1;
  }
  return end;
}

function categoryRule(design: ShareDesign, n: number, looks: number[], gamma: number): CategoryRule {
  const below = design.alternatives.filter((alternative) => alternative < design.share);
  const above = design.alternatives.filter((alternative) => alternative > design.share);
  const early = looks.filter((look) => look < n);
  return {
    design,
    region: regionAt(design, n),
    // Counts this high are unlikely (<= gamma) under every share below expected ...
    acceptLow: early.map((m) => firstTrue(0, m, (x) => below.every((alternative) => binomialSf(x, m, alternative) <= gamma))),
    // ... and counts this low under every share above it.
    acceptHigh: early.map((m) => firstTrue(0, m, (x) => above.some((alternative) => binomialCdf(x, m, alternative) > gamma)) - 1),
  };
}

const certainToFail = (rule: CategoryRule, count: number, m: number, n: number): boolean =>
  count >= rule.region.kHigh || count + (n - m) <= rule.region.kLow;

/**
 * Exact probability that one category's rule fails, and the expected number of requests, when
 * its true share is `share`: the distribution of the count is carried request by request and
 * the mass that stops at a look is taken out.
 */
function outcome(rule: CategoryRule, n: number, looks: number[], share: number): Outcome {
  const mass = new Float64Array(n + 1);
  mass[0] = 1;
  let fail = 0;
  let expectedRequests = 0;
  let look = 0;
  for (let m = 1; m <= n; m++) {
    for (let x = m; x > 0; x--) mass[x] = mass[x] * (1 - share) + mass[x - 1] * share;
    mass[0] *= 1 - share;
    if (m === n) break;
    if (m !== looks[look]) continue;
    let stopped = 0;
    for (let x = 0; x <= m; x++) {
      if (mass[x] === 0) continue;
      const failing = certainToFail(rule, x, m, n);
      if (failing || (rule.acceptLow[look] <= x && x <= rule.acceptHigh[look])) {
        if (failing) fail += mass[x];
        stopped += mass[x];
        mass[x] = 0;
      }
    }
    expectedRequests += m * stopped;
    look++;
  }
  let remaining = 0;
  for (let x = 0; x <= n; x++) {
    remaining += mass[x];
    if (x <= rule.region.kLow || x >= rule.region.kHigh) fail += mass[x];
  }
  return { fail, expectedRequests: expectedRequests + n * remaining };
}

interface Candidate {
  n: number;
  looks: number[];
  gamma: number;
  rules: CategoryRule[];
  falseFailure: number;
  power: number;
  expectedRequests: number;
}

function evaluate(designs: ShareDesign[], n: number, looks: number[], gamma: number, sameTest: boolean): Candidate {
  const rules = designs.map((design) => categoryRule(design, n, looks, gamma));
  const whenRight = rules.map((rule) => outcome(rule, n, looks, rule.design.share));
  const powers = rules.flatMap((rule) => rule.design.alternatives.map((alternative) => outcome(rule, n, looks, alternative).fail));
  // One test (see splitComparisons): the dynamic programme is exact. Otherwise a category can
  // fail after its own rule would have passed early, while the others still disagree; bound by
  // the fixed-sample tests at N instead, which early passes can only make fail less often.
  const falseFailure = sameTest
    ? Math.max(...whenRight.map((right) => right.fail))
    : rules.reduce((sum, rule) => sum + rejectionProbability(rule.region, n, rule.design.share), 0);
  return {
    n,
    looks,
    gamma,
    rules,
    falseFailure,
    power: Math.min(1, ...powers),
    expectedRequests: Math.max(...whenRight.map((right) => right.expectedRequests)),
  };
}

/** The most eager early pass (largest gamma, by bisection on its logarithm) that keeps power on target. */
function calibrate(designs: ShareDesign[], n: number, looks: number[], power: number, sameTest: boolean): Candidate | undefined {
  let best = evaluate(designs, n, looks, 0, sameTest);
  if (best.power < power) return undefined; // N itself falls short (the exact test's power saw-tooths)
  let low = -16;
  let high = Math.log10(0.5);
  for (let i = 0; i < 20; i++) {
    const mid = (low + high) / 2;
    const candidate = evaluate(designs, n, looks, 10 ** mid, sameTest);
    if (candidate.power >= power) {
      best = candidate;
      low = mid;
    } else high = mid;
  }
  return best;
}

function looksUpTo(n: number, batch: number): number[] {
  const looks = Array.from({ length: Math.ceil(n / batch) - 1 }, (_, i) => (i + 1) * batch);
  return [...looks, n];
}

type PlanFigures = Omit<SequentialPlan, 'decide' | 'hypothesis'>;

/** Memoized: choosing a plan runs about a hundred dynamic programmes. */
const plans = new Map<string, { figures: PlanFigures; gamma: number; rules: CategoryRule[] }>();

/**
 * A sequential plan for a split (for a single share p, use a two-way split {hit: p, miss: 100 - p}).
 * Meets the same policy as splitTest at requiredSampleSize, usually with far fewer requests.
 */
export function sequentialSplitPlan(expectedPercent: Record<string, number>, policy?: Partial<StatsPolicy>, options: SequentialOptions = {}): SequentialPlan {
  const resolved = resolvePolicy(policy);
  const expected = expectedShares(expectedPercent);
  const fixedRequests = requiredSampleSize({ kind: 'split', expectedPercent }, resolved);
  const batch = options.batch ?? Math.max(1, Math.ceil(fixedRequests / 20));
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`sequentialSplitPlan: batch must be a positive integer, got ${batch}`);

  const key = JSON.stringify([[...expected], resolved, batch]);
  let plan = plans.get(key);
  if (!plan) {
    const shares = [...expected.values()];
    const comparisons = splitComparisons(shares);
    const designs = shares.map((share) => twoSidedDesign(share, resolved.falseFailure / comparisons, resolved.minDetectable));
    let best: Candidate | undefined;
    for (let step = 0; step <= 6; step++) {
      const n = Math.round(fixedRequests * (1 + step * 0.05));
      const candidate = calibrate(designs, n, looksUpTo(n, batch), resolved.power, comparisons === 1);
      if (candidate && (!best || candidate.expectedRequests < best.expectedRequests)) best = candidate;
    }
    // requiredSampleSize guarantees the first candidate, with early passes switched off, meets the policy.
    const chosen = best as Candidate;
    const { n: maxRequests, looks, falseFailure, power, expectedRequests, gamma, rules } = chosen;
    plan = { figures: { looks, maxRequests, fixedRequests, falseFailure, power, expectedRequests }, gamma, rules };
    plans.set(key, plan);
  }

  const { figures, gamma, rules } = plan;
  const { looks, maxRequests: n } = figures;
  const keys = [...expected.keys()];
  const decide = (counts: Record<string, number>): SequentialDecision => {
    for (const [category, count] of Object.entries(counts)) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError(`count of ${category} must be a non-negative integer, got ${count}`);
    }
    const m = Object.values(counts).reduce((sum, count) => sum + count, 0);
    const look = looks.indexOf(m);
    if (look === -1) throw new RangeError(`sequentialSplitPlan: decide after ${m} requests, which is not a planned look (${looks.join(', ')})`);
    if (m === n) {
      const verdict = splitTest(counts, expectedPercent, resolved, options.dimension);
      return { stop: true, pass: verdict.pass, reason: verdict.detail };
    }
    const unexpected = Object.keys(counts).find((category) => !expected.has(category) && counts[category] > 0);
    if (unexpected) return { stop: true, pass: false, reason: `${unexpected} got ${counts[unexpected]} of ${m} requests, expected none` };
    const failing = keys.findIndex((category, i) => certainToFail(rules[i], counts[category] ?? 0, m, n));
    if (failing !== -1) {
      const category = keys[failing];
      return {
        stop: true,
        pass: false,
        reason: `${category} got ${counts[category] ?? 0} of ${m} requests, expected ${percent(rules[failing].design.share)}: the test at ${n} fails whatever the remaining ${n - m} do`,
      };
    }
    if (keys.every((category, i) => rules[i].acceptLow[look] <= (counts[category] ?? 0) && (counts[category] ?? 0) <= rules[i].acceptHigh[look])) {
      return {
        stop: true,
        pass: true,
        reason: `every share is within ${+(resolved.minDetectable * 100).toPrecision(4)} points of expected after ${m} of up to ${n} requests (each one-sided tail <= ${probability(gamma)})`,
      };
    }
    return { stop: false, pass: false, reason: `undecided after ${m} of up to ${n} requests` };
  };

  return { ...figures, looks: [...looks], hypothesis: splitHypothesis(expected, options.dimension), decide };
}
