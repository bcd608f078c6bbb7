/**
 * Diagnostics of a failed step, collected by the report's collector within a budget: the
 * plugin gives Vitest only a few seconds beyond the step's own timeout, and diagnostics must
 * never turn a readable failure into Vitest's bare "test timed out".
 */
import { join } from 'node:path';
import type { TestContext } from 'vitest';
import { describeApiError } from '../kube/index.js';
import { collectDiagnostics } from '../report/diagnostics.js';
import { DIAGNOSTICS_ANNOTATION } from '../report/types.js';
import type { StepContext } from './types.js';

const DIAGNOSTICS_BUDGET_MS = 8_000;

/** Collects the diagnostics and attaches their summary to the step's test as an annotation, for the reporters. */
export async function attachFailureDiagnostics(ctx: StepContext, test: Pick<TestContext, 'annotate'>): Promise<void> {
  const late = `collecting diagnostics took longer than ${DIAGNOSTICS_BUDGET_MS / 1000}s; what was collected is under ${join(ctx.cluster.artifactsDir, ctx.namespace)}`;
  let timer: NodeJS.Timeout | undefined;
  const summary = await Promise.race([
    collectDiagnostics(ctx).catch((error: unknown) => `diagnostics could not be collected: ${describeApiError(error)}`),
    new Promise<string>((resolve) => (timer = setTimeout(resolve, DIAGNOSTICS_BUDGET_MS, late))),
  ]);
  clearTimeout(timer);
  try {
    await test.annotate(summary, DIAGNOSTICS_ANNOTATION);
  } catch {
    // Vitest refuses annotations once it has ended the test itself (its own timeout came
    // first); the test has failed with that message, and the files are on disk regardless.
  }
}
