/**
 * The `traffic` step: waits until the mesh has taken up the scenario's configuration, sends
 * the batch once, and asserts every expectation once on it. A statistical assertion is never
 * retried until it happens to pass: that would turn its false-pass rate into a guess.
 */
import { assertExpectations } from '../../../matchers/expectations.js';
import { outcomesOf } from '../../../matchers/index.js';
import type { TrafficStep } from '../../../spec/schema.js';
import { sendTraffic } from '../../../traffic/send.js';
import type { Operation } from '../../types.js';
import { trafficReport } from './report.js';
import { autoRequestCount } from './request-count.js';

export const trafficOperation: Operation<TrafficStep> = {
  kind: 'traffic',
  defaultTimeoutMs: 180_000,
  describe: (step) => `traffic from ${step.traffic.from} to ${step.traffic.to}`,
  async exec(step, ctx) {
    await ctx.meshSynced();
    const count = step.traffic.requests === 'auto' ? autoRequestCount(step.expect) : step.traffic.requests;
    ctx.log(`sending ${count} requests from ${step.traffic.from} to ${step.traffic.to}`);
    const result = await sendTraffic(step.traffic, { kube: ctx.kube, cluster: ctx.cluster, namespace: ctx.namespace, count, signal: ctx.signal });
    try {
      await assertExpectations(result, step.expect);
    } finally {
      ctx.report({ traffic: trafficReport(result, outcomesOf(result)) });
    }
  },
};
