/**
 * A pod port reached as `kubectl port-forward` reaches it: a listener on 127.0.0.1 whose every
 * connection is a port-forward stream (client-node's PortForward, WebSocket) to the pod that
 * `target` names for it, so a replaced pod only costs the connections that were open to it.
 * On the node the stream is dialled on the pod's own localhost (containerd
 * internal/cri/server/sandbox_portforward_linux.go `dialLocalhost`).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PortForward } from '@kubernetes/client-node';
import type WebSocket from 'ws';
import type { KubeClients } from './types.js';

export interface PortForwardListener {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Why the last stream could not be opened (the API server's refusal, no pod), if it could not. */
  lastError(): Error | undefined;
  close(): Promise<void>;
}

/** Opens the listener; `target` picks the pod and container port for each connection. */
export async function forwardPort(kube: KubeClients, namespace: string, target: () => Promise<{ pod: string; port: number }>): Promise<PortForwardListener> {
  const forwarder = new PortForward(kube.kc);
  const streams = new Set<WebSocket>();
  const clients = new Set<Socket>();
  let failure: Error | undefined;

  const forward = async (client: Socket) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => client.destroy());
    try {
      const { pod, port } = await target();
      if (client.destroyed) return;
      const ws = (await forwarder.portForward(namespace, pod, [port], client, null, client)) as WebSocket;
      failure = undefined;
      streams.add(ws);
      // client-node ends nothing when the pod's side closes: the client must see the connection end.
      ws.on('close', () => {
        streams.delete(ws);
        client.end();
      });
      if (client.destroyed) ws.close();
      else client.on('close', () => ws.close());
    } catch (error) {
      // The client sees a closed connection, as with kubectl; the reason is kept for lastError.
      failure = error instanceof Error ? error : new Error(String(error));
      client.destroy();
    }
  };

  const server: Server = createServer((client) => void forward(client));
  // Open connections keep the process alive, the idle listener does not.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    lastError: () => failure,
    close: () => {
      for (const ws of streams) ws.terminate();
      for (const client of clients) client.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
