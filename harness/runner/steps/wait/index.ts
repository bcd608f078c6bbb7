/** `wait`: rollout, pods (ready, with sidecar), a condition, deletion, or the mesh's config in effect. */
import { discoveryFor, parseObjectRef, selectObjects, waitForCondition, waitForDeletion, waitForPods, waitForRollout } from '../../../kube/index.js';
import type { WaitStep } from '../../../spec/index.js';
import type { Operation, StepContext } from '../../types.js';

export const waitOperation: Operation<WaitStep> = {
  defaultTimeoutMs: 120_000,
  async exec({ wait }, ctx) {
    if ('rollout' in wait) {
      for (const name of [wait.rollout].flat()) await waitForRollout(ctx.kube, ctx.namespace, await deploymentName(name, ctx), ctx);
    } else if ('pods' in wait) {
      const pods = await waitForPods(ctx.kube, ctx.namespace, wait.pods, { ready: wait.ready, sidecar: wait.sidecar }, ctx);
      ctx.log(`pods: ${pods.join(', ')}`);
    } else if ('condition' in wait) {
      const [id] = await selectObjects(ctx.kube, { ref: wait.condition.object }, ctx.namespace);
      await waitForCondition(ctx.kube, id!, wait.condition.type, wait.condition.status, ctx);
    } else if ('deleted' in wait) {
      const [id] = await selectObjects(ctx.kube, { ref: wait.deleted }, ctx.namespace);
      await waitForDeletion(ctx.kube, id!, ctx);
    } else {
      await ctx.meshSynced();
    }
  },
};

/** "backend", "deployment/backend" or "deploy/backend": rollouts are tracked for Deployments. */
async function deploymentName(reference: string, ctx: StepContext): Promise<string> {
  if (!reference.includes('/')) return reference;
  const { type, name } = parseObjectRef(reference);
  const resolved = await discoveryFor(ctx.kube).resolve(type);
  if (resolved.kind !== 'Deployment') {
    throw new Error(`rollout waits follow Deployments, and "${reference}" is a ${resolved.kind}; wait for a condition or pods instead`);
  }
  return name;
}
