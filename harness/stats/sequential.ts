/**
 * Sequential sampling for splits: send requests in batches and stop as soon as the verdict is
 * settled, instead of always sending the fixed-sample size.
 *
 * At each look after m requests (m < maxRequests = N):
 *  1. fail when the fixed-sample split test at N is already certain to fail (a category expected
 *     at 0% was seen, or some category's count lies in that test's rejection region whatever
 *     the remaining N - m requests do), or when some category's equal-tailed exact test at m
 *     rejects its expected share at the small early-fail level `earlyAlpha`;
 *  2. pass when every category is shown to be within minDetectable of its expected share: for
 *     each share off by minDetectable (clipped to [0, 1]) the exact one-sided tail toward it is
 *     at most `gamma` (two one-sided tests, i.e. an equivalence test, at every look), and
 *     splitTest would pass the requests so far;
 *  3. otherwise continue; at N the fixed-sample splitTest decides.
 * Error rates are computed exactly by dynamic programming over each category's count, request
 * by request. Passing early only removes failures and failing early only adds them, so gamma
 * is calibrated first (the largest value keeping power on target, with no early fails), then
 * earlyAlpha (the largest keeping false failures within the policy, which the early passes
 * have made room for). N is picked among sizes from the fixed-sample size up to 30% above it to
 * (nearly) minimise the expected number of requests when the mesh is right: a correct 75/25
 * split then stops after about a third of the fixed-sample size, and a grossly wrong one within
 * a few looks.
 *
 * With three or more uncertain categories the dynamic programme follows each category on its
 * own: stopping early to pass needs all categories to agree, so the joint plan fails at least
 * as often as each category's (power is a lower bound), the expected count is the largest
 * per-category figure (a lower bound too), and the false-failure probability is bounded by the
 * sum over categories of their rules without early passes.
 */
import { binomialCdf, binomialSf, equalTailedPValue } from './binomial.js';
import { percent, probability } from '../contract/format.js';
import { resolvePolicy, type StatsPolicy } from './policy.js';
import { regionAt, requiredSampleSize, twoSidedDesign, type RejectionRegion, type ShareDesign } from './sample-size.js';
import { expectedShares, splitComparisons, splitHypothesis } from './split.js';
import { splitTest, type Verdict } from './verdict.js';

interface SequentialDecision {
  /** False: send the next batch and decide again at the next look. */
  stop: boolean;
  /** The verdict when stopping (false while continuing). */
  pass: boolean;
  /** One-line reason, e.g. "v2 got 0 of 120 requests: ...". */
  reason: string;
  /**
   * When stopping, for reports: splitTest on the requests so far, with `pass` and `detail` the
   * plan's (an early pass always agrees with splitTest; an early fail because the final test is
   * certain to fail may not yet show in the p-value).
   */
  verdict?: Verdict;
}

export interface SequentialPlan {
  hypothesis: string;
  /** Request counts after which to decide, ascending; the last is maxRequests. */
  looks: number[];
  maxRequests: number;
  /** What the fixed-sample test needs (requiredSampleSize), for comparison. */
  fixedRequests: number;
  /** Exact probability of failing when the mesh is right (for 3+ uncertain categories, an upper bound). */
  falseFailure: number;
  /** Smallest probability of failing when a share is off by minDetectable (a lower bound for 3+ uncertain categories). */
  power: number;
  /** Expected number of requests when the mesh is right (a lower bound for 3+ uncertain categories). */
  expectedRequests: number;
  /** Decide after a look; counts must add up to one of `looks`. */
  decide(counts: Record<string, number>): SequentialDecision;
}

interface SequentialOptions {
  /** Requests between looks; default defaultBatch(the fixed-sample size). */
  batch?: number;
  /** What the categories are (e.g. "version"), for the hypothesis. */
  dimension?: string;
}

/** Requests between looks of a plan whose fixed-sample test needs fixedRequests: a twentieth of them. */
export const defaultBatch = (fixedRequests: number): number => Math.max(1, Math.ceil(fixedRequests / 20));

/** When a plan stops early: the equivalence tail for passing, the two-sided level for failing. */
interface Boundaries {
  gamma: number;
  earlyAlpha: number;
}

