/** Reports: diagnostics on failure, the HTML report (a Vitest reporter), and checks of where reports are written. */
export { collectDiagnostics } from './diagnostics.js';
export { checkReportDestinations, reportDestinations, ReportDestinationError } from './destination.js';
export { DEFAULT_HTML_REPORT, HtmlReporter, renderHtmlReport, type HtmlReporterOptions } from './html.js';
export { runReportFrom } from './run-model.js';
export { lineCollector, writeLatency, writeShareChart, type TextTarget } from './text.js';
export type { MatcherOutcome, RunReport, ScenarioEntry, StepEntry, StepReport, TrafficReport } from './types.js';
