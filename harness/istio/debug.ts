/**
 * istiod's debug interface on its monitoring port, as Istio 1.29-1.31 serve it: the JSON of
 * `/debug/syncz`, `/debug/configz`, `/debug/sidecarz` and `/debug/mesh`, push versions and the
 * nonces made from them, the sync state `istioctl proxy-status` prints, and which proxies a
 * config change can reach. The sim's istiod serves these shapes and the config-in-effect wait
 * reads them. Sources: istio/istio at 1.29.6, 1.30.3 and 1.31.0-rc.0, which agree on all of it.
 */

/**
 * `--monitoringAddr=:15014`, the `http-monitoring` port of the istiod Service: where
 * `InitDebug(s.monitoringMux, ...)` puts the debug handlers (pilot/pkg/bootstrap/server.go
 * `initIstiodAdminServer`; manifests/charts/istio-control/istio-discovery/templates/service.yaml).
 */
export const ISTIOD_DEBUG_PORT = 15014;

/** The xDS types istiod pushes to a sidecar or gateway (pilot/pkg/xds/v3/model.go). */
export const XDS_TYPES = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;

/** One watched type of a proxy: pilot/pkg/xds/debug.go `ResourceStatus` (`sentTime` is Go's time.Time, RFC 3339 with nanoseconds). */
export interface ResourceStatus {
  sent?: string;
  acked?: string;
  sentTime?: string;
  lastError?: string;
}

/** One proxy connected to this istiod: pilot/pkg/xds/debug.go `SyncStatus` (every field `omitempty`). */
export interface SyncStatus {
  cluster_id?: string;
  /** `<pod name>.<pod namespace>` (pilot/cmd/pilot-agent/app/cmd.go: `proxyArgs.ID = PodName + "." + PodNamespace`). */
  proxy?: string;
  proxy_type?: string;
  proxy_version?: string;
  istio_version?: string;
  cluster_sent?: string;
  cluster_acked?: string;
  listener_sent?: string;
  listener_acked?: string;
  route_sent?: string;
  route_acked?: string;
  endpoint_sent?: string;
  endpoint_acked?: string;
  extensionconfig_sent?: string;
  extensionconfig_acked?: string;
  /** Per watched type URL. */
  resources?: Record<string, ResourceStatus>;
}

/**
 * One object of istiod's config store in `/debug/configz`: pilot/pkg/config/kube/crd/conversion.go
 * `ConvertConfig`. `apiVersion` is the store's version of the kind, whatever was applied.
 */
export interface ConfigzObject {
  kind: string;
  apiVersion: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string | null;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: unknown;
  status?: unknown;
}

/** `/debug/sidecarz?proxyID=`: pilot/pkg/model/sidecar.go `SidecarScope.MarshalJSON`. */
export interface SidecarScopeJson {
  /** The push version of the push context the scope was built for. */
  version: string;
  name: string;
  namespace: string;
  /** The proto struct through encoding/json: `mode` is the enum's number (ALLOW_ANY 1), REGISTRY_ONLY (0) omitted. */
  outboundTrafficPolicy: { mode?: number } | null;
  services: unknown[] | null;
  egressListenerServices: unknown[][] | null;
  servicesByHostname: Record<string, unknown> | null;
  sidecar: unknown;
  destinationRules: Record<string, unknown> | null;
}

/** What the wait reads of `/debug/mesh` (the mesh config as protobuf JSON, lowerCamelCase). */
export interface MeshConfigJson {
  rootNamespace?: string;
}

/**
 * The kinds of istiod's config store, which `/debug/configz` lists: `collections.Pilot` at 1.29.6
 * (pkg/config/schema/collections/collections.gen.go), with the store's group/version of each.
 */
export const ISTIOD_CONFIG_KINDS = [
  { group: 'security.istio.io', version: 'v1', kind: 'AuthorizationPolicy' },
  { group: 'networking.istio.io', version: 'v1', kind: 'DestinationRule' },
  { group: 'networking.istio.io', version: 'v1alpha3', kind: 'EnvoyFilter' },
  { group: 'networking.istio.io', version: 'v1', kind: 'Gateway' },
  { group: 'security.istio.io', version: 'v1', kind: 'PeerAuthentication' },
  { group: 'networking.istio.io', version: 'v1beta1', kind: 'ProxyConfig' },
  { group: 'security.istio.io', version: 'v1', kind: 'RequestAuthentication' },
  { group: 'networking.istio.io', version: 'v1', kind: 'ServiceEntry' },
  { group: 'networking.istio.io', version: 'v1', kind: 'Sidecar' },
  { group: 'telemetry.istio.io', version: 'v1', kind: 'Telemetry' },
  { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' },
  { group: 'extensions.istio.io', version: 'v1alpha1', kind: 'WasmPlugin' },
  { group: 'networking.istio.io', version: 'v1', kind: 'WorkloadEntry' },
  { group: 'networking.istio.io', version: 'v1', kind: 'WorkloadGroup' },
] as const;

/** A push version: `time.Now().Format(time.RFC3339) + "/" + counter` (pilot/pkg/xds/discovery.go `NextVersion`). */
export interface PushVersion {
  /** Epoch ms, whole seconds. */
  at: number;
  /** Per istiod process, incremented per push. */
  counter: number;
}

const PUSH_VERSION = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d))\/(\d+)$/;
const UUID_LENGTH = 36;

