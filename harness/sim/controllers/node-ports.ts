/**
 * kube-proxy's NodePorts on the sim's one node, which is this machine (InternalIP 127.0.0.1): each
 * nodePort of a NodePort or LoadBalancer Service is a TCP listener on 127.0.0.1:<nodePort> that
 * hands every connection to a ready endpoint of the Service, so that code written for real
 * clusters (the ingress gateway at a node address and its nodePort) works unchanged on the sim.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { usesNodePorts } from '../apiserver/allocator.js';
import type { ClusterApi } from '../apiserver/api.js';
import type { PodRuntime } from '../apiserver/types.js';
import type { KubeObject } from '../store/types.js';

const NODE_PORT_RANGE = { min: 30000, max: 32767 };
/** Ports of the range bound ahead of allocation; refilled as the allocator takes them. */
const RESERVE_SIZE = 4;
const BIND_ATTEMPTS = 50;

interface Served {
  service: string;
  servicePort: { name?: string; port: number };
  server: Server;
}

const serviceKey = (svc: KubeObject) => `${svc.metadata.namespace}/${svc.metadata.name}`;

function bind(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = () => resolve(false);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve(true);
    });
  });
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

export class NodePortProxy {
  private readonly served = new Map<number, Served>();
  /** Bound, idle listeners the allocator may hand out: a port held here is free on this machine. */
  private readonly reserved = new Map<number, Server>();
  private readonly sockets = new Set<Socket>();
  private refilling: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly api: ClusterApi,
    private readonly pods: PodRuntime,
  ) {}

  async start(): Promise<void> {
    await this.refill();
    this.api.useNodePortSource((inUse) => this.take(inUse));
    this.unsubscribe = this.api.store.subscribe(({ typeKey, type, object }) => {
      if (typeKey === '/Service') void this.sync(object, type === 'DELETED');
    });
    for (const svc of this.api.list(this.api.type('', 'Service'))) void this.sync(svc, false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.refilling;
    for (const socket of this.sockets) socket.destroy();
    const servers = [...this.served.values()].map((s) => s.server).concat([...this.reserved.values()]);
    this.served.clear();
    this.reserved.clear();
    await Promise.all(servers.map(closeServer));
  }

  /** A reserved port for the allocator; the listener behind it serves the Service that gets it. */
  private take(inUse: ReadonlySet<number>): number | undefined {
    return [...this.reserved.keys()].find((p) => !inUse.has(p));
  }

  private refillSoon(): void {
    if (this.refilling || this.stopped) return;
    this.refilling = this.refill().finally(() => (this.refilling = undefined));
  }

  private async refill(): Promise<void> {
    for (let attempt = 0; attempt < BIND_ATTEMPTS && this.reserved.size < RESERVE_SIZE && !this.stopped; attempt++) {
      const port = NODE_PORT_RANGE.min + Math.floor(Math.random() * (NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1));
      if (this.served.has(port) || this.reserved.has(port)) continue;
      const server = createServer();
      if (await bind(server, port)) this.reserved.set(port, server);
    }
  }

  private async sync(svc: KubeObject, deleted: boolean): Promise<void> {
    const key = serviceKey(svc);
    const wanted = new Map<number, Served['servicePort']>();
    if (!deleted && usesNodePorts(svc.spec)) for (const p of svc.spec?.ports ?? []) if (p?.nodePort) wanted.set(p.nodePort, { name: p.name, port: p.port });
    for (const [nodePort, served] of this.served) {
      if (served.service !== key) continue;
      const next = wanted.get(nodePort);
      if (next) served.servicePort = next;
      else {
        this.served.delete(nodePort);
        void closeServer(served.server);
      }
    }
    for (const [nodePort, servicePort] of wanted) {
      if (this.served.has(nodePort)) continue;
      const server = this.reserved.get(nodePort) ?? createServer();
      if (this.reserved.delete(nodePort)) this.refillSoon();
      const entry: Served = { service: key, servicePort, server };
      this.served.set(nodePort, entry);
      server.on('connection', (socket) => this.forward(entry, socket));
      if (server.listening) continue;
      const bound = await bind(server, nodePort);
      if (this.stopped) {
        if (bound) await closeServer(server);
        return;
      }
      if (bound) continue;
      this.served.delete(nodePort);
      this.api.recordEvent(
        svc,
        'Warning',
        'NodePortUnavailable',
        `nodePort ${nodePort} of Service ${key} is in use on this machine (by another program or another meshspec sim), so the sim cannot serve it on 127.0.0.1:${nodePort}; leave nodePort out and the sim allocates one that is free`,
        'kube-proxy',
      );
    }
  }

  /** Where a connection to the Service port goes: a ready endpoint's pod, reached as from outside it. */
  private endpoint({ service, servicePort }: Served): { host: string; port: number } | null {
    const [namespace, name] = service.split('/');
    // Per connection: the stored object itself, not a copy.
    const endpoints = this.api.store.getShared(this.api.type('', 'Endpoints'), namespace, name);
    const subsets = (endpoints?.subsets ?? []) as { addresses?: { targetRef?: { name?: string } }[]; ports?: { name?: string; port: number }[] }[];
    const reachable = subsets.flatMap((subset) => {
      const port = subset.ports?.find((p) => !servicePort.name || p.name === servicePort.name)?.port;
      if (port === undefined) return [];
      return (subset.addresses ?? []).flatMap((a) => this.pods.inbound(namespace, a.targetRef?.name ?? '', port) ?? []);
    });
    return reachable.length ? reachable[Math.floor(Math.random() * reachable.length)] : null;
  }

  private forward(entry: Served, client: Socket): void {
    const target = this.endpoint(entry);
    if (!target) {
      // No ready endpoint: kube-proxy rejects the connection.
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}
