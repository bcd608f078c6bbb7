/**
 * The sim's side of the mesh seam (MeshHost): read access to the store (its own objects, not
 * copies: the data plane reads them per request) and its change feed.
 */
import type { ClusterApi } from './apiserver/api.js';
import type { ExternalHost, MeshHost } from '../mesh/types.js';

export function createMeshHost(api: ClusterApi, externalHosts: () => ExternalHost[]): MeshHost {
  const typeOf = (group: string, kind: string) => api.registry.byKind(group, kind);
  return {
    list(group, kind, namespace) {
      const t = typeOf(group, kind);
      return t ? api.store.listShared(t, namespace) : [];
    },
    get(group, kind, namespace, name) {
      const t = typeOf(group, kind);
      return t ? api.store.getShared(t, namespace, name) : undefined;
    },
    onChange(listener) {
      return api.store.subscribe((event) => listener(event.type, event.object));
    },
    externalHosts,
  };
}
