/**
 * API discovery, as kubectl uses it: which resource serves a kind (and whether it is
 * namespaced), and which type a user means by "deploy", "svc", "virtualservices" or
 * "gateway.networking.istio.io". Answers are cached per worker and fetched again once on a
 * miss, because a scenario can install a CRD at any step.
 */
import { ApisApi, CustomObjectsApi, type V1APIResource } from '@kubernetes/client-node';
import type { KubeClients } from './types.js';
import { isNotFound, KubeError } from './errors.js';
import { groupOf } from './refs.js';

export interface ResourceType {
  apiVersion: string;
  group: string;
  kind: string;
  /** The resource name in URLs, e.g. "deployments". */
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
}

/**
 * One cached fetch, fetched again on request. A failed fetch is forgotten so that the next
 * call asks again, but only if it is still the cached one: an older request failing late
 * must not evict the answer of a newer one that succeeded.
 */
class CachedFetch<T> {
  private current: Promise<T> | undefined;

  constructor(private readonly fetch: () => Promise<T>) {}

  get(fresh: boolean): Promise<T> {
    if (this.current && !fresh) return this.current;
    const fetched = this.fetch();
    this.current = fetched;
    fetched.catch(() => {
      if (this.current === fetched) this.current = undefined;
    });
    return fetched;
  }
}

export class Discovery {
  private readonly byApiVersion = new Map<string, CachedFetch<V1APIResource[]>>();
  private readonly preferred = new CachedFetch(() => this.fetchPreferred());
  private readonly apis: ApisApi;
  private readonly custom: CustomObjectsApi;

  constructor(private readonly clients: KubeClients) {
    this.apis = clients.kc.makeApiClient(ApisApi);
    this.custom = clients.kc.makeApiClient(CustomObjectsApi);
  }

  /** The served type of `kind` in exactly `apiVersion`. */
  async typeOf(apiVersion: string, kind: string): Promise<ResourceType> {
    const find = async (fresh: boolean) => (await this.resourcesOf(apiVersion, fresh)).find((r) => r.kind === kind && !r.name.includes('/'));
    const resource = (await find(false)) ?? (await find(true));
    if (!resource) {
      throw new KubeError(
        `no matches for kind "${kind}" in version "${apiVersion}": the cluster does not serve it; ` +
          'install the CRD that defines it (or apply it in an earlier step) or fix the apiVersion',
      );
    }
    return toType(apiVersion, resource);
  }

  /** The type a kubectl-style name means: plural, singular, short name or kind, optionally with ".group". */
  async resolve(typeName: string): Promise<ResourceType> {
    const match = (types: ResourceType[]) => types.find((t) => nameMatches(typeName, t));
    const found = match(await this.preferred.get(false)) ?? match(await this.preferred.get(true));
    if (!found) {
      throw new KubeError(
        `the server doesn't have a resource type "${typeName}": use a kind, its plural or a short name ` +
          '(e.g. deployment, deploy, svc, virtualservice), or add the group (gateway.networking.istio.io)',
      );
    }
    return found;
  }

  private resourcesOf(apiVersion: string, fresh: boolean): Promise<V1APIResource[]> {
    let resources = this.byApiVersion.get(apiVersion);
    if (!resources) {
      resources = new CachedFetch(() => this.fetchResources(apiVersion));
      this.byApiVersion.set(apiVersion, resources);
    }
    return resources.get(fresh);
  }

  private async fetchResources(apiVersion: string): Promise<V1APIResource[]> {
    const group = groupOf(apiVersion);
    try {
      const list = group
        ? await this.custom.getAPIResources({ group, version: apiVersion.slice(group.length + 1) })
        : apiVersion === 'v1'
          ? await this.clients.core.getAPIResources()
          : { resources: [] };
      return list.resources;
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  /** Core first, then the groups in the server's order: kubectl's priority for ambiguous names. */
  private async fetchPreferred(): Promise<ResourceType[]> {
    const { groups } = await this.apis.getAPIVersions();
    const apiVersions = ['v1', ...groups.flatMap((g) => (g.preferredVersion ? [g.preferredVersion.groupVersion] : []))];
    // An unavailable aggregated API (e.g. metrics.k8s.io) must not hide every other type.
    const lists = await Promise.all(apiVersions.map((v) => this.resourcesOf(v, true).catch(() => [])));
    return lists.flatMap((resources, i) => resources.filter((r) => !r.name.includes('/')).map((r) => toType(apiVersions[i]!, r)));
  }
}

function toType(apiVersion: string, resource: V1APIResource): ResourceType {
  return {
    apiVersion,
    group: groupOf(apiVersion),
    kind: resource.kind,
    plural: resource.name,
    // Older servers leave singularName empty; kubectl falls back to the lowercased kind.
    singular: resource.singularName || resource.kind.toLowerCase(),
    shortNames: resource.shortNames ?? [],
    namespaced: resource.namespaced,
  };
}

/** Pure part of `resolve`: does "svc", "Deployment", "deployments.apps" or "gateway.networking.istio.io" name this type? */
export function nameMatches(typeName: string, type: ResourceType): boolean {
  const lower = typeName.toLowerCase();
  const dot = lower.indexOf('.');
  const name = dot < 0 ? lower : lower.slice(0, dot);
  const qualifier = dot < 0 ? undefined : lower.slice(dot + 1);
  if (qualifier !== undefined && qualifier !== type.group && qualifier !== `${type.apiVersion.split('/').pop()}.${type.group}`) {
    return false;
  }
  return [type.plural, type.kind.toLowerCase(), type.singular, ...type.shortNames].includes(name);
}

const discoveries = new WeakMap<KubeClients, Discovery>();

export function discoveryFor(clients: KubeClients): Discovery {
  let discovery = discoveries.get(clients);
  if (!discovery) {
    discovery = new Discovery(clients);
    discoveries.set(clients, discovery);
  }
  return discovery;
}
