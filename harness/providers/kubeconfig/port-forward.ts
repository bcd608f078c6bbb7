/**
 * A Service port reached as `kubectl port-forward svc/NAME` does: a listener on 127.0.0.1 whose every
 * connection is a port-forward stream (client-node's PortForward, WebSocket) to the target port of a
 * Ready pod behind the Service. The pod is chosen per connection, so a pod replaced during the run
 * only costs the connections that were open to it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PortForward, type V1Pod, type V1Service, type V1ServicePort } from '@kubernetes/client-node';
import type WebSocket from 'ws';
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
  const selector = Object.entries(service.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
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
  const forwarder = new PortForward(kube.kc);
  const streams = new Set<WebSocket>();
  const clients = new Set<Socket>();

  const forward = async (client: Socket) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => client.destroy());
    try {
      const pod = await readyPod(kube, service, servicePort);
      if (client.destroyed) return;
      const ws = (await forwarder.portForward(service.metadata!.namespace!, pod.name, [pod.port], client, null, client)) as WebSocket;
      streams.add(ws);
      // client-node ends nothing when the pod's side closes: the client must see the connection end.
      ws.on('close', () => {
        streams.delete(ws);
        client.end();
      });
      if (client.destroyed) ws.close();
      else client.on('close', () => ws.close());
    } catch {
      // No pod, or the API server refused the stream: the client sees a closed connection, as with kubectl.
      client.destroy();
    }
  };

  const server: Server = createServer((client) => void forward(client));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    pod: first.name,
    close: () => {
      for (const ws of streams) ws.terminate();
      for (const client of clients) client.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
