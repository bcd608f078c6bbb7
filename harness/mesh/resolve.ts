/**
 * The service registry: what a host name means (a Kubernetes Service, a ServiceEntry, or
 * something outside the mesh) and which endpoints serve it, as kube-dns, kube-proxy and
 * istiod's endpoint discovery together decide it.
 */
import { hostMatches, serviceFqdn, serviceNameOf } from './hosts.js';
import type { MeshConfig, ServiceEntry } from './config-types.js';
import type { RegistryView } from './scope.js';
import type { ExternalHost, MeshHost, ReadonlyKubeObject } from './types.js';
import { isReady, labelsMatch, type Address, type PodEntry } from './workload.js';

interface ServicePort {
  port: number;
  name?: string;
  appProtocol?: string;
  targetPort: number | string;
}

/** Protocols Istio proxies as opaque TCP (no HTTP routing), chosen by appProtocol or the port name's prefix. */
const OPAQUE_PROTOCOLS = new Set(['tcp', 'tls', 'https', 'mongo', 'mysql', 'redis', 'udp']);
/** What else `protocol.Parse` knows (istio/istio@1.30.3 pkg/config/protocol/instance.go); any other name is sniffed. */
const HTTP_PROTOCOLS = new Set(['grpc', 'grpc-web', 'http', 'http_proxy', 'http2']);
/** SMTP, DNS, MySQL, MongoDB: a port without a known protocol is TCP here, not sniffed. */
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);

/**
 * Whether Istio would treat this Service port as TCP, so its http routes do not apply: as
 * istio/istio@1.30.3 pkg/config/kube/conversion.go ConvertProtocol decides it (the same at 1.29.6
 * and 1.31.0-rc.0): appProtocol over the name, Kubernetes' `kubernetes.io/wss` as HTTPS, the
 * prefix before the first dash (`grpc-web` whole), and the well-known ports for the rest.
 */
export function isOpaquePort(port: ServicePort): boolean {
  const name = (port.appProtocol ?? port.name ?? '').toLowerCase();
  if (name === 'kubernetes.io/wss') return true;
  if (name === 'kubernetes.io/h2c' || name === 'kubernetes.io/ws') return false;
  const protocol = name.startsWith('grpc-web') ? 'grpc-web' : name.split('-')[0]!;
  if (OPAQUE_PROTOCOLS.has(protocol)) return true;
  return !HTTP_PROTOCOLS.has(protocol) && WELL_KNOWN_TCP_PORTS.has(port.port);
}

export type Target =
  | { kind: 'service'; fqdn: string; service: ReadonlyKubeObject; port: ServicePort }
  | { kind: 'service-entry'; fqdn: string; entry: ServiceEntry; port: number }
  /**
   * Not in the registry the proxy sees: passthrough under ALLOW_ANY, blocked under REGISTRY_ONLY.
   * `service`: a Service hidden from the proxy, which passthrough still reaches through kube-proxy.
   */
  | { kind: 'unknown'; host: string; port: number; service?: { object: ReadonlyKubeObject; port: ServicePort } };

export interface Endpoint {
  /** Stable id for outlier detection and retry host selection. */
  id: string;
  /** Null when the endpoint exists but nothing listens for that port (connect failure). */
  address: Address | null;
  pod?: PodEntry;
  /** A sidecar or gateway answers on this endpoint and accepts (emulated) mTLS. */
  meshProxy: boolean;
  /**
   * The pod is labelled `security.istio.io/tlsMode: istio` (the sidecar injector sets it; gateways
   * lack it), so a client's auto mTLS may choose mTLS for it even on a port its sidecar does not
   * capture (istio/istio@1.30.3 pilot/pkg/serviceregistry/kube/conversion.go PodTLSMode,
   * pilot/pkg/xds/endpoints/mtls_checker.go checkMtlsEnabled).
   */
  istioTlsMode: boolean;
  /** The pod's port the endpoint stands for, whose PeerAuthentication port level applies. */
  containerPort?: number;
}

/** Istio's endpoint tlsMode: the pod label, `disabled` when absent (pilot/pkg/model/service.go GetTLSModeFromEndpointLabels). */
function hasIstioTlsMode(entry: PodEntry | undefined): boolean {
  return entry?.workload.labels['security.istio.io/tlsMode'] === 'istio';
}

function servicePorts(service: ReadonlyKubeObject): ServicePort[] {
  return ((service.spec?.ports ?? []) as ReadonlyArray<{ port: number; name?: string; appProtocol?: string; targetPort?: number | string }>).map((p) => ({
    port: p.port,
    name: p.name,
    appProtocol: p.appProtocol,
    targetPort: p.targetPort ?? p.port,
  }));
}

