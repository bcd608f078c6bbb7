// Monte Carlo check of meshspec's share assertions against their policy and against Istio's
// own rule (100 requests, each backend within ±10 requests of its expected count).
//
//   pnpm build && node bench/stats.bench.mjs [--assertions N] [--seed S]
//
// For every case and every true share (the expected one, and the expected one ±10 points,
// clipped to [0, 1]) it simulates N assertions (default 2,000,000): the count of the tracked
// category is drawn from Binomial(n, true share) by inversion of its exact CDF, and the
// assertion is decided by the very splitTest/shareTest a matcher calls, with n from
// requiredSampleSize. A verdict depends only on the count, so each function is called once per
// possible count up front and the draws look the verdict up; that keeps millions of draws per
// row cheap without approximating anything. "exact" columns are the same rates summed over the
// binomial distribution, which the Monte Carlo figures must agree with. A second table does the
// same for sequentialSplitPlan, look by look, and adds the mean number of requests it sends. A
// third table simulates a traffic step with two share-based expectations under its one budget
// (familyPolicy), against each expectation spending the whole budget as before.
// Exits non-zero if a target is missed.
import { binomialCdf, DEFAULT_POLICY, familyPolicy, requiredSampleSize, sequentialSplitPlan, shareTest, splitTest } from '../dist/harness/stats/index.js';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
const ASSERTIONS = option('assertions', 2_000_000);
const SEED = option('seed', 20261122);
const ISTIO_REQUESTS = 100;
const ISTIO_TOLERANCE = 10;

/** sfc32 (PractRand-clean, seedable); two outputs make one uniform double in [0, 1) with 53 random bits. */
function uniformSource(seed) {
  let a = 0x9e3779b9,
    b = 0x243f6a88,
    c = 0xb7e15162,
    d = seed >>> 0;
  const next = () => {
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) next();
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

/** A sampler of Binomial(n, p) by inversion: P(X <= k) for every k, then a binary search per draw. */
function binomialSampler(n, p) {
  const cdf = Float64Array.from({ length: n + 1 }, (_, k) => binomialCdf(k, n, p));
  cdf[n] = 1;
  return (u) => {
    let low = 0;
    let high = n;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (u < cdf[mid]) high = mid;
      else low = mid + 1;
    }
    return low;
  };
}

/** Exact failure rate of a rule at the given truth: the binomial distribution summed over the failing counts. */
function exactFailureRate(fails, n, truth) {
  let exact = 0;
  for (let k = 0; k <= n; k++) if (fails[k]) exact += binomialCdf(k, n, truth) - binomialCdf(k - 1, n, truth);
  return exact;
}

/** Failure rate of a rule at the given truth: Monte Carlo over ASSERTIONS draws, and exact. */
function failureRate(fails, n, truth, uniform) {
  const sample = binomialSampler(n, truth);
  let failures = 0;
  for (let i = 0; i < ASSERTIONS; i++) failures += fails[sample(uniform())];
  return { measured: failures / ASSERTIONS, exact: exactFailureRate(fails, n, truth) };
}

// `share` is the expected share of the tracked category; `verdict(k, n)` decides a count k of it
// out of n (under an optional policy); `twoWay` is the same expectation as a two-way split, for the sequential plan.
const CASES = [
  split('75/25 split', 75),
  split('90/10 split', 90),
  split('50/50 split', 50),
  share('50% delay', 'delayed', 50),
  // A 70% failure share, asserted on the successes: two-sided share test of 30%.
  share('70% failure', 'success', 30),
];

function split(name, v1Percent) {
  const expectedPercent = { v1: v1Percent, v2: 100 - v1Percent };
  return {
    name,
    share: v1Percent / 100,
    expectation: { kind: 'split', expectedPercent },
    verdict: (k, n, policy) => splitTest({ v1: k, v2: n - k }, expectedPercent, policy),
    twoWay: { first: 'v1', second: 'v2', expectedPercent },
  };
}

function share(name, label, percent) {
  return {
    name,
    share: percent / 100,
    expectation: { kind: 'share', percent },
    verdict: (k, n, policy) => shareTest(k, n, percent, label, policy),
    twoWay: { first: label, second: 'other', expectedPercent: { [label]: percent, other: 100 - percent } },
  };
}

/** The true shares to simulate when the mesh is wrong: off by minDetectable, clipped to [0, 1]. */
function wrongShares(expected) {
  const { minDetectable } = DEFAULT_POLICY;
  const clipped = [expected - minDetectable, expected + minDetectable].map((p) => Math.min(1, Math.max(0, +p.toFixed(12))));
  return [...new Set(clipped)].filter((p) => p !== expected);
}

const worstOf = (rates) => rates.reduce((a, b) => (b.exact < a.exact ? b : a));

