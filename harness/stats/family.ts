/**
 * One false-failure budget for a family of share-based assertions decided on the same traffic
 * (a step's expectations), instead of one per assertion: with k assertions that can fail by
 * chance, each gets falseFailure / k (Bonferroni), so by the union bound a correct mesh fails
 * the step at most falseFailure of the time whatever the dependence between them. Power stays
 * the policy's for each assertion at its share of the budget, which is what sample sizes (and
 * sequential plans) are then computed for.
 */
import { resolvePolicy, type StatsPolicy } from './policy.js';
import type { Expectation } from './sample-size.js';
import { expectedShares } from './split.js';

const uncertain = (share: number): boolean => share > 0 && share < 1;

/**
 * Whether a correct mesh can fail the assertion at all. Shares of 0% or 100% (and a minimum of
 * 0% or 100%) fail only on an observation that is impossible when the mesh is right, so they
 * take no share of the budget, as a split's 0% and 100% categories take none of the split's.
 */
export function canFailByChance(expectation: Expectation): boolean {
  if (expectation.kind === 'split') return [...expectedShares(expectation.expectedPercent).values()].some(uncertain);
  return uncertain(expectation.percent / 100);
}

/** The policy each of the assertions is decided under so that together they meet `policy`. */
export function familyPolicy(expectations: readonly Expectation[], policy?: Partial<StatsPolicy>): StatsPolicy {
  const resolved = resolvePolicy(policy);
  const sharing = expectations.filter(canFailByChance).length;
  return sharing <= 1 ? resolved : { ...resolved, falseFailure: resolved.falseFailure / sharing };
}
