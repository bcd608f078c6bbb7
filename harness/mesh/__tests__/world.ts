/**
 * A small world for data plane tests: an in-memory MeshHost, the data plane over it, and
 * in-process echo servers as pods.
 */
import net from 'node:net';
import { expect } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEchoServer, type EchoServer } from '../../../apps/echo/src/server.js';
import { CONTROL_PORT, encodeForward, type ForwardRequest, type ForwardResponse, type RequestLogPage } from '../../../apps/echo/src/protocol.js';
import { createDataPlane, type DataPlaneOptions } from '../data-plane.js';
import type { ChangeType, DataPlane, ExternalHost, KubeObject, MeshHost, PodNetwork } from '../types.js';

type Listener = (type: ChangeType, obj: KubeObject) => void;

const groupOf = (obj: KubeObject) => (obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0]! : '');

class FakeHost implements MeshHost {
  private readonly objects = new Map<string, KubeObject>();
  private readonly listeners = new Set<Listener>();
  readonly external: ExternalHost[] = [];
  private created = 0;
  private resourceVersion = 0;

  private key(group: string, kind: string, namespace: string | undefined, name: string): string {
    return `${group}|${kind}|${namespace ?? ''}|${name}`;
  }

  apply(obj: KubeObject): KubeObject {
    const key = this.key(groupOf(obj), obj.kind, obj.metadata.namespace, obj.metadata.name);
    const existing = this.objects.get(key);
    const stored: KubeObject = {
      ...obj,
      metadata: {
        ...obj.metadata,
        generation: (existing?.metadata.generation ?? 0) + 1,
        resourceVersion: String(++this.resourceVersion),
        // Distinct, increasing creation times keep "oldest first" ordering deterministic.
        creationTimestamp: (existing?.metadata.creationTimestamp as string | undefined) ?? new Date(Date.UTC(2026, 0, 1) + ++this.created * 1000).toISOString(),
      },
    };
    this.objects.set(key, stored);
    for (const l of this.listeners) l(existing ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  delete(obj: KubeObject): void {
    const key = this.key(groupOf(obj), obj.kind, obj.metadata.namespace, obj.metadata.name);
    const existing = this.objects.get(key);
    if (!existing) return;
    this.objects.delete(key);
    for (const l of this.listeners) l('DELETED', existing);
  }

  list(group: string, kind: string, namespace?: string): KubeObject[] {
    return [...this.objects.values()].filter((o) => groupOf(o) === group && o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
  }
  get(group: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(this.key(group, kind, namespace, name));
  }
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  externalHosts(): ExternalHost[] {
    return this.external;
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface PodSpec {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  version?: string;
  sidecar?: boolean;
  failPercent?: number;
  upstream?: string;
  serviceAccount?: string;
  /** Owner (Deployment) name, for workload labels. */
  workload?: string;
  annotations?: Record<string, string>;
}

export interface Pod {
  object: KubeObject;
  network: PodNetwork;
  echo: EchoServer;
}

const PROMETHEUS_MERGE = { 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/port': '15020', 'prometheus.io/scrape': 'true' };

export class MeshWorld {
  readonly host = new FakeHost();
  readonly plane: DataPlane;
  readonly logs: string[] = [];
  private readonly pods: Pod[] = [];
  private readonly servers: http.Server[] = [];
  private podCount = 0;

  constructor(options: DataPlaneOptions = {}) {
    this.plane = createDataPlane(this.host, { pushDelayMs: 20, log: (m) => this.logs.push(m), ...options });
  }

  async start(): Promise<this> {
    await this.plane.start();
    return this;
  }

  async pod(spec: PodSpec): Promise<Pod> {
    const namespace = spec.namespace ?? 'default';
    const hash = 'abc12';
    const workload = spec.workload ?? spec.name;
    const containers: Array<Record<string, unknown>> = [{ name: 'app', image: 'meshspec/echo', ports: [{ name: 'http', containerPort: 8080 }] }];
    if (spec.sidecar !== false) containers.push({ name: 'istio-proxy', image: 'istio/proxyv2' });
    const object = this.host.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: spec.name,
        namespace,
        // The injector's label on a sidecar pod (istio/istio@1.30.3 files/injection-template.yaml), which auto mTLS keys on,
        // and its Prometheus merge annotations (pkg/kube/inject/webhook.go applyPrometheusMerge), which the addon scrapes by.
        labels: { ...(spec.sidecar !== false ? { 'security.istio.io/tlsMode': 'istio' } : {}), ...spec.labels, 'pod-template-hash': hash },
        annotations: { ...(spec.sidecar !== false ? PROMETHEUS_MERGE : {}), ...spec.annotations },
        ownerReferences: [{ kind: 'ReplicaSet', name: `${workload}-${hash}` }],
      },
      spec: { containers, serviceAccountName: spec.serviceAccount },
      status: { phase: 'Running', podIP: `10.244.0.${++this.podCount}`, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    // Like the sim, pick the app's ports before attaching; another test file may grab them first, so retry.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const controlPort = await freePort();
      const appPorts = new Map([
        [8080, { host: '127.0.0.1', port }],
        [CONTROL_PORT, { host: '127.0.0.1', port: controlPort }],
      ]);
      const network = await this.plane.attachPod({ pod: object, appPorts });
      try {
        const echo = await startEchoServer({
          service: spec.labels.app ?? spec.name,
          version: spec.version ?? spec.labels.version ?? 'v1',
          pod: spec.name,
          namespace,
          port,
          controlPort,
          failPercent: spec.failPercent,
          upstream: spec.upstream,
          outboundProxy: network.env.MESHSPEC_OUTBOUND_PROXY,
          drainMs: 100,
        });
        const pod = { object, network, echo };
        this.pods.push(pod);
        return pod;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw error;
      }
    }
  }

  /** A gateway pod in istio-system (label istio=<kind>) with its Service on port 80. */
  async gateway(kind: 'ingressgateway' | 'egressgateway'): Promise<KubeObject> {
    const name = `istio-${kind}`;
    const labels = { istio: kind, app: name };
    const pod = this.host.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${name}-1`, namespace: 'istio-system', labels, annotations: PROMETHEUS_MERGE },
      spec: { containers: [{ name: 'istio-proxy', image: 'istio/proxyv2' }], serviceAccountName: `${name}-service-account` },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    this.service(name, labels, { namespace: 'istio-system', port: 80, targetPort: 8080 });
    expect((await this.plane.startGateway(pod)).ready).toBe(true);
    return pod;
  }

  service(name: string, selector: Record<string, string>, options: { namespace?: string; port?: number; targetPort?: number | string } = {}): KubeObject {
    return this.host.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: options.namespace ?? 'default' },
      spec: { selector, ports: [{ name: 'http', port: options.port ?? 8080, targetPort: options.targetPort ?? 8080 }] },
    });
  }

  /** Applies an object the data plane reads (an Istio object, the mesh ConfigMap) and waits for the push it causes. */
  async apply(obj: KubeObject): Promise<KubeObject> {
    const before = this.plane.configGeneration();
    const stored = this.host.apply(obj);
    const until = Date.now() + 5000;
    while (this.plane.configGeneration() === before) {
      if (Date.now() > until) throw new Error(`no push after ${obj.kind} ${obj.metadata.name}; logs: ${this.logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return stored;
  }

  /**
   * Runs a forward call in `from`, reaching its control port directly as kubectl port-forward does
   * (inside the pod's network, past its sidecar, so this works under STRICT mTLS too).
   */
  async forward(from: Pod, request: Omit<ForwardRequest, 'count'> & { count?: number }): Promise<ForwardResponse> {
    const response = await fetch(`${from.echo.controlUrl}/_echo/forward/${encodeForward({ count: 1, ...request })}`);
    if (response.status !== 200) throw new Error(`forward call failed: ${response.status} ${await response.text()}`);
    return (await response.json()) as ForwardResponse;
  }

  async requestLog(pod: Pod): Promise<RequestLogPage> {
    return (await (await fetch(`${pod.echo.controlUrl}/_echo/requests`)).json()) as RequestLogPage;
  }

  /** A plain HTTP server outside the cluster, reachable under `names`. */
  async externalServer(names: string[], handler: http.RequestListener): Promise<void> {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.servers.push(server);
    this.host.external.push({ names, address: { host: '127.0.0.1', port: (server.address() as AddressInfo).port } });
  }

  async stop(): Promise<void> {
    await Promise.all(this.pods.map((p) => p.echo.close()));
    await this.plane.stop();
    await Promise.all(
      this.servers.map((s) => {
        s.closeAllConnections();
        return new Promise((r) => s.close(r));
      }),
    );
  }
}

export function tally<T>(values: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
