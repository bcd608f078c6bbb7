/** Endpoints and EndpointSlices of selector Services, from the pods they select (ready or not). */
import type { ClusterApi } from '../apiserver/api.js';
import type { ResourceType } from '../apiserver/registry.js';
import type { KubeObject } from '../store/types.js';
import { nsName, splitKey, WorkQueue } from './queue.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const isReady = (pod: KubeObject) => pod.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;

function selects(selector: Record<string, string>, pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The pod port a service port reaches: a number, or a named container port of that pod. */
function targetPortOf(servicePort: any, pod: KubeObject): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(String(target))) return Number(target);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === target) return p.containerPort;
  return undefined;
}

export class EndpointsController {
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly types: { service: ResourceType; pod: ResourceType; endpoints: ResourceType; slice: ResourceType };

  constructor(private readonly api: ClusterApi) {
    this.types = {
      service: api.type('', 'Service'),
      pod: api.type('', 'Pod'),
      endpoints: api.type('', 'Endpoints'),
      slice: api.type('discovery.k8s.io', 'EndpointSlice'),
    };
    this.queue = new WorkQueue('endpoints', (key) => this.reconcile(key));
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe(({ typeKey, object }) => {
      if (typeKey === '/Service') this.queue.add(nsName(object));
      if (typeKey === '/Pod') {
        for (const svc of this.api.list(this.types.service, object.metadata.namespace)) {
          if (svc.spec?.selector && selects(svc.spec.selector, object)) this.queue.add(nsName(svc));
        }
      }
    });
    for (const svc of this.api.list(this.types.service)) this.queue.add(nsName(svc));
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.close();
  }

  private reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const service = this.api.store.get(this.types.service, namespace, name);
    const selector = service?.spec?.selector;
    if (!service || !selector || Object.keys(selector).length === 0) return;
    const pods = this.api.list(this.types.pod, namespace).filter((p) => selects(selector, p) && p.status?.podIP && !p.metadata.deletionTimestamp);
    const ports: any[] = service.spec.ports ?? [];
    this.writeEndpoints(service, pods, ports);
    this.writeSlice(service, pods, ports);
  }

  private writeEndpoints(service: KubeObject, pods: KubeObject[], ports: any[]): void {
    const address = (pod: KubeObject) => ({
      ip: pod.status.podIP,
      nodeName: pod.spec?.nodeName,
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    });
    const ready = pods.filter(isReady).map(address);
    const notReady = pods.filter((p) => !isReady(p)).map(address);
    const subsetPorts = ports.map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: (pods[0] && targetPortOf(p, pods[0])) ?? p.port,
      protocol: p.protocol ?? 'TCP',
    }));
    const subsets = pods.length
      ? [{ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports: subsetPorts }]
      : [];
    const { namespace, name, labels } = service.metadata;
    const existing = this.api.store.get(this.types.endpoints, namespace, name);
    const body = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels: { ...labels } }, subsets };
    if (!existing) this.api.create(this.types.endpoints, namespace, body);
    else if (JSON.stringify(existing.subsets ?? []) !== JSON.stringify(subsets))
      this.api.update(this.types.endpoints, namespace, name, { ...existing, subsets });
  }

  private writeSlice(service: KubeObject, pods: KubeObject[], ports: any[]): void {
    const { namespace, name } = service.metadata;
    const endpoints = pods.map((pod) => ({
      addresses: [pod.status.podIP],
      conditions: { ready: isReady(pod), serving: isReady(pod), terminating: false },
      nodeName: pod.spec?.nodeName,
      targetRef: { kind: 'Pod', namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    }));
    const slicePorts = ports.map((p) => ({
      ...(p.name ? { name: p.name } : { name: '' }),
      port: (pods[0] && targetPortOf(p, pods[0])) ?? p.port,
      protocol: p.protocol ?? 'TCP',
    }));
    const existing = this.api.list(this.types.slice, namespace).find((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name);
    if (!existing) {
      this.api.create(this.types.slice, namespace, {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${name}-`,
          namespace,
          labels: { [SERVICE_NAME_LABEL]: name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: service.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        endpoints,
        ports: slicePorts,
      });
    } else if (JSON.stringify([existing.endpoints, existing.ports]) !== JSON.stringify([endpoints, slicePorts])) {
      this.api.update(this.types.slice, namespace, existing.metadata.name, { ...existing, endpoints, ports: slicePorts });
    }
  }
}
