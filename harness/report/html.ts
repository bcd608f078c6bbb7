/**
 * The HTML report: ONE self-contained file (inline CSS and SVG, no scripts, no network) that a
 * CI job can upload. Every scenario and step with its verdict; for every traffic step, a chart
 * of observed shares against expected with interval whiskers, and a latency histogram.
 */
import { resolve } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { formatMs } from '../contract/format.js';
import { ReportDestinationError, writeReportFile } from './destination.js';
import { runReportFrom } from './run-model.js';
import { escapeHtml, latencyHistogramSvg, shareChartSvg } from './svg.js';
import { probability } from '../contract/format.js';
import { formatTally } from './text.js';
import type { RunReport, ScenarioEntry, StepEntry, TaskVerdict, TrafficReport } from './types.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1040px;color:#1d2330;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}.meta{color:#5b6474;margin-bottom:16px}
.totals span{display:inline-block;margin-right:14px;font-weight:600}
details.scenario{border:1px solid #d7dbe3;border-radius:8px;margin:10px 0;padding:6px 12px}
details.scenario>summary{cursor:pointer;font-weight:600;font-size:15px;padding:4px 0}
.file{color:#5b6474;font-weight:400;font-size:12px;margin-left:8px}
.step{border-top:1px solid #eceef3;padding:8px 0}.step-head{display:flex;gap:10px;align-items:baseline}
.badge{font-size:11px;font-weight:700;text-transform:uppercase;border-radius:4px;padding:1px 6px;color:#fff}
.passed{background:#1f8a4c}.failed{background:#c62828}.skipped,.pending{background:#8a93a3}
.duration{color:#5b6474;font-size:12px;margin-left:auto}
pre{background:#f6f7f9;border:1px solid #e3e6ec;border-radius:6px;padding:8px;overflow-x:auto;font-size:12px;line-height:1.3}
.traffic{margin:6px 0 0 0}.outcome{margin:8px 0}.outcome .detail{color:#3b4351;font-size:13px}
.charts{display:flex;flex-wrap:wrap;gap:12px}
svg.chart{background:#fff;border:1px solid #e3e6ec;border-radius:6px}
svg .grid{stroke:#e3e6ec;stroke-width:1}svg .axis{fill:#6b7383;font-size:11px}
svg .label{fill:#1d2330;font-size:12px}svg .value{fill:#3b4351;font-size:11px}
svg .bar.pass{fill:#8fd1a8}svg .bar.fail{fill:#f2a0a0}svg .bar.latency{fill:#9db8e8}
svg .whisker{stroke:#1d2330;stroke-width:1.5}svg .expected{stroke:#6a1b9a;stroke-width:3}
.legend{font-size:12px;color:#5b6474}
`;

export function renderHtmlReport(run: RunReport): string {
  const counts = countVerdicts(run.scenarios.flatMap((s) => s.steps.map((step) => step.verdict)));
  const totals = (Object.entries(counts) as [TaskVerdict, number][])
    .filter(([, n]) => n > 0)
    .map(([verdict, n]) => `<span class="${verdict}-text">${n} ${verdict}</span>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(run.title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(run.title)}</h1>
<div class="meta">generated ${escapeHtml(run.generatedAt)} · ${run.scenarios.length} scenarios</div>
<div class="totals">steps: ${totals || 'none'}</div>
<p class="legend">Charts: bar = observed share, whisker = its confidence interval, purple tick = expected share. A share passes when the expected share lies inside its interval.</p>
${run.scenarios.map(renderScenario).join('\n')}
</body></html>
`;
}

function renderScenario(scenario: ScenarioEntry): string {
  return `<details class="scenario" ${scenario.verdict === 'failed' ? 'open' : ''}><summary>${badge(scenario.verdict)} ${escapeHtml(scenario.name)}<span class="file">${escapeHtml(scenario.file)}</span></summary>
${scenario.steps.map(renderStep).join('\n')}
</details>`;
}

function renderStep(step: StepEntry): string {
  const duration = step.durationMs === undefined ? '' : `<span class="duration">${formatMs(step.durationMs)}</span>`;
  const errors = step.errors.map((e) => `<pre class="error">${escapeHtml(e)}</pre>`).join('');
  const traffic = step.report?.traffic ? renderTraffic(step.report.traffic) : '';
  const diagnostics = (step.diagnostics ?? []).map((d) => `<pre class="diagnostics">${escapeHtml(d)}</pre>`).join('');
  return `<div class="step"><div class="step-head">${badge(step.verdict)}<span>${escapeHtml(step.name)}</span>${duration}</div>${traffic}${errors}${diagnostics}</div>`;
}

function renderTraffic(traffic: TrafficReport): string {
  const outcomes = traffic.outcomes
    .map((o) => {
      const chart = o.shares?.length ? shareChartSvg(o.shares, o.pass, o.hypothesis ?? o.matcher) : '';
      const p = o.pValue === undefined ? '' : ` · p = ${probability(o.pValue)}`;
      return `<div class="outcome">${badge(o.pass ? 'passed' : 'failed')} <code>${escapeHtml(o.matcher)}</code>${o.hypothesis ? ` ${escapeHtml(o.hypothesis)}` : ''}
<div class="detail">${escapeHtml(o.detail)}${p}</div>${chart}</div>`;
    })
    .join('');
  return `<div class="traffic"><div class="detail">${traffic.n} requests from <code>${escapeHtml(traffic.from)}</code> to <code>${escapeHtml(traffic.to)}</code> in ${formatMs(traffic.durationMs)} · statuses ${escapeHtml(formatTally(traffic.statuses))}${traffic.sampling ? `<br>${escapeHtml(traffic.sampling)}` : ''}</div>
${outcomes}<div class="charts">${latencyHistogramSvg(traffic.latency)}</div></div>`;
}

function badge(verdict: TaskVerdict): string {
  return `<span class="badge ${verdict}">${verdict}</span>`;
}

function countVerdicts(verdicts: readonly TaskVerdict[]): Record<TaskVerdict, number> {
  const counts: Record<TaskVerdict, number> = { failed: 0, passed: 0, skipped: 0, pending: 0 };
  for (const verdict of verdicts) counts[verdict]++;
  return counts;
}

export interface HtmlReporterOptions {
  /** Where the report is written (default meshspec-report.html); relative to the working directory. */
  outputFile?: string;
  title?: string;
}

export const DEFAULT_HTML_REPORT = 'meshspec-report.html';

/**
 * A Vitest reporter that writes the HTML report when the run ends. Register an instance
 * (`reporters: ['default', new HtmlReporter({outputFile})]`) or this module's path with options
 * (`reporters: ['default', ['<module path>', {outputFile}]]`): Vitest constructs a custom
 * reporter from the module's default export with those options.
 */
export class HtmlReporter implements Reporter {
  /** The absolute path the report is written to. */
  readonly outputFile: string;

  private logger: Vitest['logger'] | undefined;

  constructor(private readonly options: HtmlReporterOptions = {}) {
    this.outputFile = resolve(options.outputFile ?? DEFAULT_HTML_REPORT);
  }

  onInit(vitest: Vitest): void {
    this.logger = vitest.logger;
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    try {
      await writeReportFile(this.outputFile, renderHtmlReport(runReportFrom(testModules, this.options.title ?? 'meshspec report')));
      // As Vitest's JUnit reporter does, so the file is easy to find after a run.
      this.logger?.log(`HTML report written to ${this.outputFile}`);
    } catch (error) {
      if (!(error instanceof ReportDestinationError)) throw error;
      // Thrown, it would be a stack trace under Vitest's "Unhandled Error": one line and a failed run instead.
      process.stderr.write(`meshspec: ${error.message}; ${error.hint}\n`);
      process.exitCode = 1;
    }
  }
}

export default HtmlReporter;