/** One category's test at N with its early boundaries at every look before N. */
interface CategoryRule {
  design: ShareDesign;
  /** Rejection region of the fixed-sample test at N. */
  region: RejectionRegion;
  /** At look i, pass early when acceptLow[i] <= count <= acceptHigh[i] ... */
  acceptLow: number[];
  acceptHigh: number[];
  /** ... and fail early when count <= rejectLow[i] or count >= rejectHigh[i] (equal-tailed exact test at earlyAlpha). */
  rejectLow: number[];
  rejectHigh: number[];
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

/** Largest count rejected low and smallest rejected high by the equal-tailed exact test with `tail` in each tail. */
function criticalCounts(m: number, share: number, tail: number): [number, number] {
  return [firstTrue(0, m, (x) => binomialCdf(x, m, share) > tail) - 1, firstTrue(0, m, (x) => binomialSf(x, m, share) <= tail)];
}

function categoryRule(design: ShareDesign, n: number, looks: number[], { gamma, earlyAlpha }: Boundaries): CategoryRule {
  const { share, lowTail } = design;
  const below = design.alternatives.filter((alternative) => alternative < share);
  const above = design.alternatives.filter((alternative) => alternative > share);
  const early = looks.filter((look) => look < n);
  // Early passes stay within what splitTest would pass on the requests so far, so a report of
  // those requests never shows an early pass with a share outside its interval.
  const fixed = early.map((m) => criticalCounts(m, share, lowTail));
  const reject = early.map((m) => criticalCounts(m, share, earlyAlpha / 2));
  return {
    design,
    region: regionAt(design, n),
    // Counts this high are unlikely (<= gamma) under every share below expected ...
    acceptLow: early.map((m, i) =>
      Math.max(
        fixed[i][0] + 1,
        firstTrue(0, m, (x) => below.every((alternative) => binomialSf(x, m, alternative) <= gamma)),
      ),
    ),
    // ... and counts this low under every share above it.
    acceptHigh: early.map((m, i) => Math.min(fixed[i][1] - 1, firstTrue(0, m, (x) => above.some((alternative) => binomialCdf(x, m, alternative) > gamma)) - 1)),
    rejectLow: reject.map(([low]) => low),
    rejectHigh: reject.map(([, high]) => high),
  };
}

/** Whether the count of a category at look i (after m of n requests) fails the plan, and why. */
function failsAt(rule: CategoryRule, count: number, look: number, m: number, n: number): 'certain' | 'early' | undefined {
  if (count >= rule.region.kHigh || count + (n - m) <= rule.region.kLow) return 'certain';
  if (count <= rule.rejectLow[look] || count >= rule.rejectHigh[look]) return 'early';
  return undefined;
}

const passesAt = (rule: CategoryRule, count: number, look: number): boolean => rule.acceptLow[look] <= count && count <= rule.acceptHigh[look];

/** Probability mass below this is dropped from the dynamic programme (its total stays below 1e-15). */
const NEGLIGIBLE = 1e-20;

/**
 * Exact probability that one category's rule fails, and the expected number of requests, when
 * its true share is `share`: the distribution of the count is carried request by request over
 * the counts that still carry mass, and the mass that stops at a look is taken out.
 */
function outcome(rule: CategoryRule, n: number, looks: number[], share: number): Outcome {
  const mass = new Float64Array(n + 1);
  mass[0] = 1;
  let low = 0;
  let high = 0;
  let fail = 0;
  let expectedRequests = 0;
  let look = 0;
  for (let m = 1; m <= n; m++) {
    high++;
    for (let x = high; x > low; x--) mass[x] = mass[x] * (1 - share) + mass[x - 1] * share;
    mass[low] *= 1 - share;
    while (low < high && mass[low] < NEGLIGIBLE) mass[low++] = 0;
    while (high > low && mass[high] < NEGLIGIBLE) mass[high--] = 0;
    if (m === n) break;
    if (m !== looks[look]) continue;
    let stopped = 0;
    for (let x = low; x <= high; x++) {
      const failing = failsAt(rule, x, look, m, n) !== undefined;
      if (failing || passesAt(rule, x, look)) {
        if (failing) fail += mass[x];
        stopped += mass[x];
        mass[x] = 0;
      }
    }
    expectedRequests += m * stopped;
    look++;
  }
  let remaining = 0;
  for (let x = low; x <= high; x++) {
    remaining += mass[x];
    if (x <= rule.region.kLow || x >= rule.region.kHigh) fail += mass[x];
  }
  return { fail, expectedRequests: expectedRequests + n * remaining };
}

interface Candidate {
  n: number;
  looks: number[];
  boundaries: Boundaries;
  rules: CategoryRule[];
  falseFailure: number;
  power: number;
  expectedRequests: number;
}

/** A split's designs at one maximum size, with the exact error rates of any boundaries. */
class PlanAtSize {
  readonly looks: number[];
  /** Categories the dynamic programme follows: of two uncertain ones that are one test, the first. */
  private readonly followed: number[];

