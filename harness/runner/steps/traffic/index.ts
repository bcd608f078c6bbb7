/**
 * The `traffic` step: waits until the mesh has taken up the scenario's configuration, sends
 * the batch, and asserts every expectation once on it. A statistical assertion is never
 * retried until it happens to pass: that would turn its false-pass rate into a guess.
 * The step's share-based expectations share one false-failure budget (request-count.ts). With
 * `requests: auto` splits, delay and abort shares are sampled sequentially (sequential.ts),
 * other expectations get the fixed sample size the statistics policy needs, and each
 * share-based expectation that can fail by chance is decided on the requests its test was
 * planned for.
 */
import { firstRequests } from '../../../matchers/engines.js';
import { assertExpectations, type ExpectationCall } from '../../../matchers/expectations.js';
import { outcomesOf } from '../../../matchers/index.js';
import type { TrafficStep } from '../../../spec/schema.js';
import { canFailByChance, type StatsPolicy } from '../../../stats/index.js';
import { DEFAULT_CONCURRENCY, sendTraffic } from '../../../traffic/send.js';
import type { TrafficResult } from '../../../contract/traffic.js';
import type { Operation, StepContext } from '../../types.js';
import { trafficReport } from './report.js';
import { autoRequestCount, expectationPolicy, leastRequests, plannedSamples, statisticalExpectations } from './request-count.js';
import { plansFor, sendSequentially, sequentialTargetsOf } from './sequential.js';

interface Sent {
  result: TrafficResult;
  sampling?: string;
  /** Per matcher, the number of requests it is decided on (absent: all of them). */
  decidedOn: Map<string, number>;
}

export const trafficOperation: Operation<TrafficStep> = {
  defaultTimeoutMs: 180_000,
  async exec(step, ctx) {
    await ctx.meshSynced();
    const policy = expectationPolicy(step.expect);
    const { result, sampling, decidedOn } = await sendFor(step, ctx, policy);
    const calls: Record<string, ExpectationCall> = {};
    for (const { matcher } of statisticalExpectations(step.expect)) {
      const n = decidedOn.get(matcher);
      calls[matcher] = n === undefined ? { policy } : { policy, subject: firstRequests(result, n) };
    }
    try {
      await assertExpectations(result, step.expect, calls);
    } finally {
      ctx.report({ traffic: trafficReport(result, outcomesOf(result), sampling) });
    }
  },
};

async function sendFor(step: TrafficStep, ctx: StepContext, policy: StatsPolicy): Promise<Sent> {
  const route = `from ${step.traffic.from} to ${step.traffic.to}`;
  const send = (count: number) => sendTraffic(step.traffic, { kube: ctx.kube, cluster: ctx.cluster, namespace: ctx.namespace, count, signal: ctx.signal });
  if (step.traffic.requests !== 'auto') {
    ctx.log(`sending ${step.traffic.requests} requests ${route}`);
    return { result: await send(step.traffic.requests), decidedOn: new Map() };
  }
  const statistical = statisticalExpectations(step.expect);
  const targets = sequentialTargetsOf(step.expect);
  if (targets.length === 0) {
    const count = autoRequestCount(step.expect);
    ctx.log(`sending ${count} requests ${route}`);
    return { result: await send(count), decidedOn: plannedSamples(statistical, policy) };
  }
  const planned = plansFor(targets, policy, step.traffic.concurrency ?? DEFAULT_CONCURRENCY);
  const others = statistical.filter(({ matcher }) => !targets.some((target) => target.matcher === matcher));
  const maxRequests = Math.max(...planned.map(({ plan }) => plan.maxRequests));
  ctx.log(`sending requests ${route} in looks of ${planned[0].plan.looks[0]}, at most ${maxRequests}`);
  const run = await sendSequentially(planned, policy, leastRequests(others, policy), send);
  ctx.log(run.summary);
  // A plan's stopping point matters only where a correct mesh can fail by chance; elsewhere every request counts.
  const chance = new Set<string>(statistical.filter(({ expectation }) => canFailByChance(expectation)).map(({ matcher }) => matcher));
  const sequential = [...run.decidedOn].filter(([matcher]) => chance.has(matcher));
  return { result: run.result, sampling: run.summary, decidedOn: new Map([...plannedSamples(others, policy), ...sequential]) };
}
