/**
 * Changing objects in place: labels and annotations (null removes one, as `kubectl label
 * KEY-` does) and patches of the three kinds kubectl offers. Only objects this run may
 * change are touched (see ownership.ts).
 */
import {
  createConfiguration,
  HttpMethod,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { AppliedObject, KubeClients } from '../runner/types.js';
import { describeApiError, isNotFound, KubeError } from './errors.js';
import { assertChangeable, type RunOwner } from './ownership.js';
import { describeObject, type ObjectId } from './refs.js';

export type PatchType = 'merge' | 'json' | 'strategic';
export type MetadataValues = Record<string, string | null>;

const FIELD_MANAGER = 'meshspec';

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
  const fail = (error: unknown): never => {
    if (error instanceof KubeError) throw error;
    const hint = isNotFound(error) ? 'not found: create it in an earlier step or fix the reference' : `rejected the ${type} patch: ${describeApiError(error)}`;
    throw new KubeError(`${describeObject(id)} ${hint}`);
  };
  await assertChangeable(clients, id, owner, false).catch(fail);
  const target = { apiVersion: id.apiVersion, kind: id.kind, metadata: { name: id.name, namespace: id.namespace } };
  let result: KubernetesObject;
  if (Array.isArray(patch)) {
    if (type !== 'json') throw new KubeError(`${describeObject(id)}: a list of operations is a JSON patch; set type: json`);
    result = await jsonPatchClient(clients.kc, patch).patch(target, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.JsonPatch).catch(fail);
  } else {
    if (type === 'json') throw new KubeError(`${describeObject(id)}: a JSON patch is a list of operations such as [{op: replace, path: /spec/replicas, value: 2}]`);
    const body = { ...patch, ...target, metadata: { ...(patch.metadata as object | undefined), ...target.metadata } };
    const strategy = type === 'merge' ? PatchStrategy.MergePatch : PatchStrategy.StrategicMergePatch;
    result = await clients.objects.patch(body, undefined, undefined, FIELD_MANAGER, undefined, strategy).catch(fail);
  }
  return { ...id, generation: result.metadata?.generation };
}

/**
 * KubernetesObjectApi sends its `spec` argument as the body, which must be an object; a JSON
 * patch is an array. This client resolves the URL from the target as usual and sends the
 * operations as the body of the PATCH request (not of the discovery requests it makes first).
 */
function jsonPatchClient(kc: KubeConfig, operations: Record<string, unknown>[]): KubernetesObjectApi {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeError('the kubeconfig has no current cluster');
  return new KubernetesObjectApi(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [
        {
          pre: async (context) => {
            if (context.getHttpMethod() === HttpMethod.PATCH) context.setBody(JSON.stringify(operations));
            return context;
          },
          post: async (response) => response,
        },
      ],
    }),
  );
}
