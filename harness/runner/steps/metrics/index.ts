/**
 * The `metrics` step: a Prometheus query from inside the mesh. Prometheus scrapes on an
 * interval, so the query is repeated (the one wait model of harness/kube) until the value
 * reaches the expected bound or the step's time is nearly up; then the expectation is asserted
 * once on the last answer, so a timeout still fails with the matcher's message.
 */
import { assertExpectations } from '../../../matchers/expectations.js';
import { done, notYet, waitFor, WaitTimeoutError } from '../../../kube/poll.js';
import type { MetricSample } from '../../../matchers/index.js';
import type { MetricsStep } from '../../../spec/schema.js';
import type { Operation } from '../../types.js';
import { clientPod, queryPrometheus } from './prometheus.js';

/** Time left for the assertion and its message once polling stops. */
const ASSERT_MARGIN_MS = 2_000;

export const metricsOperation: Operation<MetricsStep> = {
  defaultTimeoutMs: 90_000,
  async exec(step, ctx) {
    const client = await clientPod(ctx.kube, ctx.namespace);
    const bound = step.expect.toBeAtLeast ?? -Infinity;
    let last: MetricSample | undefined;
    try {
      await waitFor(
        `${step.metrics.query} to reach ${bound}`,
        async () => {
          last = await queryPrometheus(ctx.kube, client, step.metrics.query, ctx.signal);
          return last.value >= bound ? done(last) : notYet(`${last.value} over ${last.series.length} series`);
        },
        { deadline: ctx.deadline - ASSERT_MARGIN_MS, signal: ctx.signal },
      );
    } catch (error) {
      if (!(error instanceof WaitTimeoutError) || !last) throw error;
      ctx.log(error.message);
    }
    await assertExpectations(last, step.expect);
  },
};
