/**
 * From Vitest's reported tasks to the report's run model: a spec file's scenario is its
 * top-level `describe`, each step a test; a step's data is what it attached to
 * `task.meta.meshspec`, its diagnostics the annotations of type `diagnostics`. Typed
 * structurally, so Vitest's TestModule fits and tests can pass plain objects.
 */
import { DIAGNOSTICS_ANNOTATION, type RunReport, type ScenarioEntry, type StepEntry, type StepReport, type TaskVerdict } from './types.js';

export interface ReportedTest {
  readonly type: 'test';
  readonly name: string;
  result(): { readonly state: TaskVerdict; readonly errors?: ReadonlyArray<{ message: string; diff?: string }> };
  meta(): object;
  annotations(): ReadonlyArray<{ readonly type: string; readonly message: string }>;
  diagnostic(): { readonly duration: number } | undefined;
}

interface ReportedSuite {
  readonly type: 'suite';
  readonly name: string;
  readonly children: ReportedChildren;
}

interface ReportedChildren {
  array(): ReadonlyArray<ReportedSuite | ReportedTest>;
  allTests(): Iterable<ReportedTest>;
}

export interface ReportedModule {
  readonly relativeModuleId: string;
  readonly children: ReportedChildren;
}

// Colours and styles of terminal output, removed for the HTML page.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is exactly what an ANSI style code starts with
const ANSI = /\u001b\[[0-9;]*m/g;

export function runReportFrom(modules: readonly ReportedModule[], title: string, now = new Date()): RunReport {
  return { title, generatedAt: now.toISOString(), scenarios: modules.flatMap(scenariosOf) };
}

function scenariosOf(module: ReportedModule): ScenarioEntry[] {
  const children = module.children.array();
  const suites = children.filter((c): c is ReportedSuite => c.type === 'suite');
  const loose = children.filter((c): c is ReportedTest => c.type === 'test');
  return [
    ...suites.map((suite) => scenario(suite.name, module.relativeModuleId, [...suite.children.allTests()])),
    ...(loose.length ? [scenario(module.relativeModuleId, module.relativeModuleId, loose)] : []),
  ];
}

function scenario(name: string, file: string, tests: ReportedTest[]): ScenarioEntry {
  const steps = tests.map(step);
  return { name, file, verdict: overallVerdict(steps.map((s) => s.verdict)), steps };
}

function step(test: ReportedTest): StepEntry {
  const result = test.result();
  const report = (test.meta() as { meshspec?: StepReport }).meshspec;
  const duration = test.diagnostic()?.duration;
  const diagnostics = test
    .annotations()
    .filter((a) => a.type === DIAGNOSTICS_ANNOTATION)
    .map((a) => a.message.replace(ANSI, ''));
  return {
    name: test.name,
    verdict: result.state,
    ...(duration === undefined ? {} : { durationMs: duration }),
    errors: (result.errors ?? []).map((e) => e.message.replace(ANSI, '')),
    ...(diagnostics.length ? { diagnostics } : {}),
    ...(report ? { report } : {}),
  };
}

/** Failed if any step failed; passed if any passed and none failed; else skipped or pending. */
function overallVerdict(verdicts: readonly TaskVerdict[]): TaskVerdict {
  for (const verdict of ['failed', 'passed', 'pending'] as const) if (verdicts.includes(verdict)) return verdict;
  return 'skipped';
}