export function parsePushVersion(version: string): PushVersion | undefined {
  const match = PUSH_VERSION.exec(version);
  if (!match) return undefined;
  return { at: Date.parse(match[1]!), counter: Number(match[2]) };
}

/** `time.RFC3339` in UTC, as istiod (whose image sets no time zone) writes it. */
export function formatPushVersion(version: PushVersion): string {
  return `${new Date(version.at).toISOString().replace(/\.\d{3}Z$/, 'Z')}/${version.counter}`;
}

/** `nonce(req.Push.PushVersion)`: the version followed directly by a UUID (pilot/pkg/xds/discovery.go `nonce`, xdsgen.go `pushXds`). */
export function nonceOf(version: string, uuid: string): string {
  return version + uuid;
}

/** The push version a nonce was made from, or undefined for a nonce not made that way. */
export function pushVersionOfNonce(nonce: string): PushVersion | undefined {
  return nonce.length > UUID_LENGTH ? parsePushVersion(nonce.slice(0, -UUID_LENGTH)) : undefined;
}

/** Within one istiod the counter orders pushes; across a restart the counter starts again but the time does not go back. */
export function comparePushVersions(a: PushVersion, b: PushVersion): number {
  return a.at - b.at || a.counter - b.counter;
}

export type SyncState = 'SYNCED' | 'NOT SENT' | 'STALE' | 'ERROR';

/** pilot/pkg/xds/statusgen.go `debugSyncStatus`, the state `istioctl proxy-status` prints per type. */
export function syncStateOf(resource: ResourceStatus): SyncState {
  if (resource.lastError) return 'ERROR';
  if (!resource.sent) return 'NOT SENT';
  return resource.acked === resource.sent ? 'SYNCED' : 'STALE';
}

/** The pod namespace in a proxy id `<pod>.<namespace>`: namespaces are DNS labels, pod names may hold dots. */
export function proxyNamespaceOf(proxyId: string): string {
  return proxyId.slice(proxyId.lastIndexOf('.') + 1);
}

/** A config change as istiod keys it: the kind (by group) and where it lives. */
export interface ConfigKey {
  group: string;
  kind: string;
  namespace: string;
}

/**
 * Whether istiod pushes to a proxy for a change of this config: `always`, `never`, or `scope`
 * (only when the proxy's SidecarScope, old or new, depends on the object). pilot/pkg/xds/
 * proxy_dependencies.go `DefaultProxyNeedsPush` and `proxyDependentOnConfig` (with
 * `UnAffectedConfigKinds`: gateways ignore Sidecars, sidecars ignore networking Gateways) and
 * pilot/pkg/model/sidecar.go `DependsOnConfig` (`clusterScopedKnownConfigTypes` matter in the root
 * namespace and the proxy's own; `sidecarScopedKnownConfigTypes` by the scope's dependencies;
 * any other kind always). ztunnel takes no Envoy config (pilot/pkg/xds/xdsgen.go `xdsNeedsPush`).
 */
export function pushDependence(change: ConfigKey, proxy: { type: string; namespace: string }, rootNamespace: string): 'always' | 'never' | 'scope' {
  const kind = `${change.group}/${change.kind}`;
  switch (proxy.type) {
    case 'ztunnel':
      return 'never';
    case 'router':
      if (kind === 'networking.istio.io/Sidecar') return 'never';
      return kind === 'networking.istio.io/ServiceEntry' ? 'scope' : 'always';
    case 'sidecar':
      if (kind === 'networking.istio.io/Gateway') return 'never';
      if (CLUSTER_SCOPED_KINDS.has(kind)) return change.namespace === rootNamespace || change.namespace === proxy.namespace ? 'always' : 'never';
      return SIDECAR_SCOPED_KINDS.has(kind) ? 'scope' : 'always';
    default:
      return 'always';
  }
}

/** pilot/pkg/model/sidecar.go `sidecarScopedKnownConfigTypes`. */
const SIDECAR_SCOPED_KINDS = new Set([
  'networking.istio.io/ServiceEntry',
  'networking.istio.io/VirtualService',
  'networking.istio.io/DestinationRule',
  'networking.istio.io/Sidecar',
  'security.istio.io/PeerAuthentication',
]);

/** pilot/pkg/model/sidecar.go `clusterScopedKnownConfigTypes` (TrafficExtension: 1.30+). */
const CLUSTER_SCOPED_KINDS = new Set([
  'networking.istio.io/EnvoyFilter',
  'security.istio.io/AuthorizationPolicy',
  'security.istio.io/RequestAuthentication',
  'extensions.istio.io/WasmPlugin',
  'extensions.istio.io/TrafficExtension',
  'telemetry.istio.io/Telemetry',
]);

/**
 * Kinds whose change makes istiod rebuild every connected proxy's SidecarScope, pushed or not, so
 * that `/debug/sidecarz` shows the new push version: pilot/pkg/xds/ads.go `computeProxyState`.
 */
export function rebuildsSidecarScope(change: { group: string; kind: string }): boolean {
  return SIDECAR_SCOPED_KINDS.has(`${change.group}/${change.kind}`);
}
