/** What the data plane knows about a pod: identity for metrics and mTLS, and where it listens. */
import type { ReadonlyKubeObject } from './types.js';

export interface Address {
  host: string;
  port: number;
}

export interface Workload {
  /** Deployment-style workload name (the pod's owner without the pod-template-hash), as Istio's metrics label it. */
  name: string;
  namespace: string;
  app: string;
  version: string;
  /** service.istio.io/canonical-name and -revision, as the injector labels the pod (or the same fallbacks). */
  canonicalService: string;
  canonicalRevision: string;
  serviceAccount: string;
  /** spiffe://cluster.local/ns/NS/sa/SA */
  principal: string;
  labels: Readonly<Record<string, string>>;
}

export interface PodEntry {
  namespace: string;
  name: string;
  workload: Workload;
  sidecar: boolean;
  /** Where the app listens, per containerPort. */
  appPorts: Map<number, Address>;
  /** The sidecar's inbound listener per captured containerPort, and its agent's stats port. */
  inbound: Map<number, Address>;
  /** Whether the sidecar captures inbound traffic to a port (never, for a pod without one). */
  captures(port: number): boolean;
  /** Gateways and addons: one listener for every port. */
  anyPort?: Address;
  /** Gateways and sidecars hold mesh identity and speak (emulated) mTLS. */
  meshProxy: boolean;
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function hasSidecar(pod: ReadonlyKubeObject): boolean {
  const spec = pod.spec ?? {};
  const named = (containers: unknown) => Array.isArray(containers) && containers.some((c: { name?: string }) => c?.name === 'istio-proxy');
  // Classic injection puts istio-proxy among the containers; native sidecars among the init containers.
  return named(spec.containers) || named(spec.initContainers);
}

export function workloadOf(pod: ReadonlyKubeObject): Workload {
  const labels = pod.metadata.labels ?? {};
  const namespace = pod.metadata.namespace ?? 'default';
  const owner = (pod.metadata.ownerReferences as ReadonlyArray<{ kind?: string; name?: string }> | undefined)?.[0];
  let name = owner?.name ?? pod.metadata.name;
  const hash = labels['pod-template-hash'];
  if (owner?.kind === 'ReplicaSet' && hash && name.endsWith(`-${hash}`)) name = name.slice(0, -hash.length - 1);
  const serviceAccount = (pod.spec?.serviceAccountName as string | undefined) ?? 'default';
  return {
    name,
    namespace,
    app: labels.app ?? labels['app.kubernetes.io/name'] ?? name,
    version: labels.version ?? labels['app.kubernetes.io/version'] ?? 'unknown',
    // istio/istio@1.30.3 manifests/charts/istio-control/istio-discovery/files/injection-template.yaml
    canonicalService: labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? name,
    canonicalRevision: labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest',
    serviceAccount,
    principal: `spiffe://cluster.local/ns/${namespace}/sa/${serviceAccount}`,
    labels,
  };
}

export function isReady(pod: ReadonlyKubeObject): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const conditions = (pod.status?.conditions ?? []) as ReadonlyArray<{ type?: string; status?: string }>;
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}
