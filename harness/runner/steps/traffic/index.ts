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
  const route = `from ${step.traffic.from} to ${step.traffic.to}`;
  const send = (count: number) =>
    sendTraffic(step.traffic, { kube: ctx.kube, cluster: ctx.cluster, namespace: ctx.namespace, count, signal: ctx.signal });
  const target = step.traffic.requests === 'auto' ? sequentialTargetOf(step.expect) : undefined;
  if (!target) {
    const count = step.traffic.requests === 'auto' ? autoRequestCount(step.expect) : step.traffic.requests;
    ctx.log(`sending ${count} requests ${route}`);
    return { result: await send(count) };
  }
  const plan = planFor(target);
  ctx.log(`sending requests ${route} in looks of ${plan.looks[0]}, at most ${plan.maxRequests}`);
  const { result, summary } = await sendSequentially(target, plan, send);
  ctx.log(summary);
  return { result, sampling: summary };
}