function selectorOf(service: ReadonlyKubeObject): Readonly<Record<string, string>> | undefined {
  return service.spec?.selector as Readonly<Record<string, string>> | undefined;
}

export class Resolver {
  constructor(
    private readonly host: MeshHost,
    private readonly pods: ReadonlyMap<string, PodEntry>,
  ) {}

  private service(name: string, namespace: string): ReadonlyKubeObject | undefined {
    return this.host.get('', 'Service', namespace, name);
  }

  /**
   * Whether a sidecar has an HTTP listener on `port`: some Service or ServiceEntry it imports has
   * that port with HTTP or a sniffed protocol (a ServiceEntry's by its `protocol`). Only there does
   * an unknown host meet the HTTP route table's catch-all; elsewhere it takes the virtual outbound
   * listener's TCP path (istio/istio@1.30.3 pilot/pkg/networking/core/listener.go, httproute.go).
   */
  hasHttpListener(port: number, config: MeshConfig, view: RegistryView): boolean {
    const services = this.host.list('', 'Service').some((s) => servicePorts(s).some((p) => p.port === port && !isOpaquePort(p)) && view.service(s, port));
    return (
      services ||
      config.serviceEntries.some(
        (e) =>
          e.ports.some((p) => p.number === port && !isOpaquePort({ port: p.number, name: p.protocol, targetPort: p.number })) &&
          e.hosts.some((h) => view.serviceEntry(e, h, port)),
      )
    );
  }

  /**
   * What `host:port`, as a client in `namespace` wrote it, refers to among the entries `view`
   * admits. Undefined: the Service has no such port.
   */
  resolve(hostName: string, port: number, namespace: string, config: MeshConfig, view: RegistryView): Target | undefined {
    const ref = serviceNameOf(hostName, namespace);
    const service =
      (ref && this.service(ref.name, ref.namespace)) || this.host.list('', 'Service').find((s) => s.spec?.clusterIP && s.spec.clusterIP === hostName);
    if (service) {
      const servicePort = servicePorts(service).find((p) => p.port === port);
      if (!servicePort) return undefined;
      if (!view.service(service, port)) return { kind: 'unknown', host: hostName, port, service: { object: service, port: servicePort } };
      return { kind: 'service', fqdn: serviceFqdn(service.metadata.name, service.metadata.namespace ?? 'default'), service, port: servicePort };
    }
    const entry = this.serviceEntryFor(hostName, port, namespace, config, view);
    if (entry) return { kind: 'service-entry', fqdn: hostName, entry, port };
    return { kind: 'unknown', host: hostName, port };
  }

  /** Of the ServiceEntries for a host that `view` admits, the one in the client's namespace, else the oldest. */
  private serviceEntryFor(host: string, port: number, namespace: string, config: MeshConfig, view: RegistryView): ServiceEntry | undefined {
    const entries = config.serviceEntries.filter((e) => e.hosts.some((h) => hostMatches(h, host)) && view.serviceEntry(e, host, port));
    return entries.find((e) => e.namespace === namespace) ?? entries[0];
  }

  /**
   * A route destination: `host` is already expanded; `port` may be omitted when the Service has
   * one port, else the port the client called is used.
   */
  resolveDestination(
    host: string,
    port: number | undefined,
    requestPort: number,
    namespace: string,
    config: MeshConfig,
    view: RegistryView,
  ): Target | undefined {
    const ref = serviceNameOf(host, 'default');
    const service = ref && host.endsWith('.svc.cluster.local') ? this.service(ref.name, ref.namespace) : undefined;
    if (ref && service && view.service(service, port ?? requestPort)) {
      const ports = servicePorts(service);
      const chosen = port !== undefined ? ports.find((p) => p.port === port) : ports.length === 1 ? ports[0] : ports.find((p) => p.port === requestPort);
      return chosen && { kind: 'service', fqdn: host, service, port: chosen };
    }
    const entry = this.serviceEntryFor(host, port ?? requestPort, namespace, config, view);
    if (entry) return { kind: 'service-entry', fqdn: host, entry, port: port ?? (entry.ports.length === 1 ? entry.ports[0]!.number : requestPort) };
    return undefined;
  }

  /** Ready endpoints of a target, optionally only pods carrying `subsetLabels`. */
  endpoints(target: Target, subsetLabels?: Record<string, string>): Endpoint[] {
    if (target.kind === 'service') return this.serviceEndpoints(target.service, target.port, subsetLabels);
    if (target.kind === 'service-entry') return this.entryEndpoints(target.entry, target.fqdn, target.port);
    if (target.service) return this.serviceEndpoints(target.service.object, target.service.port);
    const external = this.external(target.host);
    if (external) return [{ id: `external|${target.host}`, address: external.address, meshProxy: false, istioTlsMode: false }];
    return this.podIpEndpoints(target.host, target.port);
  }

