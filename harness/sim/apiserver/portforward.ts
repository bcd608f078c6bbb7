/**
 * pods/portforward over WebSocket, as @kubernetes/client-node's PortForward speaks it
 * (`v4.channel.k8s.io`): for the i-th port of `?ports=`, channel 2i carries the data both ways and
 * channel 2i+1 the server's error text, each frame prefixed with its channel byte; the server's
 * first frame on each channel is the port number (2 bytes, little-endian). Each port is one TCP
 * connection to where the pod answers on it (the kubelet's `inbound`: the app, through its sidecar
 * if it has one, or a gateway pod's listener). SPDY, which kubectl port-forward speaks, is not served.
 */
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ApiError, badRequest } from '../store/errors.js';
import type { ClusterApi } from './api.js';
import type { PodRuntime } from './types.js';

const PROTOCOL = 'v4.channel.k8s.io';
const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/;

interface Request {
  namespace: string;
  pod: string;
  ports: number[];
}

/** The pod a port-forward URL names, or undefined when the URL is not one. */
function podOf(url: URL): { namespace: string; pod: string } | undefined {
  const match = PATH.exec(url.pathname);
  return match ? { namespace: decodeURIComponent(match[1]), pod: decodeURIComponent(match[2]) } : undefined;
}

function portsOf(url: URL): number[] {
  const ports = url.searchParams.getAll('ports').flatMap((value) => value.split(','));
  if (ports.length === 0) throw badRequest('port-forward needs at least one port: ?ports=8080');
  return ports.map((value) => {
    const port = Number(value);
    if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw badRequest(`invalid port "${value}" in ?ports=: give a number from 1 to 65535`);
    return port;
  });
}

/** The channel byte followed by the payload. */
const frame = (channel: number, payload: Buffer) => Buffer.concat([Buffer.of(channel), payload]);

function portFrame(channel: number, port: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(port);
  return frame(channel, bytes);
}

export class PortForwardServer {
  private readonly sockets = new WebSocketServer({ noServer: true, handleProtocols: () => PROTOCOL });

  constructor(
    private readonly api: ClusterApi,
    private readonly runtime: PodRuntime,
  ) {}

  /**
   * Takes an authenticated upgrade request when it is a port-forward: true once it is handled,
   * false when it is not one. Throws an ApiError, answered as JSON before any upgrade, for a
   * missing pod or a request this server cannot serve.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const target = podOf(url);
    if (!target) return false;
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    if (String(req.headers.upgrade).toLowerCase() !== 'websocket' || !offered.includes(PROTOCOL)) {
      throw badRequest(
        `the sim serves port-forward over WebSocket with the ${PROTOCOL} protocol only (as @kubernetes/client-node's PortForward speaks it), not ${[req.headers.upgrade, ...offered].filter(Boolean).join(' ')} (kubectl port-forward): reach the pod through the API server proxy (kubectl get --raw /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH) or run with --provider kind`,
      );
    }
    const request: Request = { ...target, ports: portsOf(url) };
    const pod = this.api.get(this.api.type('', 'Pod'), request.namespace, request.pod);
    if (pod.status?.phase !== 'Running') {
      throw new ApiError(
        400,
        'BadRequest',
        `pod ${request.namespace}/${request.pod} is not running (phase ${pod.status?.phase ?? 'unknown'}): port-forward to a Running pod`,
      );
    }
    this.sockets.handleUpgrade(req, socket, head, (ws) => this.serve(ws, request));
    return true;
  }

  /** Ends every forward, so the API server can close. */
  close(): void {
    for (const ws of this.sockets.clients) ws.terminate();
    this.sockets.close();
  }

  private serve(ws: WebSocket, { namespace, pod, ports }: Request): void {
    let open = ports.length;
    const connections = ports.map((port, i): Socket | undefined => {
      ws.send(portFrame(2 * i, port));
      ws.send(portFrame(2 * i + 1, port));
      const address = this.runtime.inbound(namespace, pod, port, 'loopback');
      const fail = (reason: string) => {
        ws.send(frame(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${namespace}/${pod}: ${reason}`)));
        if (--open === 0) ws.close();
      };
      if (!address) {
        fail('no container of the pod listens on that port');
        return undefined;
      }
      const connection = connect(address.port, address.host);
      connection.on('data', (chunk: Buffer) => ws.send(frame(2 * i, chunk)));
      connection.on('error', (error) => fail(error.message));
      connection.on('end', () => {
        if (--open === 0) ws.close();
      });
      return connection;
    });
    ws.on('message', (data: RawData) => {
      const message = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      const channel = message[0];
      // Only the data channels carry anything from the client; what else comes is ignored, as by the kubelet.
      if (channel % 2 === 0) connections[channel / 2]?.write(message.subarray(1));
    });
    ws.on('close', () => {
      for (const connection of connections) connection?.destroy();
    });
    ws.on('error', () => ws.terminate());
  }
}
