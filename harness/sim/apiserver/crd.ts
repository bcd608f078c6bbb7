/** The resource type a CustomResourceDefinition describes, and the status the API server gives an accepted one. */
import { kubeTimestamp as now } from '../store/store.js';
import type { KubeObject } from '../store/types.js';
import type { PrinterColumn, ResourceType } from './registry.js';

/** Kubernetes version priority: GA before beta before alpha, higher numbers first (v1 > v1beta1 > v1alpha3). */
function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    return [m[2] ? (m[2] === 'beta' ? 2 : 1) : 3, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
  return a.localeCompare(b);
}

export function customType(crd: KubeObject): ResourceType {
  const spec = crd.spec;
  const served = (spec.versions as any[]).filter((v) => v.served !== false);
  const withStatus = served.some((v) => v.subresources?.status !== undefined);
  const withScale = served.some((v) => v.subresources?.scale !== undefined);
  const preferred = served.map((v) => v.name as string).sort(compareKubeVersions);
  const columns: PrinterColumn[] = served.find((v) => v.name === preferred[0])?.additionalPrinterColumns ?? [];
  return {
    group: spec.group,
    versions: preferred,
    kind: spec.names.kind,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
    subresources: [...(withStatus ? (['status'] as const) : []), ...(withScale ? (['scale'] as const) : [])],
    custom: true,
    printerColumns: columns,
  };
}

/** NamesAccepted and Established, as apiextensions-apiserver reports a CRD whose names do not conflict. */
export function establishedStatus(crd: KubeObject): Record<string, unknown> {
  const conditions = ['NamesAccepted', 'Established'].map((c) => ({
    type: c,
    status: 'True',
    reason: c === 'Established' ? 'InitialNamesAccepted' : 'NoConflicts',
    message: c === 'Established' ? 'the initial names have been accepted' : 'no conflicts found',
    lastTransitionTime: now(),
  }));
  return { conditions, acceptedNames: crd.spec.names, storedVersions: [crd.spec.versions.find((v: any) => v.storage)?.name] };
}
