/**
 * Exact binomial distribution functions.
 *
 * Tails are sums of the probability mass function, not normal or Poisson approximations: each
 * sum starts at the term nearest the mode and walks outward, where terms only shrink, so the
 * sum stops as soon as the next term no longer changes it. A tail costs a few standard
 * deviations' worth of terms (about 150 for n = 1000), and its relative error stays near
 * 1e-12 even for tails as small as 1e-100, which is what the sample-size search and the
 * Clopper-Pearson inversion rely on.
 */

/** Lanczos approximation (g = 7, 9 terms): relative error about 1e-15 for x > 0. */
const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the series in the range where it is accurate.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let series = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) series += LANCZOS_COEFFICIENTS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

function checkArguments(n: number, p: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial: n must be a non-negative integer, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial: p must be in [0, 1], got ${p}`);
}

/** P(X = k) for X ~ Binomial(n, p), 0 < p < 1, 0 <= k <= n. */
function pmf(k: number, n: number, p: number): number {
  return Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/**
 * Sum of P(X = i) from i = k outward (step -1 down to 0, or +1 up to n), for 0 < p < 1.
 * The caller picks k on the far side of the mode, so the terms decrease monotonically.
 */
function sumOutward(k: number, n: number, p: number, step: -1 | 1): number {
  const odds = p / (1 - p);
  let term = pmf(k, n, p);
  let sum = term;
  for (let i = k; step < 0 ? i > 0 : i < n; i += step) {
    // Ratio of neighbouring terms: P(i+1)/P(i) = (n-i)/(i+1) * p/(1-p).
    term *= step < 0 ? i / ((n - i + 1) * odds) : ((n - i) * odds) / (i + 1);
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  return sum;
}

const clampProbability = (x: number): number => Math.min(1, Math.max(0, x));

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  checkArguments(n, p);
  k = Math.floor(k);
  if (k < 0) return 0;
  if (k >= n || p === 0) return 1;
  if (p === 1) return 0;
  // Terms below k shrink toward 0 when k is under the mode (n+1)p; otherwise sum the
  // complement, whose terms shrink toward n.
  const tail = k < (n + 1) * p ? sumOutward(k, n, p, -1) : 1 - sumOutward(k + 1, n, p, 1);
  return clampProbability(tail);
}

/** P(X >= k) for X ~ Binomial(n, p). */
export function binomialSf(k: number, n: number, p: number): number {
  checkArguments(n, p);
  k = Math.ceil(k);
  if (k <= 0) return 1;
  if (k > n || p === 0) return 0;
  if (p === 1) return 1;
  const tail = k + 1 > (n + 1) * p ? sumOutward(k, n, p, 1) : 1 - sumOutward(k - 1, n, p, -1);
  return clampProbability(tail);
}

/**
 * Equal-tailed exact two-sided p-value of k successes in n trials against share p0: twice the
 * smaller tail. It is at most alpha exactly when p0 lies outside the Clopper-Pearson interval
 * at 1 - alpha.
 */
export function equalTailedPValue(k: number, n: number, p0: number): number {
  return Math.min(1, 2 * Math.min(binomialCdf(k, n, p0), binomialSf(k, n, p0)));
}

/**
 * The point in [0, 1] where a monotone predicate switches from true to false (bisection to the
 * resolution of doubles).
 */
function switchPoint(holds: (p: number) => boolean): number {
  let low = 0;
  let high = 1;
  for (;;) {
    const mid = (low + high) / 2;
    if (mid === low || mid === high) return low;
    if (holds(mid)) low = mid;
    else high = mid;
  }
}

/**
 * Clopper-Pearson (exact, equal-tailed) confidence interval for a binomial proportion after
 * k successes in n trials: each bound leaves (1 - confidence)/2 in its tail. A share p0 lies
 * outside it exactly when the equal-tailed exact test at alpha = 1 - confidence rejects p0.
 */
export function clopperPearson(k: number, n: number, confidence: number): [number, number] {
  checkArguments(n, 0);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`clopperPearson: k must be an integer in [0, ${n}], got ${k}`);
  if (n === 0) throw new RangeError('clopperPearson: no trials');
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`clopperPearson: confidence must be in (0, 1), got ${confidence}`);
  const tail = (1 - confidence) / 2;
  // P(X >= k) grows with p and P(X <= k) shrinks with p.
  const lower = k === 0 ? 0 : switchPoint((p) => binomialSf(k, n, p) < tail);
  const upper = k === n ? 1 : switchPoint((p) => binomialCdf(k, n, p) >= tail);
  return [lower, upper];
}
