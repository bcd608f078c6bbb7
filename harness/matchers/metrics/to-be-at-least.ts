/** Matchers on a Prometheus query's answer. */
import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { defineMatcher } from '../definition.js';
import { conclude, expectReceived, type MatcherResult } from '../engines.js';

/** One series of an instant query's answer. */
export interface MetricSeries {
  labels: Record<string, string>;
  value: number;
}

/** What a metrics step measured: every series of the query, and their sum. */
export interface MetricSample {
  kind: 'meshspec.metric';
  query: string;
  value: number;
  series: MetricSeries[];
}

function isMetricSample(value: unknown): value is MetricSample {
  return typeof value === 'object' && value !== null && (value as MetricSample).kind === 'meshspec.metric';
}

const SHOWN_SERIES = 10;

export const toBeAtLeast = defineMatcher({
  subject: 'metrics',
  spec: z.number(),
  description: "The metric's summed value is at least this.",
  example: '`1`',
  match(this: MatcherState, received: unknown, expected: number): MatcherResult {
    const sample = expectReceived(received, 'toBeAtLeast', 'a MetricSample (from a metrics step)', isMetricSample);
    return conclude(this, {
      matcher: 'toBeAtLeast',
      received: 'metric',
      expected,
      pass: sample.value >= expected,
      detail: `${sample.query} sums to ${sample.value} over ${sample.series.length} series`,
      findings: () => [
        ...sample.series.slice(0, SHOWN_SERIES).map((s) => `  ${JSON.stringify(s.labels)} ${s.value}`),
        ...(sample.series.length > SHOWN_SERIES ? [`  ... and ${sample.series.length - SHOWN_SERIES} more series`] : []),
      ],
    });
  },
});
