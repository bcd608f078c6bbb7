/** `apply`: server-side apply of a manifest file, directory or inline YAML. */
import { applyManifests, describeObject, FIELD_MANAGER, loadManifests, type Manifest } from '../../../kube/index.js';
import type { ApplyStep } from '../../../spec/index.js';
import type { Operation, StepContext } from '../../types.js';
import { ownerOf } from '../targets.js';

export const applyOperation: Operation<ApplyStep> = {
  defaultTimeoutMs: 30_000,
  async exec(step, ctx) {
    const { file, namespace } = manifestTarget(step.apply);
    await applyAndRecord(await loadManifests(file, ctx.rootDir, ctx.substitute), namespace, ctx);
  },
};

/** `apply` and `inject` take a manifest either bare or as `{file, namespace}`. */
export function manifestTarget(action: ApplyStep['apply']): { file: string; namespace?: string } {
  return typeof action === 'string' ? { file: action } : action;
}

/** Applies `manifests` for the scenario and records them in `ctx.applied` (inject shares this). */
export async function applyAndRecord(manifests: Manifest[], namespace: string | undefined, ctx: StepContext): Promise<void> {
  const into = namespace ?? ctx.namespace;
  const targets = manifests.map(({ object }) => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    namespace: object.metadata.namespace ?? into,
  }));
  const changed = await ctx.meshConfig.beforeChange(targets, ctx);
  const applied = await applyManifests(ctx.kube, manifests, {
    namespace: into,
    fieldManager: FIELD_MANAGER,
    imageRewrites: ctx.cluster.imageRewrites,
    owner: ownerOf(ctx),
    deadline: ctx.deadline,
    signal: ctx.signal,
  });
  await changed({ changed: applied });
  ctx.applied.push(...applied);
  for (const object of applied) ctx.log(`applied ${describeObject(object)} (generation ${object.generation ?? '?'})`);
}
