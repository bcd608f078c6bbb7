/**
 * Changing objects in place: labels and annotations (null removes one, as `kubectl label
 * KEY-` does) and patches of the three kinds kubectl offers. Only objects this run may
 * change are touched (see ownership.ts).
 */
import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { AppliedObject, KubeClients } from './types.js';
import { describeApiError, isNotFound, KubeError } from './errors.js';
import { assertChangeable, type RunOwner } from './ownership.js';
import { describeObject, type ObjectId } from './refs.js';
import { withVerbatimBody } from './verbatim.js';

type PatchType = 'merge' | 'json' | 'strategic';
export type MetadataValues = Record<string, string | null>;

/** The field manager of every change meshspec makes, as kubectl's is `kubectl`. */
export const FIELD_MANAGER = 'meshspec';

const STRATEGIES = {
  merge: PatchStrategy.MergePatch,
  json: PatchStrategy.JsonPatch,
  strategic: PatchStrategy.StrategicMergePatch,
} as const;

export async function setMetadata(
  clients: KubeClients,
  ids: ObjectId[],
  field: 'labels' | 'annotations',
  values: MetadataValues,
  owner: RunOwner,
): Promise<AppliedObject[]> {
  const changed: AppliedObject[] = [];
  for (const id of ids) changed.push(await patchObject(clients, id, 'merge', { metadata: { [field]: values } }, owner));
  return changed;
}

export async function patchObject(
  clients: KubeClients,
  id: ObjectId,
  type: PatchType,
  patch: Record<string, unknown> | Record<string, unknown>[],
  owner: RunOwner,
): Promise<AppliedObject> {
  if (Array.isArray(patch) !== (type === 'json')) {
    throw new KubeError(
      `${describeObject(id)}: ${type === 'json' ? 'a JSON patch is a list of operations such as [{op: replace, path: /spec/replicas, value: 2}]' : 'a list of operations is a JSON patch; set type: json'}`,
    );
  }
  const fail = (error: unknown): never => {
    if (error instanceof KubeError) throw error;
    const hint = isNotFound(error) ? 'not found: create it in an earlier step or fix the reference' : `rejected the ${type} patch: ${describeApiError(error)}`;
    throw new KubeError(`${describeObject(id)} ${hint}`);
  };
  await assertChangeable(clients, id, owner, false).catch(fail);
  const target = { apiVersion: id.apiVersion, kind: id.kind, metadata: { name: id.name, namespace: id.namespace } };
  const result: KubernetesObject = await withVerbatimBody(clients, patch, (api) =>
    api.patch(target, undefined, undefined, FIELD_MANAGER, undefined, STRATEGIES[type]),
  ).catch(fail);
  return { ...id, generation: result.metadata?.generation, resourceVersion: result.metadata?.resourceVersion };
}
