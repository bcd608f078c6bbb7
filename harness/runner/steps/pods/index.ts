/** The `pods` step: the pods a selector matches, checked once (use a `wait` step to wait for them). */
import { assertExpectations } from '../../../matchers/expectations.js';
import type { PodsStep } from '../../../spec/schema.js';
import type { Operation } from '../../types.js';

export const podsOperation: Operation<PodsStep> = {
  defaultTimeoutMs: 30_000,
  async exec(step, ctx) {
    const namespace = step.pods.namespace ?? ctx.namespace;
    const pods = await ctx.kube.core.listNamespacedPod({ namespace, labelSelector: step.pods.selector });
    ctx.log(`${pods.items.length} pods match ${step.pods.selector} in ${namespace}`);
    await assertExpectations(pods.items, step.expect);
  },
};