function measureCase(testCase, uniform) {
  const { share: expected, expectation, verdict } = testCase;
  const n = requiredSampleSize(expectation);
  const oursFails = Uint8Array.from({ length: n + 1 }, (_, k) => (verdict(k, n).pass ? 0 : 1));
  const istioFails = Uint8Array.from({ length: ISTIO_REQUESTS + 1 }, (_, k) => (Math.abs(k - expected * ISTIO_REQUESTS) > ISTIO_TOLERANCE ? 1 : 0));
  const rates = (fails, size) => ({
    falseFailure: failureRate(fails, size, expected, uniform),
    worst: worstOf(wrongShares(expected).map((truth) => ({ truth, ...failureRate(fails, size, truth, uniform) }))),
  });
  return { n, ours: rates(oursFails, n), istio: rates(istioFails, ISTIO_REQUESTS) };
}

/**
 * The sequential plan for the case, run look by look: Monte Carlo (a Binomial(batch) draw per
 * look, the plan's decision looked up from a table filled by calling decide() for every
 * reachable count) and exact (the count's distribution carried from look to look).
 */
function measureSequential(testCase, uniform) {
  const {
    share: expected,
    twoWay: { first, second, expectedPercent },
  } = testCase;
  const plan = sequentialSplitPlan(expectedPercent);
  const { looks } = plan;
  const batches = looks.map((look, i) => look - (i === 0 ? 0 : looks[i - 1]));
  const CONTINUE = 0,
    PASS = 1,
    FAIL = 2;
  const decisions = looks.map((look) =>
    Uint8Array.from({ length: look + 1 }, (_, x) => {
      const decision = plan.decide({ [first]: x, [second]: look - x });
      return decision.stop ? (decision.pass ? PASS : FAIL) : CONTINUE;
    }),
  );
  const run = (truth) => {
    const samplers = batches.map((batch) => binomialSampler(batch, truth));
    let failures = 0;
    let requests = 0;
    for (let i = 0; i < ASSERTIONS; i++) {
      let count = 0;
      for (let look = 0; look < looks.length; look++) {
        count += samplers[look](uniform());
        const decision = decisions[look][count];
        if (decision !== CONTINUE) {
          requests += looks[look];
          if (decision === FAIL) failures++;
          break;
        }
      }
    }
    let mass = Float64Array.of(1);
    let exact = 0;
    let exactRequests = 0;
    looks.forEach((look, i) => {
      const batchPmf = Array.from({ length: batches[i] + 1 }, (_, k) => binomialCdf(k, batches[i], truth) - binomialCdf(k - 1, batches[i], truth));
      const next = new Float64Array(look + 1);
      mass.forEach((p, count) => {
        for (const [k, q] of batchPmf.entries()) next[count + k] += p * q;
      });
      next.forEach((p, count) => {
        if (decisions[i][count] === CONTINUE) return;
        exactRequests += look * p;
        if (decisions[i][count] === FAIL) exact += p;
        next[count] = 0;
      });
      mass = next;
    });
    return { truth, measured: failures / ASSERTIONS, exact, meanRequests: requests / ASSERTIONS, exactRequests };
  };
  return { plan, right: run(expected), worst: worstOf(wrongShares(expected).map(run)) };
}

/**
 * A step with several share-based expectations on the same requests, their counts drawn
 * independently (e.g. which version answers and whether the request was delayed): the step
 * fails when any expectation fails. "per expectation" is the rule before the step had one
 * budget: each at the whole falseFailure, all on the largest of their sample sizes. "per step"
 * is familyPolicy: each at its share, each decided on its own sample size.
 */
function measureStep(cases, uniform) {
  const expectations = cases.map((testCase) => testCase.expectation);
  const failsAt = (testCase, n, policy) => Uint8Array.from({ length: n + 1 }, (_, k) => (testCase.verdict(k, n, policy).pass ? 0 : 1));
  const rule = (policy, sizes) => {
    const fails = cases.map((testCase, i) => failsAt(testCase, sizes[i], policy));
    const samplers = cases.map((testCase, i) => binomialSampler(sizes[i], testCase.share));
    let failures = 0;
    for (let i = 0; i < ASSERTIONS; i++) failures += fails.some((fail, j) => fail[samplers[j](uniform())]) ? 1 : 0;
    const single = cases.map((testCase, i) => exactFailureRate(fails[i], sizes[i], testCase.share));
    const power = Math.min(...cases.flatMap((testCase, i) => wrongShares(testCase.share).map((truth) => exactFailureRate(fails[i], sizes[i], truth))));
    return {
      requests: Math.max(...sizes),
      measured: failures / ASSERTIONS,
      exact: 1 - single.reduce((pass, rate) => pass * (1 - rate), 1),
      power,
    };
  };
  const largest = Math.max(...expectations.map((expectation) => requiredSampleSize(expectation)));
  const policy = familyPolicy(expectations);
  return {
    before: rule(
      DEFAULT_POLICY,
      cases.map(() => largest),
    ),
    now: rule(
      policy,
      expectations.map((expectation) => requiredSampleSize(expectation, policy)),
    ),
    policy,
  };
}

const sci = (x, digits = 1) => (x === 0 ? '0' : x.toExponential(digits));
const pct = (p) => `${+(p * 100).toFixed(1)}%`;
const times = (x) => (Number.isFinite(x) ? `${x >= 10 ? Math.round(x) : x.toFixed(1)}x` : 'inf');