  /** A pod called by its IP, as clients of headless services and tutorials' curl lines do. */
  private podIpEndpoints(ip: string, port: number): Endpoint[] {
    const pod = this.host.list('', 'Pod').find((p) => p.status?.podIP === ip);
    const entry = pod && this.pods.get(`${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`);
    return entry
      ? [
          {
            id: `${entry.namespace}/${entry.name}:${port}`,
            address: podAddress(entry, port),
            pod: entry,
            meshProxy: proxyAnswers(entry, port),
            istioTlsMode: hasIstioTlsMode(entry),
            containerPort: port,
          },
        ]
      : [];
  }

  /**
   * The ports a gateway pod's listener answers for a call to service port `port`: that port and
   * the numeric targetPort its Service maps it to (a Gateway server may name either, as in Istio).
   */
  gatewayPorts(gateway: PodEntry, port: number): number[] {
    const targets = this.host
      .list('', 'Service', gateway.namespace)
      .filter((s) => {
        const selector = selectorOf(s);
        return selector !== undefined && labelsMatch(selector, gateway.workload.labels);
      })
      .flatMap((s) =>
        servicePorts(s)
          .filter((p) => p.port === port && typeof p.targetPort === 'number')
          .map((p) => p.targetPort as number),
      );
    return [port, ...targets];
  }

  /** Where a name outside the cluster (DNS name or IP) really listens; undefined = does not resolve. */
  external(name: string): ExternalHost | undefined {
    return this.host.externalHosts().find((h) => h.names.some((n) => n.toLowerCase() === name));
  }

  private serviceEndpoints(service: ReadonlyKubeObject, port: ServicePort, subsetLabels?: Record<string, string>): Endpoint[] {
    const selector = selectorOf(service);
    if (!selector || Object.keys(selector).length === 0) return [];
    const namespace = service.metadata.namespace ?? 'default';
    return this.host
      .list('', 'Pod', namespace)
      .filter((pod) => isReady(pod) && labelsMatch(selector, pod.metadata.labels ?? {}) && labelsMatch(subsetLabels, pod.metadata.labels ?? {}))
      .map((pod) => {
        const entry = this.pods.get(`${namespace}/${pod.metadata.name}`);
        const containerPort = this.containerPort(pod, port.targetPort);
        return {
          id: `${namespace}/${pod.metadata.name}:${containerPort}`,
          address: entry && containerPort !== undefined ? podAddress(entry, containerPort) : null,
          pod: entry,
          meshProxy: entry !== undefined && containerPort !== undefined && proxyAnswers(entry, containerPort),
          istioTlsMode: hasIstioTlsMode(entry),
          containerPort,
        };
      });
  }

  private containerPort(pod: ReadonlyKubeObject, targetPort: number | string): number | undefined {
    if (typeof targetPort === 'number') return targetPort;
    if (/^\d+$/.test(targetPort)) return Number(targetPort);
    const containers = (pod.spec?.containers ?? []) as ReadonlyArray<{ ports?: ReadonlyArray<{ name?: string; containerPort: number }> }>;
    return containers.flatMap((c) => c.ports ?? []).find((p) => p.name === targetPort)?.containerPort;
  }

  private entryEndpoints(entry: ServiceEntry, host: string, port: number): Endpoint[] {
    // DNS and NONE resolve the requested host itself; STATIC (and DNS with endpoints) resolve each endpoint address.
    const names = entry.endpoints.length > 0 && entry.resolution !== 'NONE' ? entry.endpoints.map((e) => e.address.toLowerCase()) : [host];
    return names.flatMap((name) => {
      const external = this.external(name);
      return external ? [{ id: `external|${name}:${port}`, address: external.address, meshProxy: false, istioTlsMode: false }] : [];
    });
  }
}

/** Whether a proxy answers on a pod's containerPort: a gateway on every port, a sidecar on those it captures. */
function proxyAnswers(entry: PodEntry, containerPort: number): boolean {
  return entry.meshProxy && (entry.anyPort !== undefined || entry.captures(containerPort));
}

/**
 * Where to connect to reach a pod's containerPort: its sidecar's inbound listener for a port it
 * captures (or its agent's stats port), else the app itself.
 */
export function podAddress(entry: PodEntry, containerPort: number): Address | null {
  if (entry.anyPort) return entry.anyPort;
  if (entry.captures(containerPort)) return entry.inbound.get(containerPort) ?? null;
  return entry.inbound.get(containerPort) ?? entry.appPorts.get(containerPort) ?? null;
}
