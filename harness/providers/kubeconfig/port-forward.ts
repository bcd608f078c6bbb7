/**
 * A Service port reached as `kubectl port-forward svc/NAME` does (kube/port-forward.ts): each
 * connection goes to the target port of a Ready pod behind the Service, chosen per connection.
 */
import type { V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { forwardPort } from '../../kube/port-forward.js';
import type { KubeClients } from '../../kube/types.js';
import { readyPods } from '../../kube/pods.js';

export interface ServicePortForward {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The pod the first connection would go to, for the ready line. */
  pod: string;
  close(): Promise<void>;
}

export class NoReadyPodError extends Error {
  override name = 'NoReadyPodError';
}

/** The container port a Service port's targetPort names in a pod (a number, or a port name). */
export function containerPort(servicePort: V1ServicePort, pod: V1Pod): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number' || /^\d+$/.test(target)) return Number(target);
  return pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort;
}

async function readyPod(kube: KubeClients, service: V1Service, servicePort: V1ServicePort): Promise<{ name: string; port: number }> {
  const namespace = service.metadata!.namespace!;
  const selector = Object.entries(service.spec?.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const where = `Service ${namespace}/${service.metadata!.name} (selector ${selector || 'none'})`;
  if (!selector) throw new NoReadyPodError(`${where} selects no pods`);
  for (const pod of await readyPods(kube, namespace, selector)) {
    const port = containerPort(servicePort, pod);
    if (port !== undefined) return { name: pod.metadata!.name!, port };
  }
  throw new NoReadyPodError(`no Ready pod behind ${where} with its port ${servicePort.name ?? servicePort.port}`);
}

/** Opens the listener; throws NoReadyPodError when no pod could take a connection now. */
export async function forwardServicePort(kube: KubeClients, service: V1Service, servicePort: V1ServicePort): Promise<ServicePortForward> {
  const first = await readyPod(kube, service, servicePort);
  const listener = await forwardPort(kube, service.metadata!.namespace!, async () => {
    const { name, port } = await readyPod(kube, service, servicePort);
    return { pod: name, port };
  });
  return { url: listener.url, pod: first.name, close: listener.close };
}
