/**
 * Server-side apply of manifests, as `kubectl apply --server-side --force-conflicts` does it.
 * Namespace-less namespaced objects land in the given namespace; cluster-scoped objects stay
 * cluster-scoped (discovery decides). Namespaces and CRDs go first, and the other objects wait
 * until those CRDs are Established, so one manifest can bring a CRD and objects of its kind.
 */
import { PatchStrategy } from '@kubernetes/client-node';
import type { AppliedObject, KubeClients } from './types.js';
import { discoveryFor } from './discovery.js';
import { describeApiError, KubeError } from './errors.js';
import { rewriteImages } from './images.js';
import type { Manifest, ManifestObject } from './manifests.js';
import { assertChangeable, insideScenario, RUN_LABEL, type RunOwner } from './ownership.js';
import { done, waitFor, type Deadline } from './poll.js';
import { describeObject, type ObjectId } from './refs.js';
import { withVerbatimBody } from './verbatim.js';
import { waitCrdsEstablished } from './waits/crd.js';

interface ApplyOptions extends Deadline {
  /** Where namespace-less namespaced objects go. */
  namespace: string;
  fieldManager: string;
  /** ClusterHandle.imageRewrites. */
  imageRewrites: Record<string, string>;
  owner: RunOwner;
}

const isCrd = (o: ManifestObject) => o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/');
const isFoundation = (o: ManifestObject) => isCrd(o) || (o.kind === 'Namespace' && o.apiVersion === 'v1');

export async function applyManifests(clients: KubeClients, manifests: Manifest[], options: ApplyOptions): Promise<AppliedObject[]> {
  const foundations = manifests.filter((m) => isFoundation(m.object));
  const applied: AppliedObject[] = [];
  for (const manifest of foundations) applied.push(await applyOne(clients, manifest, options));
  const crds = foundations.filter((m) => isCrd(m.object)).map((m) => m.object.metadata.name);
  if (crds.length > 0) await waitCrdsEstablished(clients, crds, options);
  for (const manifest of manifests.filter((m) => !isFoundation(m.object))) applied.push(await applyOne(clients, manifest, options));
  return applied;
}

async function applyOne(clients: KubeClients, { object: source, origin }: Manifest, options: ApplyOptions): Promise<AppliedObject> {
  const object = rewriteImages(structuredClone(source), options.imageRewrites);
  const fail = (error: unknown): never => {
    throw new KubeError(`${origin}: applying ${describeObject(idOf(object))} failed: ${describeApiError(error)}`);
  };
  const type = await discoveryFor(clients).typeOf(object.apiVersion, object.kind).catch(fail);
  if (type.namespaced) object.metadata.namespace ??= options.namespace;
  else delete object.metadata.namespace;
  const id = idOf(object);
  if (!insideScenario(id, options.owner)) {
    await assertChangeable(clients, id, options.owner, true).catch(fail);
    // Labelled so that teardown (and later steps of this run) know the run created it.
    object.metadata.labels = { ...object.metadata.labels, [RUN_LABEL]: options.owner.runId };
  }
  const result = await waitFor(
    `the API server to accept ${describeObject(id)} from ${origin}`,
    async () =>
      done(
        await withVerbatimBody(clients, object, (api) => api.patch(object, undefined, undefined, options.fieldManager, true, PatchStrategy.ServerSideApply)),
      ),
    options,
  ).catch(fail);
  return { ...id, generation: result.metadata.generation as number | undefined, resourceVersion: result.metadata.resourceVersion as string | undefined };
}

function idOf(object: ManifestObject): ObjectId {
  return { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace };
}
