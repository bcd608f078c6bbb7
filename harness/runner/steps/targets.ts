/** What the object-changing steps share: who owns the change, and which objects a step names. */
import { loadManifests, selectObjects, type ObjectId, type RunOwner } from '../../kube/index.js';
import { deleteTarget } from '../../spec/index.js';
import type { StepContext } from '../types.js';

export const ownerOf = (ctx: StepContext): RunOwner => ({ runId: ctx.cluster.runId, namespace: ctx.namespace });

/** Pods, unless the step names another kind: kubectl's most common target of a selector. */
const DEFAULT_SELECTOR_KIND = 'pods';

interface TargetFields {
  object?: string;
  selector?: string;
  kind?: string;
  file?: string;
  /** Where the objects are; the scenario's namespace by default. */
  namespace?: string;
}

/** The objects of `object`, `selector` (+ `kind`) or `file`: exactly one of them. */
export async function targetObjects(fields: TargetFields, ctx: StepContext): Promise<ObjectId[]> {
  const given = (['object', 'selector', 'file'] as const).filter((key) => fields[key] !== undefined);
  if (given.length !== 1) {
    throw new Error(`name the objects with exactly one of object, selector or file${given.length ? ` (this step has ${given.join(' and ')})` : ''}`);
  }
  const namespace = fields.namespace ?? ctx.namespace;
  if (fields.object !== undefined) return selectObjects(ctx.kube, { ref: fields.object }, namespace);
  if (fields.selector !== undefined) {
    return selectObjects(ctx.kube, { type: fields.kind ?? DEFAULT_SELECTOR_KIND, selector: fields.selector }, namespace);
  }
  const manifests = await loadManifests(fields.file!, ctx.rootDir, ctx.substitute);
  return selectObjects(ctx.kube, { manifests }, namespace);
}

/** `delete: STRING` is a manifest (inline, or a path that exists) or else a KIND/NAME reference. */
export function deleteFields(action: string | TargetFields, rootDir: string): TargetFields {
  if (typeof action !== 'string') return action;
  const target = deleteTarget(action, rootDir);
  return 'object' in target ? { object: target.object } : { file: target.manifest };
}
