/**
 * What a step attaches to its Vitest task (`task.meta.meshspec`) for the reports, and the
 * run model the HTML report is drawn from. Plain JSON: it crosses from worker to main process.
 */
import type { ShareEstimate } from '../stats/verdict.js';
import type { LatencySummary } from '../traffic/latency.js';

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
  /** The failure's diagnostics summary (collectDiagnostics), as the runner attaches it. */
  diagnostics?: string;
  [key: string]: unknown;
}

export type TaskVerdict = 'passed' | 'failed' | 'skipped' | 'pending';

export interface StepEntry {
  name: string;
  verdict: TaskVerdict;
  durationMs?: number;
  /** Failure messages, ANSI colours removed. */
  errors: string[];
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
