/**
 * The `traffic` step: waits until the mesh has taken up the scenario's configuration, sends
 * the batch, and asserts every expectation once on it. A statistical assertion is never
 * retried until it happens to pass: that would turn its false-pass rate into a guess.
 * With `requests: auto` a split, delay or abort share is sampled sequentially (see
 * sequential.ts); other expectations get the fixed sample size the statistics policy needs.
 */
import { assertExpectations } from '../../../matchers/expectations.js';
import { outcomesOf } from '../../../matchers/index.js';
import type { TrafficStep } from '../../../spec/schema.js';
import { sendTraffic } from '../../../traffic/send.js';
import type { TrafficResult } from '../../../traffic/types.js';
import type { Operation, StepContext } from '../../types.js';
import { trafficReport } from './report.js';
import { autoRequestCount } from './request-count.js';
import { planFor, sendSequentially, sequentialTargetOf } from './sequential.js';

export const trafficOperation: Operation<TrafficStep> = {
  kind: 'traffic',
  defaultTimeoutMs: 180_000,
  describe: (step) => `traffic from ${step.traffic.from} to ${step.traffic.to}`,
  async exec(step, ctx) {
    await ctx.meshSynced();
    const { result, sampling } = await sendFor(step, ctx);
    try {
      await assertExpectations(result, step.expect);
    } finally {
      ctx.report({ traffic: trafficReport(result, outcomesOf(result), sampling) });
    }
  },
};

async function sendFor(step: TrafficStep, ctx: StepContext): Promise<{ result: TrafficResult; sampling?: string }> {
  const send = (count: number) => {
    ctx.log(`sending ${count} requests from ${step.traffic.from} to ${step.traffic.to}`);
    return sendTraffic(step.traffic, { kube: ctx.kube, cluster: ctx.cluster, namespace: ctx.namespace, count, signal: ctx.signal });
  };
  if (step.traffic.requests !== 'auto') return { result: await send(step.traffic.requests) };
  const target = sequentialTargetOf(step.expect);
  if (!target) return { result: await send(autoRequestCount(step.expect)) };
  const { result, summary } = await sendSequentially(target, planFor(target), send);
  ctx.log(summary);
  return { result, sampling: summary };
}
