/**
 * The resource types the API server serves: the built-in ones and those that CRDs add. One
 * storage per group/kind; every served version of a CRD shares it (Istio's versions share one
 * schema, so no conversion is needed).
 */
import type { StoredType } from '../store/store.js';

type Subresource = 'status' | 'scale' | 'log' | 'proxy';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface ResourceType extends StoredType {
  /** Served versions, preferred first. */
  versions: string[];
  singular: string;
  shortNames: string[];
  categories: string[];
  subresources: Subresource[];
  /** Custom resources: lists are atomic in patches and `additionalPrinterColumns` feed tables. */
  custom: boolean;
  printerColumns: PrinterColumn[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function builtin(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[] = [],
  subresources: Subresource[] = [],
  categories: string[] = [],
): ResourceType {
  return {
    group,
    versions: [version],
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    categories,
    subresources,
    custom: false,
    printerColumns: [],
  };
}

const BUILTINS: ResourceType[] = [
  builtin('', 'v1', 'Namespace', 'namespaces', false, ['ns'], ['status']),
  builtin('', 'v1', 'Node', 'nodes', false, ['no'], ['status']),
  builtin('', 'v1', 'Pod', 'pods', true, ['po'], ['status', 'log', 'proxy'], ['all']),
  builtin('', 'v1', 'Service', 'services', true, ['svc'], ['status', 'proxy'], ['all']),
  builtin('', 'v1', 'Endpoints', 'endpoints', true, ['ep']),
  builtin('', 'v1', 'ConfigMap', 'configmaps', true, ['cm']),
  builtin('', 'v1', 'Secret', 'secrets', true),
  builtin('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa']),
  builtin('', 'v1', 'Event', 'events', true, ['ev']),
  builtin('apps', 'v1', 'Deployment', 'deployments', true, ['deploy'], ['status', 'scale'], ['all']),
  builtin('apps', 'v1', 'ReplicaSet', 'replicasets', true, ['rs'], ['status', 'scale'], ['all']),
  builtin('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  builtin('events.k8s.io', 'v1', 'Event', 'events', true, ['ev']),
  // Stored without behaviour: meshspec runs hold one each to show they are alive (kube/run-lease.ts).
  builtin('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  builtin('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, ['crd', 'crds'], ['status']),
  // Stored and served without behaviour, so manifests that carry them (addons, RBAC) apply as on a cluster.
  builtin('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  builtin('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, ['netpol']),
  builtin('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, ['pdb'], ['status']),
  builtin('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['hpa'], ['status']),
];

export class ResourceRegistry {
  private readonly types: ResourceType[] = [...BUILTINS];

  all(): readonly ResourceType[] {
    return this.types;
  }

  byResource(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.plural === plural && t.versions.includes(version));
  }

  byKind(group: string, kind: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.kind === kind);
  }

  /** Groups with their versions, in registration order (core group first, as '' ). */
  groups(): { group: string; versions: string[] }[] {
    const out: { group: string; versions: string[] }[] = [];
    for (const t of this.types) {
      let entry = out.find((g) => g.group === t.group);
      if (!entry) {
        entry = { group: t.group, versions: [] };
        out.push(entry);
      }
      for (const v of t.versions) if (!entry.versions.includes(v)) entry.versions.push(v);
    }
    return out;
  }

  /** Adds or replaces the type a CRD defines. */
  putCustom(type: ResourceType): void {
    const index = this.types.findIndex((t) => t.group === type.group && t.kind === type.kind);
    if (index >= 0) this.types[index] = type;
    else this.types.push(type);
  }

  removeCustom(group: string, kind: string): ResourceType | undefined {
    const index = this.types.findIndex((t) => t.custom && t.group === group && t.kind === kind);
    return index >= 0 ? this.types.splice(index, 1)[0] : undefined;
  }

  /** APIResourceList for one group version, as discovery serves it. */
  resourceList(group: string, version: string): Record<string, unknown> | undefined {
    const types = this.types.filter((t) => t.group === group && t.versions.includes(version));
    if (types.length === 0) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const t of types) {
      resources.push({
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ALL_VERBS,
        ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
        ...(t.categories.length ? { categories: t.categories } : {}),
      });
      for (const sub of t.subresources) {
        const verbs = sub === 'log' ? ['get'] : sub === 'proxy' ? ['create', 'delete', 'get', 'patch', 'update'] : ['get', 'patch', 'update'];
        const kind = sub === 'scale' ? 'Scale' : sub === 'proxy' ? (t.kind === 'Pod' ? 'PodProxyOptions' : 'ServiceProxyOptions') : t.kind;
        resources.push({
          name: `${t.plural}/${sub}`,
          singularName: '',
          namespaced: t.namespaced,
          kind,
          verbs,
          ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1' } : {}),
        });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }
}
