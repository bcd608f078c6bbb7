/**
 * The sim's istiod as its debug interface shows it (shapes: harness/istio/debug.ts). Its config
 * store is the API server's Istio objects, which its informers hold at once here
 * (`/debug/configz`); each push of the data plane gets a push version `<RFC 3339>/<counter>`; per
 * connected proxy (a sidecar or a gateway pod) it keeps the nonces sent and acknowledged per xDS
 * type (`/debug/syncz`) and the version its scope was built for (`/debug/sidecarz`). A push
 * reaches a proxy only when a changed config can reach it (pushDependence; for the scope-dependent
 * kinds, the proxy's dependencies before or after the push), as pilot/pkg/xds/
 * proxy_dependencies.go decides; the emulated Envoy acknowledges at once, since the data plane
 * applies a push as it makes it. Served on the pod's loopback only, as istiod serves callers
 * without credentials (pilot/pkg/xds/debug.go `allowAuthenticatedOrLocalhost`): anything else
 * gets 401.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  formatPushVersion,
  ISTIOD_CONFIG_KINDS,
  nonceOf,
  pushDependence,
  rebuildsSidecarScope,
  XDS_TYPES,
  type ConfigzObject,
  type SidecarScopeJson,
  type SyncStatus,
} from '../istio/debug.js';
import { ROOT_NAMESPACE, type MeshConfig } from './config-types.js';
import { serviceFqdn } from './hosts.js';
import { ProxyScope } from './scope.js';
import type { MeshHost, ReadonlyKubeObject } from './types.js';

/** A changed config as istiod keys it. */
export interface ChangedConfig {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

interface XdsProxy {
  id: string;
  /** istiod's connection id: the proxy id and a counter (pilot/pkg/xds/ads.go `connectionID`). */
  connection: string;
  type: 'sidecar' | 'router';
  namespace: string;
  /** Sidecars only: Sidecar resources select by them. */
  labels?: Record<string, string>;
  istioVersion: string;
  resources: Map<string, { sent: string; acked: string; sentTime: string }>;
  scopeVersion: string;
  dependencies: Set<string>;
}

const keyOf = (c: ChangedConfig) => `${c.group}/${c.kind}/${c.namespace}/${c.name}`;
const PROXY_TYPES = Object.values(XDS_TYPES);

/** `outboundTrafficPolicy` as encoding/json writes the proto struct: the enum as its number, REGISTRY_ONLY (0) omitted. */
const OUTBOUND_MODE = { REGISTRY_ONLY: 0, ALLOW_ANY: 1 } as const;

export class Istiod {
  private counter = 0;
  private version = '';
  private connections = 0;
  private readonly proxies = new Map<string, XdsProxy>();

  constructor(
    private readonly host: MeshHost,
    private readonly config: () => MeshConfig,
  ) {}

  /** A new push context, pushed to every proxy a change can reach; `changed` 'all' is a forced push (mesh config). */
  push(changed: readonly ChangedConfig[] | 'all'): void {
    this.version = formatPushVersion({ at: Math.floor(Date.now() / 1000) * 1000, counter: ++this.counter });
    const services = this.host.list('', 'Service');
    for (const proxy of this.proxies.values()) {
      const before = proxy.dependencies;
      proxy.dependencies = this.scopeOf(proxy).dependencies(services);
      if (changed === 'all' || changed.some(rebuildsSidecarScope)) proxy.scopeVersion = this.version;
      const reached =
        changed === 'all' ||
        changed.some((config) => {
          const dependence = pushDependence(config, proxy, ROOT_NAMESPACE);
          return dependence === 'always' || (dependence === 'scope' && (before.has(keyOf(config)) || proxy.dependencies.has(keyOf(config))));
        });
      if (reached) this.send(proxy);
    }
  }

  /** A proxy connects and gets the current push context, as istiod's initial response. */
  connect(pod: ReadonlyKubeObject, type: 'sidecar' | 'router'): void {
    const namespace = pod.metadata.namespace ?? 'default';
    const id = `${pod.metadata.name}.${namespace}`;
    const image = String(
      (pod.spec?.containers as { name: string; image?: string }[] | undefined)?.find((c) => c.name === 'istio-proxy')?.image ??
        (pod.spec?.initContainers as { name: string; image?: string }[] | undefined)?.find((c) => c.name === 'istio-proxy')?.image ??
        '',
    );
    const proxy: XdsProxy = {
      id,
      connection: `${id}-${++this.connections}`,
      type,
      namespace,
      labels: type === 'sidecar' ? { ...(pod.metadata.labels ?? {}) } : undefined,
      istioVersion: /:([^:@/]+)(@.*)?$/.exec(image)?.[1] ?? '',
      resources: new Map(),
      scopeVersion: this.version,
      dependencies: new Set(),
    };
    proxy.dependencies = this.scopeOf(proxy).dependencies(this.host.list('', 'Service'));
    this.proxies.set(id, proxy);
    this.send(proxy);
  }

  disconnect(namespace: string, name: string): void {
    this.proxies.delete(`${name}.${namespace}`);
  }

