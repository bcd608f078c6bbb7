/** The traffic step's summary for the HTML report: what was sent, what came back, what was decided. */
import { statusTally } from '../../../matchers/engines.js';
import type { MatcherOutcome, TrafficReport } from '../../../report/types.js';
import { summarizeLatency } from '../../../stats/latency.js';
import type { TrafficResult } from '../../../contract/traffic.js';

export function trafficReport(result: TrafficResult, outcomes: readonly MatcherOutcome[], sampling?: string): TrafficReport {
  return {
    from: result.from,
    to: result.to,
    n: result.requests.length,
    durationMs: result.durationMs,
    statuses: statusTally(result.requests),
    latency: summarizeLatency(result.requests),
    outcomes: [...outcomes],
    ...(sampling ? { sampling } : {}),
  };
}
