/** Labels and annotations change the same way; `annotate` uses this too. */
import { describeObject, setMetadata, type MetadataValues, type ObjectId } from '../../../kube/index.js';
import type { StepContext } from '../../types.js';
import { ownerOf, targetObjects } from '../targets.js';

interface MetadataTarget {
  /** `true`: the scenario's namespace; a name: that namespace (or, with object/selector, where they are). */
  namespace?: true | string;
  object?: string;
  selector?: string;
  kind?: string;
}

export async function changeMetadata(target: MetadataTarget, field: 'labels' | 'annotations', values: MetadataValues, ctx: StepContext): Promise<void> {
  const ids = await targetsOf(target, ctx);
  if (ids.length === 0) ctx.log(`no objects matched: no ${field} changed`);
  const noted = await ctx.meshConfig.beforeChange(ids, ctx);
  const changed = await setMetadata(ctx.kube, ids, field, values, ownerOf(ctx));
  await noted({ changed });
  ctx.applied.push(...changed);
  for (const id of ids) ctx.log(`changed ${field} of ${describeObject(id)}`);
}

async function targetsOf(target: MetadataTarget, ctx: StepContext): Promise<ObjectId[]> {
  const namespaceName = target.namespace === true ? ctx.namespace : target.namespace;
  if (target.object === undefined && target.selector === undefined) {
    if (namespaceName === undefined) throw new Error("name what to change: namespace: true (the scenario's namespace), object: KIND/NAME, or selector");
    return [{ apiVersion: 'v1', kind: 'Namespace', name: namespaceName }];
  }
  return targetObjects({ object: target.object, selector: target.selector, kind: target.kind, namespace: namespaceName }, ctx);
}
