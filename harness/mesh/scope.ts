/**
 * What one proxy sees of the mesh, as istiod's SidecarScope decides it: objects exported to the
 * proxy's namespace (`exportTo`, the Service annotation `networking.istio.io/exportTo`, the mesh
 * config defaults), narrowed for sidecars by the Sidecar resource's egress hosts. A host outside
 * the scope has no cluster in the proxy: traffic to it takes the outbound traffic policy.
 */
import { resolveExportTo } from './compile/export-to.js';
import {
  IMPORT_EVERYTHING,
  ROOT_NAMESPACE,
  type DestinationRule,
  type EgressListener,
  type ExportTo,
  type MeshConfig,
  type OutboundMode,
  type ServiceEntry,
  type SidecarConfig,
  type VirtualService,
} from './config-types.js';
import { hostMatches, serviceFqdn } from './hosts.js';
import type { ReadonlyKubeObject } from './types.js';
import { labelsMatch } from './workload.js';

const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

/** Which registry entries a lookup may use: those the proxy imports, or (for route destinations) those exported to it. */
export interface RegistryView {
  service(service: ReadonlyKubeObject, port: number): boolean;
  serviceEntry(entry: ServiceEntry, host: string, port: number): boolean;
}

/** The whole registry: what a pod without a proxy reaches through DNS and kube-proxy. */
export const WHOLE_REGISTRY: RegistryView = { service: () => true, serviceEntry: () => true };

/** Istio's Name.Matches: two host names overlap when equal or when a wildcard of one covers the other. */
function overlaps(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a);
}

function exportedTo(exportTo: ExportTo | undefined, fallback: '*' | '.', owner: string, namespace: string): boolean {
  const effective = exportTo ?? (fallback === '*' ? '*' : new Set([owner]));
  return effective === '*' || effective.has(namespace);
}

/**
 * The Sidecar resource for a workload: the one in its namespace whose workloadSelector selects it,
 * else its namespace's one without selector, else the root namespace's one without selector.
 */
function sidecarFor(sidecars: SidecarConfig[], namespace: string, labels: Record<string, string>): SidecarConfig | undefined {
  return (
    sidecars.find((s) => s.namespace === namespace && s.selector && labelsMatch(s.selector, labels)) ??
    sidecars.find((s) => s.namespace === namespace && !s.selector) ??
    sidecars.find((s) => s.namespace === ROOT_NAMESPACE && !s.selector)
  );
}

export class ProxyScope {
  readonly outboundMode: OutboundMode;
  /** The Sidecar resource that scopes this proxy, if any. */
  readonly sidecar: SidecarConfig | undefined;
  /** Egress listeners with "." resolved to the proxy's namespace (also for the root namespace's Sidecar). */
  private readonly egress: EgressListener[];
  /** Hosts the imported VirtualServices route or mirror to: Istio imports those services too. */
  private readonly routedHosts: Set<string>;

  /** `labels` undefined: a gateway, which Sidecar resources do not scope. */
  constructor(
    private readonly config: MeshConfig,
    readonly namespace: string,
    labels: Record<string, string> | undefined,
  ) {
    const sidecar = labels && sidecarFor(config.sidecars, namespace, labels);
    this.sidecar = sidecar;
    this.outboundMode = sidecar?.outboundMode ?? config.mesh.outboundMode;
    this.egress = (sidecar?.egress ?? IMPORT_EVERYTHING).map((listener) => ({
      ...listener,
      hosts: listener.hosts.map((h) => (h.namespace === '.' ? { ...h, namespace } : h)),
    }));
    this.routedHosts = new Set(
      config.virtualServices
        .filter((vs) => this.importsVirtualService(vs))
        .flatMap((vs) => vs.http.flatMap((r) => [...r.route.map((d) => d.host), ...r.mirrors.map((m) => m.destination.host)])),
    );
  }

  private imports(namespace: string, hosts: string[], port: number | undefined): boolean {
    return this.egress.some(
      (listener) =>
        (port === undefined || listener.port === undefined || listener.port === port) &&
        listener.hosts.some((h) => (h.namespace === '*' || h.namespace === namespace) && hosts.some((host) => overlaps(h.host, host))),
    );
  }

  private importsVirtualService(vs: VirtualService, port?: number): boolean {
    return (
      exportedTo(vs.exportTo, this.config.mesh.exportToDefaults.virtualService, vs.namespace, this.namespace) && this.imports(vs.namespace, vs.hosts, port)
    );
  }

  /** VirtualServices that apply to this proxy's traffic on `port`, oldest first. */
  virtualServices(port: number): VirtualService[] {
    return this.config.virtualServices.filter((vs) => this.importsVirtualService(vs, port));
  }

