/**
 * Diagnostics of a failed step, collected by the report's collector within a budget: the
 * plugin gives Vitest only a few seconds beyond the step's own timeout, and diagnostics must
 * never turn a readable failure into Vitest's bare "test timed out".
 */
import { join } from 'node:path';
import { describeApiError } from '../kube/index.js';
import { collectDiagnostics } from '../report/diagnostics.js';
import type { StepContext } from './types.js';

const DIAGNOSTICS_BUDGET_MS = 8_000;

/** The summary for the failure message; also attached to the step's report. */
export async function failureDiagnostics(ctx: StepContext): Promise<string> {
  const late = `collecting diagnostics took longer than ${DIAGNOSTICS_BUDGET_MS / 1000}s; what was collected is under ${join(ctx.cluster.artifactsDir, ctx.namespace)}`;
  let timer: NodeJS.Timeout | undefined;
  const summary = await Promise.race([
    collectDiagnostics(ctx).catch((error: unknown) => `diagnostics could not be collected: ${describeApiError(error)}`),
    new Promise<string>((resolve) => (timer = setTimeout(resolve, DIAGNOSTICS_BUDGET_MS, late))),
  ]);
  clearTimeout(timer);
  ctx.report({ diagnostics: summary });
  return summary;
}
