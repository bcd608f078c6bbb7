/**
 * The seam between the embedded cluster (harness/sim) and the emulated Istio data plane
 * (harness/mesh). The sim owns state (the object store), pods and their processes; the
 * mesh owns every network path between them: kube-proxy style service resolution for pods
 * without a sidecar, and Envoy behaviour for pods with one, plus the gateways.
 */

import type { ManifestObject } from '../kube/manifests.js';

/**
 * A Kubernetes object as the sim stores it: a manifest object plus what the server adds.
 * `Body` types spec and status: loose (`any`) where the sim builds objects, unknown in the
 * read-only view below.
 */
export interface KubeObject<Body = any> extends ManifestObject {
  metadata: ManifestObject['metadata'] & {
    generation?: number;
    resourceVersion?: string;
    uid?: string;
  };
  spec?: Body;
  status?: Body;
}

/** Read-only all the way down (arrays included). */
type DeepReadonly<T> = T extends (...args: never[]) => unknown ? T : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/**
 * An object the sim shares without copying it: the store's own. Read-only all the way down, so
 * the compiler rejects any write; spec and status fields are unknown until a reader narrows them.
 */
export type ReadonlyKubeObject = DeepReadonly<KubeObject<Record<string, unknown>>>;

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * What the sim offers the mesh. Objects are the store's own, not copies (the data plane reads
 * them on every request): the sim replaces an object on each write and never changes one in
 * place, so an object the mesh holds stays as it was when read.
 */
export interface MeshHost {
  /** Objects of a group/kind (e.g. {group: 'networking.istio.io', kind: 'VirtualService'}), optionally one namespace, by namespace/name. Core group is ''. */
  list(group: string, kind: string, namespace?: string): readonly ReadonlyKubeObject[];
  get(group: string, kind: string, namespace: string | undefined, name: string): ReadonlyKubeObject | undefined;
  /** Called after every committed change; returns an unsubscribe function. */
  onChange(listener: (type: ChangeType, obj: ReadonlyKubeObject) => void): () => void;
  /** Hosts outside the cluster the sim provides (DNS name or IP -> loopback port), for egress chapters. */
  externalHosts(): ExternalHost[];
}

export interface ExternalHost {
  /** DNS names and IP addresses this host answers to, e.g. ["external.meshspec.test", "192.0.2.10"]. */
  names: string[];
  /** Where it really listens on this machine. */
  address: { host: string; port: number };
}

/** What the sim tells the mesh when a pod is about to start. */
export interface PodAttachment {
  pod: ReadonlyKubeObject;
  /**
   * Where the pod's app really listens: containerPort -> loopback address. The app chooses its port
   * when it (re)starts, after attachPod: the sim updates `port` of these same objects in place (0
   * while the app does not listen), so read them per connection and keep them, not copies.
   */
  appPorts: Map<number, { host: string; port: number }>;
}

/** What the mesh gives back for a pod. */
export interface PodNetwork {
  /** Environment for the pod's process: MESHSPEC_OUTBOUND_PROXY=http://127.0.0.1:P (its outbound capture). */
  env: Record<string, string>;
  /** Where to connect to reach the pod's containerPort from outside it (through its inbound sidecar if any). */
  inbound(containerPort: number): { host: string; port: number } | null;
}

/** What the mesh offers the sim. */
export interface DataPlane {
  start(): Promise<void>;
  attachPod(attachment: PodAttachment): Promise<PodNetwork>;
  detachPod(namespace: string, name: string): Promise<void>;
  /** Runs a gateway pod (image istio/proxyv2 labelled istio=ingressgateway|egressgateway) in-process. */
  startGateway(pod: ReadonlyKubeObject): Promise<{ ready: boolean }>;
  /**
   * Runs an observability addon's stand-in in-process when `image` is one (prometheus, grafana,
   * kiali, jaeger/zipkin), returning where it listens; null when the image is not an addon.
   */
  startAddon(pod: ReadonlyKubeObject, image: string): Promise<{ host: string; port: number } | null>;
  /**
   * Runs istiod's monitoring port (its debug interface) for an istiod pod, or null where the data
   * plane has none: `loopback` is where a caller on the pod's own localhost (a port-forward)
   * lands, `network` where anyone else does (the API server's proxy, another pod).
   */
  startIstiod(pod: ReadonlyKubeObject): Promise<{ loopback: { host: string; port: number }; network: { host: string; port: number } } | null>;
  /** Host port of the ingress gateway's http port (80), once a gateway runs. */
  ingressAddress(): { host: string; port: number } | null;
  /** Increases whenever the data plane has taken up a configuration change. */
  configGeneration(): number;
  stop(): Promise<void>;
}
