/**
 * What a step attaches to its Vitest task for the reports (`task.meta.meshspec`, and the
 * diagnostics annotation), and the run model the HTML report is drawn from. Plain JSON: it
 * crosses from worker to main process.
 */
import type { ShareEstimate } from '../stats/verdict.js';
import type { LatencySummary } from '../stats/latency.js';

/** One matcher's decision on a traffic batch. */
export interface MatcherOutcome {
  /** e.g. "toSplitTraffic", ".not.toBeBlocked". */
  matcher: string;
  pass: boolean;
  /** The statistical hypothesis, for share-based matchers. */
  hypothesis?: string;
  shares?: ShareEstimate[];
  pValue?: number;
  /** One line: why it passed or failed. */
  detail: string;
}

export interface TrafficReport {
  from: string;
  to: string;
  n: number;
  durationMs: number;
  /** Requests per HTTP status ("0" = no response). */
  statuses: Record<string, number>;
  latency: LatencySummary;
  outcomes: MatcherOutcome[];
  /** How the request count was reached when sampled sequentially. */
  sampling?: string;
}

/** The `meshspec` entry of a step's task meta. */
export interface StepReport {
  traffic?: TrafficReport;
  [key: string]: unknown;
}

/**
 * The type of the Vitest annotation (`context.annotate`) that carries a failed step's
 * diagnostics summary. An annotation rather than text in the failure: Vitest's terminal
 * reporters print it after the failure, JUnit keeps it as a property, and the HTML report
 * reads it apart from the failure message.
 */
export const DIAGNOSTICS_ANNOTATION = 'diagnostics';

export type TaskVerdict = 'passed' | 'failed' | 'skipped' | 'pending';

export interface StepEntry {
  name: string;
  verdict: TaskVerdict;
  durationMs?: number;
  /** Failure messages, ANSI colours removed. */
  errors: string[];
  /** Diagnostics summaries of the step's failed attempts (a retried step may have several). */
  diagnostics?: string[];
  report?: StepReport;
}

export interface ScenarioEntry {
  name: string;
  /** The spec file, relative to the project root. */
  file: string;
  verdict: TaskVerdict;
  steps: StepEntry[];
}

export interface RunReport {
  title: string;
  generatedAt: string;
  scenarios: ScenarioEntry[];
}
