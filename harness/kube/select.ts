/**
 * Which objects a step means: one `KIND/NAME` reference, every object of a type matching a
 * label selector, or the objects of a manifest. Types are resolved through discovery, so
 * "svc", "deploy" or "virtualservices" work as in kubectl.
 */
import type { KubeClients } from './types.js';
import { discoveryFor } from './discovery.js';
import { describeApiError, httpStatusOf, KubeError } from './errors.js';
import type { Manifest } from './manifests.js';
import { parseObjectRef, type ObjectId } from './refs.js';

type ObjectSelection = { ref: string } | { type: string; selector: string } | { manifests: Manifest[] };

/** The objects `selection` names; `namespace` is where namespaced objects without one are. */
export async function selectObjects(clients: KubeClients, selection: ObjectSelection, namespace: string): Promise<ObjectId[]> {
  const discovery = discoveryFor(clients);
  if ('ref' in selection) {
    const { type: typeName, name } = parseObjectRef(selection.ref);
    const type = await discovery.resolve(typeName);
    return [{ apiVersion: type.apiVersion, kind: type.kind, name, namespace: type.namespaced ? namespace : undefined }];
  }
  if ('selector' in selection) {
    const type = await discovery.resolve(selection.type);
    const scope = type.namespaced ? namespace : undefined;
    const list = await clients.objects
      .list(type.apiVersion, type.kind, scope, undefined, undefined, undefined, undefined, selection.selector)
      .catch((error: unknown) => {
        const hint = httpStatusOf(error) === 400 ? '; write the selector as kubectl takes it, e.g. "app=backend,version in (v1,v2)"' : '';
        throw new KubeError(
          `listing ${type.plural} matching "${selection.selector}"${scope ? ` in namespace ${scope}` : ''} failed: ${describeApiError(error)}${hint}`,
        );
      });
    return list.items.map((item) => ({ apiVersion: type.apiVersion, kind: type.kind, name: item.metadata?.name ?? '', namespace: scope }));
  }
  return Promise.all(
    selection.manifests.map(async ({ object }) => {
      const type = await discovery.typeOf(object.apiVersion, object.kind);
      return {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        namespace: type.namespaced ? (object.metadata.namespace ?? namespace) : undefined,
      };
    }),
  );
}
