/** Cluster IPs (10.96.0.0/16) and node ports (30000-32767) for Services, like the real allocators. */
import { fieldInvalid, invalid } from '../store/errors.js';
import type { KubeObject } from '../store/types.js';

const SERVICES = { group: '', kind: 'Service', plural: 'services' };
/** Service types that get node ports (and so kube-proxy's NodePort listeners). */
export const usesNodePorts = (spec: any) => spec?.type === 'NodePort' || spec?.type === 'LoadBalancer';
/** Kubernetes' ExternallyAccessible: the Services externalTrafficPolicy applies to. */
export const externallyAccessible = (spec: any) => usesNodePorts(spec) || (spec?.type === 'ClusterIP' && spec.externalIPs?.length > 0);

/**
 * A type change frees what only the old type used, when the update left it as it was (Kubernetes'
 * dropTypeDependentFields): `kubectl patch -p '{"spec":{"type":"ClusterIP"}}'` on a NodePort
 * Service keeps its nodePorts in the body. A value the update sets anew is the user's and stays,
 * for validation to refuse. Runs before validation, as on a real server.
 */
export function dropTypeDependentFields(service: KubeObject, previous: KubeObject): void {
  const spec = service.spec;
  const old = previous.spec;
  if (!spec || typeof spec !== 'object' || !Array.isArray(spec.ports ?? [])) return;
  const oldNodePorts = new Set((old?.ports ?? []).map((p: any) => p?.nodePort).filter(Boolean));
  const sameNodePorts = (spec.ports ?? []).every((p: any) => !p?.nodePort || oldNodePorts.has(p.nodePort));
  if (usesNodePorts(old) && !usesNodePorts(spec) && sameNodePorts) for (const p of spec.ports ?? []) if (p && typeof p === 'object') delete p.nodePort;
  if (externallyAccessible(old) && !externallyAccessible(spec) && spec.externalTrafficPolicy === old.externalTrafficPolicy) delete spec.externalTrafficPolicy;
}

export class ServiceAllocator {
  private nextIp = 10;
  /** Hands out a node port that is free on this machine (the sim's node), or undefined to pick one at random. */
  freeNodePort: (inUse: ReadonlySet<number>) => number | undefined = () => undefined;

  /** Fills spec.clusterIP(s) and node ports of a new or updated Service; `others` are the existing Services. */
  assign(service: KubeObject, previous: KubeObject | undefined, others: KubeObject[]): void {
    const spec = service.spec;
    if (!spec || typeof spec !== 'object' || spec.type === 'ExternalName') return;
    const usedIps = new Set(others.map((s) => s.spec?.clusterIP));
    if (previous?.spec?.clusterIP && !spec.clusterIP) spec.clusterIP = previous.spec.clusterIP;
    if (!spec.clusterIP) {
      do {
        spec.clusterIP = `10.96.${Math.floor(this.nextIp / 250)}.${(this.nextIp % 250) + 1}`;
        this.nextIp++;
      } while (usedIps.has(spec.clusterIP));
    }
    spec.clusterIPs = [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
    if (!usesNodePorts(spec)) return;
    spec.externalTrafficPolicy ??= 'Cluster';
    const usedPorts = new Set<number>();
    for (const s of others) for (const p of s.spec?.ports ?? []) if (p?.nodePort) usedPorts.add(p.nodePort);
    const previousPorts = previous?.spec?.ports ?? [];
    for (const [i, port] of (spec.ports ?? []).entries()) {
      if (port.nodePort) {
        if (usedPorts.has(port.nodePort)) {
          throw invalid(SERVICES, service.metadata.name, [fieldInvalid(`spec.ports[${i}].nodePort`, port.nodePort, 'provided port is already allocated')]);
        }
      } else {
        port.nodePort = previousPorts.find((p: any) => p.port === port.port)?.nodePort ?? this.freeNodePort(usedPorts);
        for (let candidate = 30000 + Math.floor(Math.random() * 2700); !port.nodePort; candidate = candidate >= 32767 ? 30000 : candidate + 1) {
          if (!usedPorts.has(candidate)) port.nodePort = candidate;
        }
      }
      usedPorts.add(port.nodePort);
    }
  }
}
