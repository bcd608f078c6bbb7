/** `patch`: a merge, JSON or strategic merge patch of one object, as `kubectl patch --type`. */
import { describeObject, patchObject } from '../../../kube/index.js';
import type { PatchStep } from '../../../spec/index.js';
import type { Operation } from '../../types.js';
import { ownerOf, targetObjects } from '../targets.js';

export const patchOperation: Operation<PatchStep> = {
  defaultTimeoutMs: 30_000,
  async exec(step, ctx) {
    const { object, namespace, type, patch } = step.patch;
    const [id] = await targetObjects({ object, namespace }, ctx);
    const noted = await ctx.meshConfig.beforeChange([id!], ctx);
    const changed = await patchObject(ctx.kube, id!, type, patch, ownerOf(ctx));
    await noted({ changed: [changed] });
    ctx.applied.push(changed);
    ctx.log(`patched ${describeObject(changed)} (generation ${changed.generation ?? '?'})`);
  },
};