  /** The handler of the monitoring port as a caller on `origin` meets it. */
  handler(origin: 'loopback' | 'network'): http.RequestListener {
    return (req, res) => {
      const url = new URL(req.url ?? '/', 'http://istiod.invalid');
      const json = (body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      };
      const text = (status: number, body: string) =>
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
      if (!url.pathname.startsWith('/debug/')) return text(404, '404 page not found\n');
      if (origin === 'network') return res.writeHead(401, { 'content-length': 0 }).end();
      switch (url.pathname) {
        case '/debug/syncz':
          return json(this.syncz(url.searchParams.get('namespace') ?? ''));
        case '/debug/configz':
          return json(this.configz());
        case '/debug/mesh':
          return json(this.mesh());
        case '/debug/sidecarz': {
          const proxyId = url.searchParams.get('proxyID') ?? '';
          if (!proxyId) return text(400, 'You must provide a proxyID in the query string\n');
          const proxy = [...this.proxies.values()].find((p) => p.connection.includes(proxyId));
          if (!proxy) return text(404, 'Proxy not connected to this Pilot instance. It may be connected to another instance.\n');
          return json(this.sidecarz(proxy));
        }
        default:
          return text(404, '404 page not found\n');
      }
    };
  }

  private send(proxy: XdsProxy): void {
    const sentTime = new Date().toISOString();
    for (const type of PROXY_TYPES) {
      const nonce = nonceOf(this.version, randomUUID());
      proxy.resources.set(type, { sent: nonce, acked: nonce, sentTime });
    }
  }

  private scopeOf(proxy: XdsProxy): ProxyScope {
    return new ProxyScope(this.config(), proxy.namespace, proxy.labels);
  }

  /** pilot/pkg/xds/debug.go `Syncz`, sorted by connection as `SortedClients` is. */
  private syncz(namespace: string): SyncStatus[] {
    return [...this.proxies.values()]
      .filter((p) => !namespace || p.namespace === namespace)
      .sort((a, b) => (a.connection < b.connection ? -1 : 1))
      .map((p) => {
        const get = (type: string) => p.resources.get(type);
        return {
          cluster_id: 'Kubernetes',
          proxy: p.id,
          proxy_type: p.type,
          istio_version: p.istioVersion,
          cluster_sent: get(XDS_TYPES.cluster)?.sent,
          cluster_acked: get(XDS_TYPES.cluster)?.acked,
          listener_sent: get(XDS_TYPES.listener)?.sent,
          listener_acked: get(XDS_TYPES.listener)?.acked,
          route_sent: get(XDS_TYPES.route)?.sent,
          route_acked: get(XDS_TYPES.route)?.acked,
          endpoint_sent: get(XDS_TYPES.endpoint)?.sent,
          endpoint_acked: get(XDS_TYPES.endpoint)?.acked,
          resources: Object.fromEntries([...p.resources].map(([type, r]) => [type, { sent: r.sent, acked: r.acked, sentTime: r.sentTime }])),
        };
      });
  }

  /** pilot/pkg/xds/debug.go `configz`: every object of the config store, as crd.ConvertConfig writes it. */
  private configz(): ConfigzObject[] {
    return ISTIOD_CONFIG_KINDS.flatMap(({ group, version, kind }) =>
      this.host.list(group, kind).map((o) => ({
        kind,
        apiVersion: `${group}/${version}`,
        metadata: {
          name: o.metadata.name,
          namespace: o.metadata.namespace,
          uid: o.metadata.uid,
          resourceVersion: o.metadata.resourceVersion,
          generation: o.metadata.generation,
          creationTimestamp: (o.metadata.creationTimestamp as string | undefined) ?? null,
          labels: o.metadata.labels as Record<string, string> | undefined,
          annotations: o.metadata.annotations as Record<string, string> | undefined,
        },
        spec: o.spec,
        ...(o.status && Object.keys(o.status).length > 0 ? { status: o.status } : {}),
      })),
    );
  }

  /** pilot/pkg/xds/debug.go `meshHandler`: the mesh config as protobuf JSON (the fields the data plane knows). */
  private mesh(): Record<string, unknown> {
    const { mesh } = this.config();
    return {
      rootNamespace: ROOT_NAMESPACE,
      trustDomain: 'cluster.local',
      outboundTrafficPolicy: { mode: mesh.outboundMode },
      defaultServiceExportTo: [mesh.exportToDefaults.service],
      defaultVirtualServiceExportTo: [mesh.exportToDefaults.virtualService],
      defaultDestinationRuleExportTo: [mesh.exportToDefaults.destinationRule],
    };
  }

  /** pilot/pkg/model/sidecar.go `SidecarScope.MarshalJSON`. */
  private sidecarz(proxy: XdsProxy): SidecarScopeJson {
    const scope = this.scopeOf(proxy);
    const services = scope.importedServices(this.host.list('', 'Service')).map((s) => {
      const namespace = s.metadata.namespace ?? 'default';
      const ports = (s.spec?.ports as { name?: string; port: number }[] | undefined) ?? [];
      return {
        Attributes: { ServiceRegistry: 'Kubernetes', Name: s.metadata.name, Namespace: namespace, Labels: s.metadata.labels ?? null },
        ports: ports.map((p) => ({ name: p.name ?? '', port: p.port })),
        hostname: serviceFqdn(s.metadata.name, namespace),
        Resolution: 0,
        MeshExternal: false,
        ResourceVersion: s.metadata.resourceVersion ?? '',
      };
    });
    const sidecar = scope.sidecar && this.host.get('networking.istio.io', 'Sidecar', scope.sidecar.namespace, scope.sidecar.name);
    const mode = OUTBOUND_MODE[scope.outboundMode];
    return {
      version: proxy.scopeVersion,
      name: scope.sidecar?.name ?? 'default-sidecar',
      namespace: proxy.namespace,
      outboundTrafficPolicy: mode === 0 ? {} : { mode },
      services,
      egressListenerServices: [services],
      servicesByHostname: Object.fromEntries(services.map((s) => [s.hostname, s])),
      sidecar: sidecar?.spec ?? null,
      destinationRules: {},
    };
  }
}
