/** The traffic step's summary for the HTML report: what was sent, what came back, what was decided. */
import type { MatcherOutcome, TrafficReport } from '../../../report/types.js';
import { summarizeLatency } from '../../../traffic/latency.js';
import type { TrafficResult } from '../../../traffic/types.js';

export function trafficReport(result: TrafficResult, outcomes: readonly MatcherOutcome[]): TrafficReport {
  const statuses: Record<string, number> = {};
  for (const request of result.requests) statuses[request.status] = (statuses[request.status] ?? 0) + 1;
  return {
    from: result.from,
    to: result.to,
    n: result.requests.length,
    durationMs: result.durationMs,
    statuses,
    latency: summarizeLatency(result.requests),
    outcomes: [...outcomes],
  };
}
