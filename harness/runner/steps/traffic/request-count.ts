/**
 * How many requests a traffic step sends with `requests: auto`, and under which policy each
 * share-based expectation is decided: the step's share-based expectations share one
 * false-failure budget (familyPolicy), and `auto` sends as many requests as the most demanding
 * of them needs to keep the policy's power at its share of it; a fixed count where every
 * request is checked on its own.
 */
import { canFailByChance, familyPolicy, requiredSampleSize, type Expectation, type StatsPolicy } from '../../../stats/index.js';
import type { MatcherDefinition } from '../../../matchers/definition.js';
import { MATCHERS, type MatcherName } from '../../../matchers/registry.js';
import type { TrafficExpect } from '../../../spec/schema.js';

/** Enough requests that a property every request must have is seen on several connections and pods. */
export const DETERMINISTIC_REQUEST_COUNT = 20;

/** A share-based expectation of a step: its matcher and the statistical question behind it. */
interface StatisticalExpectation {
  matcher: MatcherName;
  expectation: Expectation;
}

/** The statistical question behind each share-based expectation, as its matcher defines it. */
export function statisticalExpectations(expect: TrafficExpect): StatisticalExpectation[] {
  return Object.entries(expect).flatMap(([name, args]) => {
    const { question } = MATCHERS[name as MatcherName] as MatcherDefinition;
    return question && args !== undefined ? [{ matcher: name as MatcherName, expectation: question(args) }] : [];
  });
}

/** The policy each of the step's share-based expectations is decided under. */
export function expectationPolicy(expect: TrafficExpect, policy?: Partial<StatsPolicy>): StatsPolicy {
  return familyPolicy(
    statisticalExpectations(expect).map((e) => e.expectation),
    policy,
  );
}

/**
 * The number of requests each expectation that can fail by chance is decided on without
 * sequential sampling: what its fixed-sample test is planned for under the step's policy, so
 * it keeps exactly its share of the budget and its power also when others need more requests.
 * One that cannot fail by chance (a share of 0% or 100%) is decided on every request sent.
 */
export function plannedSamples(expectations: readonly StatisticalExpectation[], policy: StatsPolicy): Map<string, number> {
  return new Map(expectations.filter((e) => canFailByChance(e.expectation)).map((e) => [e.matcher, requiredSampleSize(e.expectation, policy)]));
}

/** The fewest requests that give each expectation its planned sample (and deterministic ones theirs). */
export function leastRequests(expectations: readonly StatisticalExpectation[], policy: StatsPolicy): number {
  return Math.max(DETERMINISTIC_REQUEST_COUNT, ...expectations.map((e) => requiredSampleSize(e.expectation, policy)));
}

/** `requests: auto` without sequential sampling. */
export function autoRequestCount(expect: TrafficExpect, policy?: Partial<StatsPolicy>): number {
  return leastRequests(statisticalExpectations(expect), expectationPolicy(expect, policy));
}
