/**
 * `requests: auto`: as many requests as the most demanding expectation needs to meet the
 * statistics policy (false failures at most 1e-4, a 10-point error caught with 0.99 by
 * default); a fixed count where every request is checked on its own.
 */
import { requiredSampleSize, type Expectation, type StatsPolicy } from '../../../stats/index.js';
import type { TrafficExpect } from '../../../spec/schema.js';

/** Enough requests that a property every request must have is seen on several connections and pods. */
export const DETERMINISTIC_REQUEST_COUNT = 20;

/** The statistical question behind each share-based expectation. */
export function statisticalExpectations(expect: TrafficExpect): Expectation[] {
  return [
    ...(expect.toSplitTraffic ? [{ kind: 'split' as const, expectedPercent: expect.toSplitTraffic.split }] : []),
    ...(expect.toInjectDelay ? [{ kind: 'share' as const, percent: expect.toInjectDelay.share }] : []),
    ...(expect.toAbortWith ? [{ kind: 'share' as const, percent: expect.toAbortWith.share }] : []),
    ...(expect.toMirrorTo ? [{ kind: 'share' as const, percent: expect.toMirrorTo.share }] : []),
    ...(expect.toSucceed ? [{ kind: 'min' as const, percent: expect.toSucceed.atLeast }] : []),
  ];
}

export function autoRequestCount(expect: TrafficExpect, policy?: Partial<StatsPolicy>): number {
  return Math.max(DETERMINISTIC_REQUEST_COUNT, ...statisticalExpectations(expect).map((e) => requiredSampleSize(e, policy)));
}