  private serviceExported(service: ReadonlyKubeObject): boolean {
    const owner = service.metadata.namespace ?? 'default';
    const annotation = service.metadata.annotations?.[EXPORT_TO_ANNOTATION];
    const exportTo =
      annotation === undefined
        ? undefined
        : resolveExportTo(
            annotation
              .split(',')
              .map((e) => e.trim())
              .filter(Boolean),
            owner,
          );
    return exportedTo(exportTo, this.config.mesh.exportToDefaults.service, owner, this.namespace);
  }

  private entryExported(entry: ServiceEntry): boolean {
    return exportedTo(entry.exportTo, this.config.mesh.exportToDefaults.service, entry.namespace, this.namespace);
  }

  /** Registry entries this proxy has clusters for: exported to it and imported by egress hosts or by a VirtualService route. */
  readonly imported: RegistryView = {
    service: (service, port) => {
      const namespace = service.metadata.namespace ?? 'default';
      const fqdn = serviceFqdn(service.metadata.name, namespace);
      return this.serviceExported(service) && (this.imports(namespace, [fqdn], port) || this.routedHosts.has(fqdn));
    },
    serviceEntry: (entry, host, port) => this.entryExported(entry) && (this.imports(entry.namespace, entry.hosts, port) || this.routedHosts.has(host)),
  };

  /** The Services among `services` this proxy imports on some port. */
  importedServices(services: readonly ReadonlyKubeObject[]): ReadonlyKubeObject[] {
    return services.filter((service) => {
      const namespace = service.metadata.namespace ?? 'default';
      const fqdn = serviceFqdn(service.metadata.name, namespace);
      return this.serviceExported(service) && (this.imports(namespace, [fqdn], undefined) || this.routedHosts.has(fqdn));
    });
  }

  /**
   * What istiod's SidecarScope of this proxy depends on (pilot/pkg/model/sidecar.go,
   * `AddConfigDependencies`): the Sidecar that selects it, the VirtualServices its egress imports,
   * the ServiceEntries it imports, the DestinationRules of its imported hosts, and the
   * PeerAuthentications of the root namespace, its own and its services' namespaces. Keys are
   * `group/kind/namespace/name`.
   */
  dependencies(services: readonly ReadonlyKubeObject[]): Set<string> {
    const keys = new Set<string>();
    const add = (group: string, kind: string, namespace: string, name: string) => keys.add(`${group}/${kind}/${namespace}/${name}`);
    if (this.sidecar) add('networking.istio.io', 'Sidecar', this.sidecar.namespace, this.sidecar.name);
    for (const vs of this.config.virtualServices.filter((v) => this.importsVirtualService(v)))
      add('networking.istio.io', 'VirtualService', vs.namespace, vs.name);
    const hosts: Array<{ host: string; namespace: string }> = this.importedServices(services).map((s) => ({
      host: serviceFqdn(s.metadata.name, s.metadata.namespace ?? 'default'),
      namespace: s.metadata.namespace ?? 'default',
    }));
    for (const entry of this.config.serviceEntries) {
      if (!this.entryExported(entry) || !(this.imports(entry.namespace, entry.hosts, undefined) || entry.hosts.some((h) => this.routedHosts.has(h)))) continue;
      add('networking.istio.io', 'ServiceEntry', entry.namespace, entry.name);
      hosts.push(...entry.hosts.map((host) => ({ host, namespace: entry.namespace })));
    }
    for (const { host, namespace } of hosts) {
      const rule = this.destinationRule(host, namespace);
      if (rule) add('networking.istio.io', 'DestinationRule', rule.namespace, rule.name);
    }
    const namespaces = new Set([ROOT_NAMESPACE, this.namespace, ...hosts.map((h) => h.namespace)]);
    for (const policy of this.config.peerAuthentications.filter((p) => namespaces.has(p.namespace)))
      add('security.istio.io', 'PeerAuthentication', policy.namespace, policy.name);
    return keys;
  }

  /** Registry entries a route may name: those exported to this proxy's namespace. */
  readonly exported: RegistryView = {
    service: (service) => this.serviceExported(service),
    serviceEntry: (entry) => this.entryExported(entry),
  };

  /**
   * The DestinationRule for `host`, looked up as Istio does: the client's namespace, then the
   * service's, then the root namespace, using only rules exported to the client; within a
   * namespace the most specific host wins, then the oldest rule.
   */
  destinationRule(host: string, serviceNamespace: string | undefined): DestinationRule | undefined {
    const candidates = this.config.destinationRules
      .filter((dr) => hostMatches(dr.host, host) && exportedTo(dr.exportTo, this.config.mesh.exportToDefaults.destinationRule, dr.namespace, this.namespace))
      .sort((a, b) => Number(b.host === host) - Number(a.host === host) || b.host.length - a.host.length);
    for (const namespace of [this.namespace, serviceNamespace, ROOT_NAMESPACE]) {
      const found = candidates.find((dr) => dr.namespace === namespace);
      if (found) return found;
    }
    return undefined;
  }
}