  constructor(
    private readonly designs: ShareDesign[],
    readonly n: number,
    batch: number,
    /** One test (see splitComparisons): the dynamic programme of each category is exact. */
    private readonly sameTest: boolean,
  ) {
    this.looks = [...Array.from({ length: Math.ceil(n / batch) - 1 }, (_, i) => (i + 1) * batch), n];
    const uncertain = designs.map((design, i) => (design.share > 0 && design.share < 1 ? i : -1)).filter((i) => i >= 0);
    const mirror = sameTest ? uncertain[1] : undefined;
    this.followed = designs.map((_, i) => i).filter((i) => i !== mirror);
  }

  private rules(boundaries: Boundaries): CategoryRule[] {
    return this.designs.map((design) => categoryRule(design, this.n, this.looks, boundaries));
  }

  private outcomes(rules: CategoryRule[], share: (rule: CategoryRule) => number[]): Outcome[] {
    return this.followed.flatMap((i) => share(rules[i]).map((truth) => outcome(rules[i], this.n, this.looks, truth)));
  }

  /**
   * Exact when the categories are one test. Otherwise a category can fail after its own rule
   * would have passed early while the others still disagree: bound each category by its rule
   * without early passes, which can only make it fail less often, and add them up.
   */
  falseFailure(boundaries: Boundaries): number {
    if (this.sameTest) return Math.max(...this.outcomes(this.rules(boundaries), (rule) => [rule.design.share]).map((right) => right.fail));
    return this.outcomes(this.rules({ ...boundaries, gamma: 0 }), (rule) => [rule.design.share]).reduce((sum, right) => sum + right.fail, 0);
  }

  evaluate(boundaries: Boundaries): Candidate {
    const rules = this.rules(boundaries);
    const powers = this.outcomes(rules, (rule) => rule.design.alternatives).map((wrong) => wrong.fail);
    const whenRight = this.outcomes(rules, (rule) => [rule.design.share]);
    return {
      n: this.n,
      looks: this.looks,
      boundaries,
      rules,
      falseFailure: this.falseFailure(boundaries),
      power: Math.min(1, ...powers),
      expectedRequests: Math.max(...whenRight.map((right) => right.expectedRequests)),
    };
  }
}

/** Largest x in (10^-16, top] with ok(x), bisecting on the logarithm (undefined when even 10^-16 fails). */
function largestOnLogScale(top: number, ok: (x: number) => boolean): number | undefined {
  let low = -16;
  let high = Math.log10(top);
  if (ok(top)) return top;
  if (!ok(10 ** low)) return undefined;
  for (let i = 0; i < 12; i++) {
    const mid = (low + high) / 2;
    if (ok(10 ** mid)) low = mid;
    else high = mid;
  }
  return 10 ** low;
}

/**
 * The most eager early pass that keeps power on target (failing early only adds power), then
 * the most eager early fail that keeps false failures within the policy (passing early only
 * removes them). Undefined when N itself falls short (the exact test's power saw-tooths).
 */
function calibrate(plan: PlanAtSize, policy: StatsPolicy): Candidate | undefined {
  if (plan.evaluate({ gamma: 0, earlyAlpha: 0 }).power < policy.power) return undefined;
  const gamma = largestOnLogScale(0.5, (g) => plan.evaluate({ gamma: g, earlyAlpha: 0 }).power >= policy.power) ?? 0;
  const earlyAlpha = largestOnLogScale(policy.falseFailure, (a) => plan.falseFailure({ gamma, earlyAlpha: a }) <= policy.falseFailure) ?? 0;
  return plan.evaluate({ gamma, earlyAlpha });
}

type PlanFigures = Omit<SequentialPlan, 'decide' | 'hypothesis'>;

/** Memoized: choosing a plan runs about a hundred dynamic programmes. */
const plans = new Map<string, { figures: PlanFigures; boundaries: Boundaries; rules: CategoryRule[] }>();

/**
 * A sequential plan for a split (for a single share p, use a two-way split {hit: p, miss: 100 - p}).
 * Meets the same policy as splitTest at requiredSampleSize, usually with far fewer requests.
 */
export function sequentialSplitPlan(expectedPercent: Record<string, number>, policy?: Partial<StatsPolicy>, options: SequentialOptions = {}): SequentialPlan {
  const resolved = resolvePolicy(policy);
  const expected = expectedShares(expectedPercent);
  const fixedRequests = requiredSampleSize({ kind: 'split', expectedPercent }, resolved);
  const batch = options.batch ?? defaultBatch(fixedRequests);
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`sequentialSplitPlan: batch must be a positive integer, got ${batch}`);

