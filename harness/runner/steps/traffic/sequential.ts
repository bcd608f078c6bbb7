/**
 * Sequential sampling for `requests: auto` when a split is the step's only share-based
 * expectation: send the plan's batches and stop at the first look where harness/stats'
 * sequential plan settles the verdict, usually after a fraction of the fixed-sample size.
 *
 * The matcher then decides on the requests sent, with the fixed-sample splitTest. An early
 * pass always agrees with it; an early fail may not show in its p-value yet (the plan can fail
 * when the final test is certain to fail), so then the plan's full sample is sent and the
 * matcher decides on that. This only ever turns a plan's fail into the final test's verdict,
 * so the false-failure rate stays within the plan's.
 */
import { valueAt } from '../../../matchers/traffic.js';
import { tally } from '../../../matchers/engines.js';
import type { TrafficExpect } from '../../../spec/schema.js';
import { sequentialSplitPlan, splitTest, type SequentialPlan } from '../../../stats/index.js';
import { appendTraffic } from '../../../traffic/send.js';
import type { TrafficResult } from '../../../traffic/types.js';
import { DETERMINISTIC_REQUEST_COUNT, statisticalExpectations } from './request-count.js';

type Split = NonNullable<TrafficExpect['toSplitTraffic']>;

export interface SequentialRun {
  result: TrafficResult;
  /** For the step log and the report: where sampling stopped and why. */
  summary: string;
}

/** The split to sample sequentially, when a split is the step's only share-based expectation. */
export function sequentialSplitOf(expect: TrafficExpect): Split | undefined {
  return statisticalExpectations(expect).length === 1 ? expect.toSplitTraffic : undefined;
}

export function planFor(split: Split): SequentialPlan {
  const fixed = sequentialSplitPlan(split.split, undefined, { dimension: split.by });
  // Looks no closer than the fixed count of the deterministic expectations sent alongside.
  const batch = Math.max(DETERMINISTIC_REQUEST_COUNT, fixed.looks[0]);
  return batch === fixed.looks[0] ? fixed : sequentialSplitPlan(split.split, undefined, { dimension: split.by, batch });
}

export async function sendSequentially(
  split: Split,
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
    const counts = tally(sent.requests, (r) => valueAt(r, split.by));
    const decision = plan.decide(counts);
    if (!decision.stop) continue;
    if (splitTest(counts, split.split, undefined, split.by).pass === decision.pass) {
      return { result: sent, summary: `sequential sampling stopped: ${decision.reason}` };
    }
    const full = look < plan.maxRequests ? await sendUpTo(plan.maxRequests) : sent;
    return { result: full, summary: `sequential sampling would fail after ${look} requests (${decision.reason}); sent the full ${plan.maxRequests}` };
  }
  throw new Error(`sequential plan for ${plan.hypothesis} ended without a decision`);
}
