/**
 * Sequential sampling for `requests: auto` when a step has share-based expectations that are
 * splits, delay shares or abort shares (the latter two as two-way splits, e.g. delayed vs not
 * delayed): each gets harness/stats' sequential plan under its share of the step's budget, all
 * with looks at the same request counts; requests go out batch by batch, each plan decides on
 * the requests up to its looks until it stops, and sending stops once every plan has stopped
 * (and the step's other expectations have their fixed-sample sizes). Each plan only ever sees
 * the requests up to where it stops, so its error rates are exactly its own whatever the others
 * do, and the union bound holds for the step.
 *
 * Each expectation's matcher then decides on the requests its plan stopped at, with the
 * fixed-sample test (for two categories splitTest and shareTest are the same test). An early
 * pass always agrees with it; an early fail may not show in its p-value yet (the plan can fail
 * when the final test is certain to fail), so then the matcher decides on the plan's full
 * sample. This only ever turns a plan's fail into the final test's verdict, so the
 * false-failure rate stays within the plan's.
 */
import { tally } from '../../../matchers/engines.js';
import type { MatcherDefinition, SequentialCategories } from '../../../matchers/definition.js';
import { MATCHERS, type MatcherName } from '../../../matchers/registry.js';
import type { TrafficExpect } from '../../../spec/schema.js';
import { defaultBatch, requiredSampleSize, sequentialSplitPlan, splitTest, type SequentialPlan, type StatsPolicy } from '../../../stats/index.js';
import { appendTraffic } from '../../../traffic/send.js';
import type { TrafficResult } from '../../../contract/traffic.js';
import { DETERMINISTIC_REQUEST_COUNT } from './request-count.js';

/** What is sampled for one expectation: its matcher's categories. */
export interface SequentialTarget extends SequentialCategories {
  matcher: MatcherName;
}

interface PlannedTarget {
  target: SequentialTarget;
  plan: SequentialPlan;
}

interface SequentialRun {
  result: TrafficResult;
  /** For the step log and the report: where each plan stopped and why. */
  summary: string;
  /** Per matcher, the number of requests its verdict is decided on. */
  decidedOn: Map<string, number>;
}

/** The step's expectations that can be sampled sequentially: those whose matcher defines categories. */
export function sequentialTargetsOf(expect: TrafficExpect): SequentialTarget[] {
  return Object.entries(expect).flatMap(([name, args]) => {
    const { sequential } = MATCHERS[name as MatcherName] as MatcherDefinition;
    return sequential && args !== undefined ? [{ matcher: name as MatcherName, ...sequential(args) }] : [];
  });
}

/**
 * A plan per target under `policy` (each expectation's share of the step's budget), all with
 * the batch of the one that needs the fewest requests, so their looks fall on the same counts.
 * Looks are no closer than the fixed count of the deterministic expectations sent alongside,
 * nor than `concurrency`: a look waits for its slowest request, so a batch smaller than the
 * requests in flight leaves lanes idle (a 3s delay at concurrency 100 in looks of 48 took
 * longer than the whole fixed sample).
 */
export function plansFor(targets: readonly SequentialTarget[], policy: StatsPolicy, concurrency = 1): PlannedTarget[] {
  const fewest = Math.min(...targets.map((t) => requiredSampleSize({ kind: 'split', expectedPercent: t.expectedPercent }, policy)));
  const batch = Math.max(DETERMINISTIC_REQUEST_COUNT, concurrency, defaultBatch(fewest));
  return targets.map((target) => ({ target, plan: sequentialSplitPlan(target.expectedPercent, policy, { dimension: target.dimension, batch }) }));
}

/**
 * Sends look by look until every plan has stopped, then at least `least` requests in all (what
 * the step's other expectations need).
 */
export async function sendSequentially(
  planned: readonly PlannedTarget[],
  policy: StatsPolicy,
  least: number,
  send: (count: number) => Promise<TrafficResult>,
): Promise<SequentialRun> {
  let result: TrafficResult | undefined;
  const sendUpTo = async (total: number): Promise<TrafficResult> => {
    const missing = total - (result?.requests.length ?? 0);
    if (missing > 0) {
      const more = await send(missing);
      result = result ? appendTraffic(result, more) : more;
    }
    return result!;
  };
  const decidedOn = new Map<string, number>();
  const notes: string[] = [];
  const looks = [...new Set(planned.flatMap(({ plan }) => plan.looks))].sort((a, b) => a - b);
  for (const look of looks) {
    const deciding = planned.filter(({ target, plan }) => !decidedOn.has(target.matcher) && plan.looks.includes(look));
    if (deciding.length === 0) continue;
    const sent = (await sendUpTo(look)).requests.slice(0, look);
    for (const { target, plan } of deciding) {
      const counts = tally(sent, target.categoryOf);
      const decision = plan.decide(counts);
      if (!decision.stop) continue;
      if (splitTest(counts, target.expectedPercent, policy, target.dimension).pass === decision.pass) {
        decidedOn.set(target.matcher, look);
        notes.push(`${target.matcher} stopped after ${look} requests: ${decision.reason}`);
      } else {
        decidedOn.set(target.matcher, plan.maxRequests);
        notes.push(`${target.matcher} would fail after ${look} requests (${decision.reason}); decided on the full ${plan.maxRequests}`);
      }
    }
    if (decidedOn.size === planned.length) break;
  }
  if (decidedOn.size < planned.length)
    throw new Error(`sequential plans for ${planned.map(({ plan }) => plan.hypothesis).join('; ')} ended without a decision`);
  const full = await sendUpTo(Math.max(least, ...decidedOn.values()));
  const extra = full.requests.length > Math.max(...decidedOn.values()) ? `; sent ${full.requests.length} for the other expectations` : '';
  return { result: full, summary: `sequential sampling: ${notes.join('; ')}${extra}`, decidedOn };
}
