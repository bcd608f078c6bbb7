/**
 * The one failure-message builder every meshspec matcher uses, so all failures read alike:
 * a header in Vitest's own `expect(received).matcher(expected)` form, what was expected, the
 * hypothesis and its verdict with a bar chart of shares, then matcher-specific findings and,
 * where latency matters, the latency distribution.
 */
import { lineCollector, writeLatency, writeShareChart } from '../report/text.js';
import { probability } from '../contract/format.js';
import type { Verdict } from '../stats/verdict.js';
import type { LatencySummary } from '../stats/latency.js';

export interface FailureMessage {
  matcher: string;
  /** How the received value is named in the header: traffic, pods, services, metric. */
  received: string;
  isNot: boolean;
  /** Printed after "Expected:"; omitted when the matcher takes no argument. */
  expected?: unknown;
  /** One line: what was found, or why the assertion failed. */
  detail: string;
  verdict?: Verdict;
  /** Lines of what was observed, e.g. offending requests or pods. */
  findings?: readonly string[];
  latency?: LatencySummary;
}

export function buildMessage(message: FailureMessage): string {
  const out = lineCollector();
  const not = message.isNot ? '.not' : '';
  const argument = message.expected === undefined ? '' : 'expected';
  out.line(`expect(${message.received})${not}.${message.matcher}(${argument})`);
  out.line();
  if (message.expected !== undefined) out.line(`Expected${message.isNot ? ' not' : ''}: ${JSON.stringify(message.expected)}`);
  const verdict = message.verdict;
  if (verdict) out.line(`Hypothesis: ${verdict.hypothesis}`);
  out.line(`Result: ${message.detail}`);
  if (verdict) {
    out.line();
    writeShareChart(out, verdict.shares, verdict.hypothesis.includes('at least') ? 'minimum' : 'expected');
    out.line();
    out.line(`n = ${verdict.n}, p = ${probability(verdict.pValue)}`);
  }
  if (message.findings?.length) {
    if (verdict) out.line();
    for (const finding of message.findings) out.line(finding);
  }
  if (message.latency) {
    out.line();
    writeLatency(out, message.latency);
  }
  return out.text();
}
