/**
 * Turns a validated spec into a Vitest test module: one `describe` per scenario, one `it` per
 * step, every call awaited (an unawaited async matcher lets its test pass). Each generated
 * line maps back to the YAML, so a failing step is reported at its line.
 */
import { describeStep, durationMs, type LoadedSpec, type Position } from '../spec/index.js';
import { lineSourceMap, type LineSourceMap } from './sourcemap.js';

/** Scenario setup creates and labels the namespace; teardown deletes it and waits. */
const HOOK_TIMEOUT_MS = 300_000;
/** Ceiling for steps without a timeout of their own; the runner applies each kind's default inside it. */
export const STEP_CEILING_MS = 600_000;
/** Room for the runner to report a step's own timeout before Vitest's fires. */
const STEP_GRACE_MS = 10_000;

interface CodegenOptions {
  /** Module that exports `scenarioRun` (absolute path or package specifier). */
  runtimeModule: string;
  rootDir: string;
}

export function generateTestModule(spec: LoadedSpec, options: CodegenOptions): { code: string; map: LineSourceMap } {
  const { scenario, positions } = spec;
  const lines: string[] = [];
  const origins: (Position | null)[] = [];
  const emit = (line: string, origin: Position) => {
    lines.push(line);
    origins.push(origin);
  };
  const top = positions.value([]);
  const json = JSON.stringify;

  emit(`import { describe, it, beforeAll, afterAll } from 'vitest';`, top);
  emit(`import { scenarioRun } from ${json(options.runtimeModule)};`, top);
  emit(`const run = scenarioRun(${json(scenario)}, ${json({ file: spec.file, rootDir: options.rootDir })});`, top);
  const describeOptions = scenario.tags.length > 0 ? `${json({ tags: scenario.tags })}, ` : '';
  emit(`describe(${json(`${scenario.name}: ${scenario.title}`)}, ${describeOptions}() => {`, positions.value(['name']));
  emit(`  beforeAll(async () => { await run.setup(); }, ${HOOK_TIMEOUT_MS});`, top);
  emit(`  afterAll(async () => { await run.teardown(); }, ${HOOK_TIMEOUT_MS});`, top);
  scenario.steps.forEach((step, index) => {
    const timeout = step.timeout ?? scenario.timeout;
    const timeoutMs = timeout ? durationMs(timeout) + STEP_GRACE_MS : STEP_CEILING_MS;
    emit(
      `  it(${json(describeStep(step))}, async (ctx) => { const why = run.skipReason(${index}); if (why) { ctx.skip(why); return; } await run.runStep(${index}, ctx); }, ${timeoutMs});`,
      positions.step(index),
    );
  });
  emit('});', top);
  return { code: `${lines.join('\n')}\n`, map: lineSourceMap(spec.file, spec.source, origins) };
}
