/**
 * The request handlers behind each listener: a pod's captured outbound path (through its sidecar,
 * or kube-proxy style when it has none), a sidecar's inbound path (PeerAuthentication, XFCC),
 * a gateway, and a sidecar's stats endpoint.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { DownstreamRequest, Envoy, MeshRuntime, Proxy as EnvoyProxy, ProxyResult } from './envoy.js';
import { readDownstream, writeResult } from './listener.js';
import { renderPrometheusText, type MeshMetrics } from './metrics.js';
import { peerAuthenticationMode } from './mtls-mode.js';
import { PEER_HEADER, type PeerInfo } from './peer.js';
import { WHOLE_REGISTRY } from './scope.js';
import { requestLabels } from './telemetry.js';
import { propagateTrace, tracePlanFor } from './tracing.js';
import type { PodEntry } from './workload.js';

export interface ProxyDeps {
  rt: MeshRuntime;
  envoy: Envoy;
  metrics: MeshMetrics;
}

function proxyOf(entry: PodEntry, kind: EnvoyProxy['kind']): EnvoyProxy {
  return { key: `${entry.namespace}/${entry.name}`, kind, workload: entry.workload };
}

/** Keeps a bug in the emulator from taking a listener down: the request gets a 500 and the log a line. */
function guarded(deps: ProxyDeps, where: string, handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>): http.RequestListener {
  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      deps.rt.log(`${where}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`meshspec data plane error at ${where}`);
      } else res.destroy();
    });
  };
}

export function outboundHandler(deps: ProxyDeps, entry: PodEntry): http.RequestListener {
  const proxy = proxyOf(entry, 'sidecar');
  return guarded(deps, `${proxy.key} outbound`, async (req, res) => {
    const downstream = await readDownstream(req, 80);
    delete downstream.headers[PEER_HEADER];
    if (!entry.sidecar) {
      writeResult(res, await kubeProxy(deps.rt, entry, downstream));
      return;
    }
    propagateTrace(downstream.headers, tracePlanFor(deps.rt.config(), entry.workload, 'client'), deps.rt.random);
    const started = performance.now();
    const result = await deps.envoy.outbound(proxy, downstream);
    recordSourceRequest(deps, proxy, entry, result, started);
    // What clients of a sidecar see in Istio's docs (gateways say istio-envoy).
    writeResult(res, result, { server: 'envoy' });
  });
}

/** istio_requests_total and duration as the calling proxy (sidecar or gateway) reports them. */
function recordSourceRequest(deps: ProxyDeps, proxy: EnvoyProxy, entry: PodEntry, result: ProxyResult, started: number): void {
  deps.metrics.record(
    proxy.key,
    requestLabels({
      reporter: 'source',
      source: entry.workload,
      destination: result.endpoint?.pod?.workload,
      destinationService: result.destinationService,
      status: result.response?.status ?? 0,
      flags: result.flags,
      mtls: result.endpoint?.meshProxy ?? false,
    }),
    performance.now() - started,
  );
}

/** A pod without a sidecar: DNS and kube-proxy only, a random ready endpoint, no Istio rules. */
async function kubeProxy(rt: MeshRuntime, entry: PodEntry, req: DownstreamRequest): Promise<ProxyResult> {
  const config = rt.config();
  const target = rt.resolver.resolve(req.host, req.port, entry.namespace, config, WHOLE_REGISTRY);
  const reset: ProxyResult = { flags: 'UF', destinationService: req.host };
  if (!target) return reset;
  // A ServiceEntry means nothing to a pod without a proxy: the name resolves through DNS or not at all.
  const endpoints = target.kind === 'service' ? rt.resolver.endpoints(target) : rt.resolver.endpoints({ kind: 'unknown', host: req.host, port: req.port });
  const endpoint = endpoints[Math.floor(rt.random() * endpoints.length)];
  if (!endpoint?.address) return reset;
  const outcome = await rt.upstream.send({ address: endpoint.address, method: req.method, path: req.path, headers: req.headers, body: req.body });
  if (outcome.kind !== 'response') return reset;
  return { response: outcome, flags: '-', destinationService: req.host, endpoint };
}

function clientCertHeader(server: PodEntry, peer: PeerInfo): string {
  const hash = createHash('sha256').update(peer.workload.principal).digest('hex');
  return `By=${server.workload.principal};Hash=${hash};Subject="";URI=${peer.workload.principal}`;
}

export function inboundHandler(deps: ProxyDeps, entry: PodEntry, containerPort: number): http.RequestListener {
  const proxy = proxyOf(entry, 'sidecar');
  return guarded(deps, `${proxy.key} inbound :${containerPort}`, async (req, res) => {
    const downstream = await readDownstream(req, containerPort);
    const peer = deps.rt.peers.decode(downstream.headers[PEER_HEADER]);
    delete downstream.headers[PEER_HEADER];
    const mtls = peer?.mtls ?? false;
    const mode = peerAuthenticationMode(deps.rt.config(), entry.workload, containerPort);
    // A plaintext client never gets past the TLS handshake of a STRICT workload, and a DISABLE
    // one terminates no TLS, so an mTLS client's handshake meets the plaintext chain and fails.
    if ((!mtls && mode === 'STRICT') || (mtls && mode === 'DISABLE')) {
      req.socket.destroy();
      return;
    }
    // Envoy sanitises client-supplied XFCC and sets its own on mTLS connections.
    if (mtls && peer) downstream.headers['x-forwarded-client-cert'] = clientCertHeader(entry, peer);
    else delete downstream.headers['x-forwarded-client-cert'];
    downstream.headers['x-request-id'] ??= crypto.randomUUID();
    const started = performance.now();
    const app = entry.appPorts.get(containerPort);
    const outcome = app
      ? await deps.rt.upstream.send({ address: app, method: downstream.method, path: downstream.path, headers: downstream.headers, body: downstream.body })
      : { kind: 'connect-failure' as const, message: 'connection failure' };
    const result: ProxyResult =
      outcome.kind === 'response'
        ? { response: outcome, flags: '-', destinationService: peer?.destinationService ?? downstream.host }
        : {
            response: {
              status: 503,
              headers: { 'content-type': 'text/plain' },
              body: Buffer.from(`upstream connect error or disconnect/reset before headers. reset reason: ${outcome.message}`),
            },
            flags: outcome.kind === 'connect-failure' ? 'UF' : 'UC',
            destinationService: peer?.destinationService ?? downstream.host,
          };
    const elapsed = performance.now() - started;
    deps.metrics.record(
      proxy.key,
      requestLabels({
        reporter: 'destination',
        source: peer?.workload,
        destination: entry.workload,
        destinationService: result.destinationService,
        status: result.response!.status,
        flags: result.flags,
        mtls,
      }),
      elapsed,
    );
    // Inbound HCMs name the server istio-envoy, overwriting the app's (a client sidecar overwrites it again with envoy).
    writeResult(res, result, { server: 'istio-envoy', 'x-envoy-upstream-service-time': String(Math.round(elapsed)) });
  });
}

export function gatewayHandler(deps: ProxyDeps, entry: PodEntry): http.RequestListener {
  const proxy = proxyOf(entry, 'gateway');
  return guarded(deps, `${proxy.key} gateway`, async (req, res) => {
    const downstream = await readDownstream(req, 80);
    const peer = deps.rt.peers.decode(downstream.headers[PEER_HEADER]);
    delete downstream.headers[PEER_HEADER];
    // Traffic from inside the mesh says which gateway port it called; from outside it is the http port.
    downstream.port = peer?.port ?? 80;
    propagateTrace(downstream.headers, tracePlanFor(deps.rt.config(), entry.workload, 'client'), deps.rt.random);
    const started = performance.now();
    const result = await deps.envoy.gateway(proxy, downstream, deps.rt.resolver.gatewayPorts(entry, downstream.port));
    if (!result.refused) recordSourceRequest(deps, proxy, entry, result, started);
    writeResult(res, result, { server: 'istio-envoy' });
  });
}

/**
 * A sidecar's status port 15020: the merged Prometheus endpoint, which the agent serves at both
 * /stats/prometheus and /metrics, and /healthz/ready (istio/istio@1.30.3
 * pilot/cmd/pilot-agent/status/server.go, the mux of Server.Run).
 */
export function statsHandler(metrics: MeshMetrics, proxyKey: string): http.RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://stats.invalid').pathname;
    if (path === '/stats/prometheus' || path === '/metrics') {
      const text = renderPrometheusText(metrics.samples(proxyKey));
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } else if (path === '/healthz/ready') {
      res.writeHead(200).end();
    } else {
      res.writeHead(404).end();
    }
  };
}
