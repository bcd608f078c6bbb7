/** Expected splits: validation, how they read, and how many tests a split needs. */
import { percent } from '../contract/format.js';

export function checkPercent(what: string, value: number): void {
  if (!(value >= 0 && value <= 100)) throw new RangeError(`${what} must be in [0, 100], got ${value}`);
}

/** Expected percentages (summing to 100) as shares in [0, 1], keyed by category. */
export function expectedShares(expectedPercent: Record<string, number>): Map<string, number> {
  const entries = Object.entries(expectedPercent);
  if (entries.length === 0) throw new RangeError('split: no expected categories');
  for (const [key, value] of entries) checkPercent(`split: expected share of ${key}`, value);
  const total = entries.reduce((sum, [, value]) => sum + value, 0);
  // Tolerates rounding in user-written thirds such as 33.33 / 33.33 / 33.34.
  if (Math.abs(total - 100) > 0.01) throw new RangeError(`split: expected percentages must sum to 100, got ${total}`);
  return new Map(entries.map(([key, value]) => [key, value / total]));
}

/**
 * Number of per-category tests the false-failure budget is split over (Bonferroni).
 *
 * A split is decided by one exact two-sided binomial test per category, each at
 * falseFailure / m, rather than by one multinomial test: the union bound holds whatever the
 * dependence between categories, each category gets its own p-value and Clopper-Pearson
 * interval that a report can draw, and the power against a category off by d is that of a
 * plain binomial test, so sample sizes come from exact binomial sums. The price is a little
 * conservatism for three or more categories.
 *
 * Categories expected at 0% or 100% never fail by chance (a contrary observation is
 * impossible when the mesh is right), so they take no share of the budget. With two
 * uncertain categories the two tests are the same test (when the mesh is right every other
 * category is empty, so one count is n minus the other), so the budget is not split at all.
 */
export function splitComparisons(shares: Iterable<number>): number {
  const uncertain = [...shares].filter((share) => share > 0 && share < 1).length;
  return uncertain <= 2 ? 1 : uncertain;
}

/** "shares by version are v1 75%, v2 25%" */
export function splitHypothesis(expected: Map<string, number>, dimension?: string): string {
  const shares = [...expected].map(([key, share]) => `${key} ${percent(share)}`).join(', ');
  return `shares${dimension ? ` by ${dimension}` : ''} are ${shares}`;
}
