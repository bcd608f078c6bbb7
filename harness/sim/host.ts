/**
 * The sim's side of the mesh seam (MeshHost): read access to the store (its own objects, not
 * copies: the data plane reads them per request), change feed, istiod's status writes.
 */
import type { ClusterApi } from './apiserver/api.js';
import type { ExternalHost, MeshHost } from '../mesh/types.js';
import { ApiError } from './store/errors.js';
import { kubeTimestamp as now } from './store/store.js';

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
    markReconciled(group, kind, namespace, name, generation) {
      const t = typeOf(group, kind);
      const obj = t && api.store.get(t, namespace, name);
      // A newer generation arrived meanwhile: its own reconcile will report.
      if (!t || !obj || obj.metadata.generation !== generation) return;
      const conditions = (obj.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'Reconciled');
      const previous = obj.status?.conditions?.find((c: { type: string }) => c.type === 'Reconciled');
      conditions.push({
        type: 'Reconciled',
        status: 'True',
        reason: 'Reconciled',
        message: 'The configuration was accepted by every proxy',
        lastProbeTime: now(),
        lastTransitionTime: previous?.status === 'True' ? previous.lastTransitionTime : now(),
        observedGeneration: generation,
      });
      try {
        api.store.update(t, { ...obj, status: { ...obj.status, observedGeneration: generation, conditions } });
      } catch (error) {
        // The object changed or went away in between; the next reconcile reports again.
        if (!(error instanceof ApiError)) throw error;
      }
    },
    externalHosts,
  };
}
