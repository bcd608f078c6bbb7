/** `delete`: objects by KIND/NAME, by selector, or by manifest; waits until gone unless `wait: false`. */
import { deleteObjects, describeObject } from '../../../kube/index.js';
import type { DeleteStep } from '../../../spec/index.js';
import type { Operation } from '../../types.js';
import { deleteFields, ownerOf, targetObjects } from '../targets.js';

export const deleteOperation: Operation<DeleteStep> = {
  defaultTimeoutMs: 60_000,
  async exec(step, ctx) {
    const fields = deleteFields(step.delete, ctx.rootDir);
    const wait = typeof step.delete === 'string' ? true : (step.delete.wait ?? true);
    const ids = await targetObjects(fields, ctx);
    if (ids.length === 0) ctx.log('no objects matched: nothing to delete');
    const noted = await ctx.meshConfig.beforeChange(ids, ctx);
    await deleteObjects(ctx.kube, ids, { owner: ownerOf(ctx), wait, deadline: ctx.deadline, signal: ctx.signal });
    await noted({ deleted: ids });
    for (const id of ids) ctx.log(`deleted ${describeObject(id)}`);
  },
};