  const key = JSON.stringify([[...expected], resolved, batch]);
  let plan = plans.get(key);
  if (!plan) {
    const shares = [...expected.values()];
    const comparisons = splitComparisons(shares);
    const designs = shares.map((share) => twoSidedDesign(share, resolved.falseFailure / comparisons, resolved.minDetectable));
    const candidates = [0, 1, 2, 3, 4, 5, 6]
      .map((step) => calibrate(new PlanAtSize(designs, Math.round(fixedRequests * (1 + step * 0.05)), batch, comparisons === 1), resolved))
      .filter((candidate): candidate is Candidate => candidate !== undefined);
    // requiredSampleSize guarantees the first candidate, without early stops, meets the policy.
    // A larger N buys fewer requests on average but costs more when the mesh is off by about
    // minDetectable: take the smallest N within 1% of the best average.
    const fewest = Math.min(...candidates.map((candidate) => candidate.expectedRequests));
    const chosen = candidates.find((candidate) => candidate.expectedRequests <= fewest * 1.01) as Candidate;
    const { n: maxRequests, looks, falseFailure, power, expectedRequests, boundaries, rules } = chosen;
    plan = { figures: { looks, maxRequests, fixedRequests, falseFailure, power, expectedRequests }, boundaries, rules };
    plans.set(key, plan);
  }

  const { figures, boundaries, rules } = plan;
  const { looks, maxRequests: n } = figures;
  const keys = [...expected.keys()];
  /** The plan's decision at a look before N, without the verdict. */
  const decideEarly = (counts: Record<string, number>, m: number, look: number): Omit<SequentialDecision, 'verdict'> => {
    const unexpected = Object.keys(counts).find((category) => !expected.has(category) && counts[category] > 0);
    if (unexpected) return { stop: true, pass: false, reason: `${unexpected} got ${counts[unexpected]} of ${m} requests, expected none` };
    for (const [i, category] of keys.entries()) {
      const count = counts[category] ?? 0;
      const share = rules[i].design.share;
      const observed = `${category} got ${count} of ${m} requests, expected ${percent(share)}`;
      switch (failsAt(rules[i], count, look, m, n)) {
        case 'certain':
          return { stop: true, pass: false, reason: `${observed}: the test at ${n} fails whatever the remaining ${n - m} do` };
        case 'early': {
          const pValue = equalTailedPValue(count, m, share);
          return { stop: true, pass: false, reason: `${observed} (p = ${probability(pValue)} <= ${probability(boundaries.earlyAlpha)}, the early-fail level)` };
        }
      }
    }
    if (keys.every((category, i) => passesAt(rules[i], counts[category] ?? 0, look))) {
      return {
        stop: true,
        pass: true,
        reason: `every share is within ${+(resolved.minDetectable * 100).toPrecision(4)} points of expected after ${m} of up to ${n} requests (each one-sided tail <= ${probability(boundaries.gamma)})`,
      };
    }
    return { stop: false, pass: false, reason: `undecided after ${m} of up to ${n} requests` };
  };
  const decide = (counts: Record<string, number>): SequentialDecision => {
    for (const [category, count] of Object.entries(counts)) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError(`count of ${category} must be a non-negative integer, got ${count}`);
    }
    const m = Object.values(counts).reduce((sum, count) => sum + count, 0);
    const look = looks.indexOf(m);
    if (look === -1) throw new RangeError(`sequentialSplitPlan: decide after ${m} requests, which is not a planned look (${looks.join(', ')})`);
    const evidence = (): Verdict => splitTest(counts, expectedPercent, resolved, options.dimension);
    if (m === n) {
      const verdict = evidence();
      return { stop: true, pass: verdict.pass, reason: verdict.detail, verdict };
    }
    const decision = decideEarly(counts, m, look);
    if (!decision.stop) return decision;
    // Computed on first use: a simulation deciding millions of looks has no use for intervals.
    let verdict: Verdict | undefined;
    return {
      ...decision,
      get verdict(): Verdict {
        verdict ??= { ...evidence(), pass: decision.pass, detail: decision.reason };
        return verdict;
      },
    };
  };

  return { ...figures, looks: [...looks], hypothesis: splitHypothesis(expected, options.dimension), decide };
}
