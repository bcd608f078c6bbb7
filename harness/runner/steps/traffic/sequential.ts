/**
 * Sequential sampling for `requests: auto` when the step's only share-based expectation is a
 * split, a delay share or an abort share (the latter two as two-way splits, e.g. delayed vs
 * not delayed): send the plan's batches and stop at the first look where harness/stats'
 * sequential plan settles the verdict, usually after a fraction of the fixed-sample size.
 *
 * The matcher then decides on the requests sent, with the fixed-sample test (for two
 * categories splitTest and shareTest are the same test). An early pass always agrees with it;
 * an early fail may not show in its p-value yet (the plan can fail when the final test is
 * certain to fail), so then the plan's full sample is sent and the matcher decides on that.
 * This only ever turns a plan's fail into the final test's verdict, so the false-failure rate
 * stays within the plan's.
 */
import { tally } from '../../../matchers/engines.js';
import { valueAt } from '../../../matchers/traffic.js';
import { durationMs } from '../../../spec/duration.js';
import type { TrafficExpect } from '../../../spec/schema.js';
import { sequentialSplitPlan, splitTest, type SequentialPlan } from '../../../stats/index.js';
import { appendTraffic } from '../../../traffic/send.js';
import type { RequestRecord, TrafficResult } from '../../../traffic/types.js';
import { DETERMINISTIC_REQUEST_COUNT, statisticalExpectations } from './request-count.js';

/** What is sampled: each request falls in one category, expected in these percentages. */
export interface SequentialTarget {
  expectedPercent: Record<string, number>;
  dimension: string;
  categoryOf(request: RequestRecord): string;
}

export interface SequentialRun {
  result: TrafficResult;
  /** For the step log and the report: where sampling stopped and why. */
  summary: string;
}

const HIT = 'hit';
const MISS = 'miss';

function twoWay(label: string, percent: number, hit: (request: RequestRecord) => boolean): SequentialTarget {
  return { expectedPercent: { [HIT]: percent, [MISS]: 100 - percent }, dimension: label, categoryOf: (r) => (hit(r) ? HIT : MISS) };
}

/** The target to sample sequentially, when the step's only share-based expectation allows one. */
export function sequentialTargetOf(expect: TrafficExpect): SequentialTarget | undefined {
  if (statisticalExpectations(expect).length !== 1) return undefined;
  const { toSplitTraffic: split, toInjectDelay: delay, toAbortWith: abort } = expect;
  if (split) return { expectedPercent: split.split, dimension: split.by, categoryOf: (r) => valueAt(r, split.by) };
  if (delay) {
    const delayMs = durationMs(delay.delay);
    return twoWay(`delayed >= ${delay.delay}`, delay.share, (r) => r.latencyMs >= delayMs);
  }
  if (abort) return twoWay(`status ${abort.status}`, abort.share, (r) => r.status === abort.status);
  return undefined;
}

export function planFor(target: SequentialTarget): SequentialPlan {
  const options = { dimension: target.dimension };
  const plan = sequentialSplitPlan(target.expectedPercent, undefined, options);
  // Looks no closer than the fixed count of the deterministic expectations sent alongside.
  if (plan.looks[0] >= DETERMINISTIC_REQUEST_COUNT) return plan;
  return sequentialSplitPlan(target.expectedPercent, undefined, { ...options, batch: DETERMINISTIC_REQUEST_COUNT });
}

export async function sendSequentially(
  target: SequentialTarget,
  plan: SequentialPlan,
  send: (count: number) => Promise<TrafficResult>,
): Promise<SequentialRun> {
  let result: TrafficResult | undefined;
  const sendUpTo = async (total: number) => {
    const more = await send(total - (result?.requests.length ?? 0));
    result = result ? appendTraffic(result, more) : more;
    return result;
  };
  for (const look of plan.looks) {
    const sent = await sendUpTo(look);
    const counts = tally(sent.requests, target.categoryOf);
    const decision = plan.decide(counts);
    if (!decision.stop) continue;
    if (splitTest(counts, target.expectedPercent, undefined, target.dimension).pass === decision.pass) {
      return { result: sent, summary: `sequential sampling stopped: ${decision.reason}` };
    }
    const full = look < plan.maxRequests ? await sendUpTo(plan.maxRequests) : sent;
    return { result: full, summary: `sequential sampling would fail after ${look} requests (${decision.reason}); sent the full ${plan.maxRequests}` };
  }
  throw new Error(`sequential plan for ${plan.hypothesis} ended without a decision`);
}
