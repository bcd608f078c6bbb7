/** pods/proxy and services/proxy: plain HTTP forwarding to a pod's inbound address, as the real API server does. */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApiError, notFound } from '../store/errors.js';
import { selectorObjectMatches } from '../store/selectors.js';
import type { KubeObject } from '../store/types.js';
import type { ClusterApi } from './api.js';
import type { PodRuntime } from './types.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'authorization', 'host']);

function isReady(pod: KubeObject): boolean {
  return pod.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Service names every resolver knows (the services database), as net.Dial resolves `host:http` (pkg.go.dev/net#Dial). */
const SERVICE_NAMES: Record<string, number> = { http: 80, https: 443 };

/**
 * The port `pods/NAME:PORT/proxy` dials: kubernetes/kubernetes pkg/registry/core/pod/strategy.go
 * ResourceLocation joins the pod IP and PORT as given, so a container port's name means nothing
 * there; only an empty PORT falls back to the first port the containers declare. The dial error is
 * the 503 of k8s.io/apimachinery@v0.36.3 pkg/util/proxy/transport.go.
 */
function resolvePodPort(pod: KubeObject, port: string | undefined): number {
  const declared = (pod.spec?.containers ?? []).flatMap((c: any) => c.ports ?? []);
  if (!port) return declared[0]?.containerPort ?? 80;
  if (/^\d+$/.test(port)) return Number(port);
  const known = SERVICE_NAMES[port];
  if (known === undefined) throw new ApiError(503, 'ServiceUnavailable', `error trying to reach service: dial tcp: lookup tcp/${port}: unknown port`);
  return known;
}

/** A Service's targetPort name, resolved against the pod's container ports as the endpoints controller does. */
function namedContainerPort(pod: KubeObject, name: string): number | undefined {
  return (pod.spec?.containers ?? []).flatMap((c: any) => c.ports ?? []).find((p: any) => p.name === name)?.containerPort;
}

/** Strips an optional `scheme:` prefix and splits `name:port`. */
function splitTarget(target: string): { name: string; port?: string } {
  const parts = target.split(':');
  if (parts.length === 3) parts.shift();
  return { name: parts[0], port: parts[1] };
}

export function resolveProxyTarget(
  api: ClusterApi,
  runtime: PodRuntime,
  kind: 'pods' | 'services',
  namespace: string,
  target: string,
): { host: string; port: number } {
  const { name, port } = splitTarget(target);
  if (kind === 'pods') {
    const pod = api.get(api.type('', 'Pod'), namespace, name);
    const address = runtime.inbound(namespace, name, resolvePodPort(pod, port));
    if (!address) throw new ApiError(503, 'ServiceUnavailable', `pod ${namespace}/${name} has no running container listening on that port`);
    return address;
  }
  const service = api.get(api.type('', 'Service'), namespace, name);
  const ports: any[] = service.spec?.ports ?? [];
  const servicePort = port === undefined ? ports[0] : ports.find((p) => p.name === port || String(p.port) === port);
  if (!servicePort) throw notFound({ group: '', plural: 'services', kind: 'Service' }, `${name}:${port}`);
  const pods = api
    .list(api.type('', 'Pod'), namespace)
    .filter(
      (p) =>
        isReady(p) &&
        selectorObjectMatches({ matchLabels: service.spec?.selector ?? {} }, p.metadata.labels) &&
        Object.keys(service.spec?.selector ?? {}).length > 0,
    );
  const candidates = pods.sort(() => Math.random() - 0.5);
  for (const pod of candidates) {
    const targetPort = servicePort.targetPort ?? servicePort.port;
    const containerPort = typeof targetPort === 'number' ? targetPort : namedContainerPort(pod, String(targetPort));
    if (containerPort === undefined) continue;
    const address = runtime.inbound(namespace, pod.metadata.name, containerPort);
    if (address) return address;
  }
  throw new ApiError(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`);
}

/** Forwards the request (method, headers, body, query) and streams the answer back. */
export function forward(req: IncomingMessage, res: ServerResponse, address: { host: string; port: number }, path: string, search: string): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  headers.host = `${address.host}:${address.port}`;
  const upstream = httpRequest({ host: address.host, port: address.port, method: req.method, path: `${path}${search}`, headers }, (answer) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
    res.writeHead(answer.statusCode ?? 502, out);
    answer.pipe(res);
  });
  upstream.on('error', (error) => {
    if (res.headersSent) return void res.destroy();
    const status = new ApiError(503, 'ServiceUnavailable', `error trying to reach service: ${error.message}`).toStatus();
    res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(status));
  });
  req.pipe(upstream);
}