/** Columns padded to their widest cell; text columns left-aligned, numbers right-aligned. */
function printTable(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows) {
    console.log(
      row
        .map((cell, column) => (column === 0 || cell === '|' ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
        .join(' ')
        .trimEnd(),
    );
  }
}

const { falseFailure: targetFalseFailure, power: targetPower, minDetectable } = DEFAULT_POLICY;
console.log(
  `meshspec stats benchmark: ${ASSERTIONS.toLocaleString('en')} simulated assertions per case and true share, seed ${SEED}\n` +
    `targets: false failure <= ${sci(targetFalseFailure)} when the share is right; power >= ${targetPower} when it is off by ${minDetectable * 100} points (worst direction)\n` +
    `baseline: Istio's rule, ${ISTIO_REQUESTS} requests, each backend within ±${ISTIO_TOLERANCE} of its expected count\n`,
);
const started = performance.now();
const uniform = uniformSource(SEED);
const rows = [
  ['', '', 'meshspec', '', '', '', '', '|', 'Istio', '', '', '|', 'Istio / meshspec', '', ''],
  ['case', 'n', 'false-fail', 'exact', 'power', 'exact', 'worst at', '|', 'false-fail', 'power', 'worst at', '|', 'false-fail', 'misses', ''],
];
let allMet = true;
for (const testCase of CASES) {
  const { n, ours, istio } = measureCase(testCase, uniform);
  const met = ours.falseFailure.exact <= targetFalseFailure && ours.worst.exact >= targetPower;
  allMet &&= met;
  rows.push([
    testCase.name,
    String(n),
    sci(ours.falseFailure.measured),
    sci(ours.falseFailure.exact, 2),
    ours.worst.measured.toFixed(4),
    ours.worst.exact.toFixed(4),
    pct(ours.worst.truth),
    '|',
    istio.falseFailure.measured.toFixed(4),
    istio.worst.measured.toFixed(4),
    pct(istio.worst.truth),
    '|',
    times(istio.falseFailure.exact / ours.falseFailure.exact),
    times((1 - istio.worst.exact) / (1 - ours.worst.exact)),
    met ? 'targets met' : 'TARGET MISSED',
  ]);
}
printTable(rows);

const sequentialRows = [
  ['', 'requests', '', '', '', '', '', '', '|', 'mean requests', '', '', '', ''],
  ['case', 'fixed', 'max', 'false-fail', 'exact', 'power', 'exact', 'worst at', '|', 'right', 'exact', 'wrong', 'vs fixed', ''],
];
for (const testCase of CASES) {
  const { plan, right, worst } = measureSequential(testCase, uniform);
  const met = right.exact <= targetFalseFailure && worst.exact >= targetPower;
  allMet &&= met;
  sequentialRows.push([
    testCase.name,
    String(plan.fixedRequests),
    String(plan.maxRequests),
    sci(right.measured),
    sci(right.exact, 2),
    worst.measured.toFixed(4),
    worst.exact.toFixed(4),
    pct(worst.truth),
    '|',
    right.meanRequests.toFixed(0),
    right.exactRequests.toFixed(0),
    worst.meanRequests.toFixed(0),
    `-${pct(1 - right.exactRequests / plan.fixedRequests)}`,
    met ? 'targets met' : 'TARGET MISSED',
  ]);
}
console.log(
  '\nsequential plan (sequentialSplitPlan; a look every twentieth of the fixed size; stops early to pass on equivalence tests, ' +
    'to fail when the final test is certain to fail or a share is far off)',
);
printTable(sequentialRows);
const stepCases = [CASES[0], CASES[3]];
const step = measureStep(stepCases, uniform);
const stepMet = step.now.exact <= targetFalseFailure && step.now.power >= targetPower;
allMet &&= stepMet;
console.log(
  `\nstep with ${stepCases.map((testCase) => testCase.name).join(' and ')} (independent counts; fails when either fails; ` +
    `power is the worst expectation's exact power; per step: each at falseFailure ${sci(step.policy.falseFailure)})`,
);
printTable([
  ['budget', 'requests', 'false-fail', 'exact', 'power', ''],
  ...[
    ['per expectation (before)', step.before, ''],
    ['per step (now)', step.now, stepMet ? 'targets met' : 'TARGET MISSED'],
  ].map(([name, rule, verdict]) => [name, String(rule.requests), sci(rule.measured), sci(rule.exact, 2), rule.power.toFixed(4), verdict]),
  ['before / now', '', '', times(step.before.exact / step.now.exact), '', ''],
]);
console.log(
  `\n"exact" sums the binomial distribution over the same verdicts; Monte Carlo standard error at a rate of ${sci(targetFalseFailure)} is ` +
    `${sci(Math.sqrt(targetFalseFailure / ASSERTIONS))}. "worst at" is the true share of v1, of delayed requests, of successful requests. ` +
    `"misses" compares 1 - power. ${((performance.now() - started) / 1000).toFixed(1)} s.`,
);
process.exitCode = allMet ? 0 : 1;
