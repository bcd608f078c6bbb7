/**
 * The HTTP connection manager and router of an emulated Envoy: route lookup (VirtualServices
 * for the mesh or for a gateway), redirects, faults, mirrors, header rules, then the router with
 * weights, subsets, connection pool, outlier detection, retries and timeouts. Failures answer as
 * Envoy does: 503 "no healthy upstream", 504 "upstream request timeout", 404 for no route.
 *
 * Over 400 lines: the connection manager and the router are one request's path, kept in one
 * reading order as Envoy's own filter chain; the router is the candidate to split out next.
 */
import type { Destination, HeaderOperations, HttpRoute, MeshConfig, RetryPolicy, TrafficPolicy } from './config-types.js';
import { DEFAULT_RETRY_POLICY } from './compile/virtual-service.js';
import { hostMatches } from './hosts.js';
import { PEER_HEADER, type PeerCodec } from './peer.js';
import type { Breakers, Lease } from './breaker.js';
import { peerAuthenticationMode } from './mtls-mode.js';
import { labelsMatch, type Workload } from './workload.js';
import { pickWeighted, selectRoute, virtualServicesFor, type RouteChoice, type RouteRequest } from './routing.js';
import { isOpaquePort, type Endpoint, type Resolver, type Target } from './resolve.js';
import { ProxyScope } from './scope.js';
import type { AttemptOutcome, HttpMessage, UpstreamClient } from './upstream.js';

export interface MeshRuntime {
  config(): MeshConfig;
  resolver: Resolver;
  upstream: UpstreamClient;
  breakers: Breakers;
  peers: PeerCodec;
  log(message: string): void;
  /** Keeps a mirrored request in view so stop() can wait for it. */
  track(work: Promise<unknown>): void;
  random(): number;
}

/** The proxy handling a request: a pod's sidecar or a gateway. */
export interface Proxy {
  key: string;
  kind: 'sidecar' | 'gateway';
  workload: Workload;
}

export interface DownstreamRequest {
  method: string;
  /** Path with query string. */
  path: string;
  /** Lower-case names, internal headers already removed. */
  headers: Record<string, string>;
  body: Buffer;
  /** Host and port as the client addressed them. */
  host: string;
  port: number;
}

export interface ProxyResult {
  /** Undefined: reset the downstream connection instead of answering. */
  response?: HttpMessage;
  /** Envoy response flags (`-`, NR, UH, UF, UO, UT, URX, FI, DI, UC). */
  flags: string;
  destinationService: string;
  /** The endpoint of the last attempt. */
  endpoint?: Endpoint;
  /** No listener on the port: the connection is refused before any HTTP, so no proxy records it. */
  refused?: true;
}

const MESH = new Set(['mesh']);

function localReply(status: number, body: string, flags: string, destinationService: string, headers: Record<string, string> = {}): ProxyResult {
  return {
    response: {
      status,
      headers: body ? { 'content-type': 'text/plain', ...headers } : headers,
      body: Buffer.from(body),
    },
    flags,
    destinationService,
  };
}

function applyHeaderOperations(headers: Record<string, string | string[]>, ops: HeaderOperations | undefined): void {
  if (!ops) return;
  for (const [name, value] of Object.entries(ops.set)) headers[name] = value;
  for (const [name, value] of Object.entries(ops.add)) {
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  for (const name of ops.remove) delete headers[name];
}

/** The namespace a target's Service or ServiceEntry lives in, where Istio looks for its DestinationRule second. */
function serviceNamespaceOf(target: Target): string | undefined {
  if (target.kind === 'service') return target.service.metadata.namespace ?? 'default';
  return target.kind === 'service-entry' ? target.entry.namespace : undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isRetriable(outcome: AttemptOutcome, policy: RetryPolicy): boolean {
  const on = policy.retryOn;
  if (outcome.kind !== 'response') {
    // Local failures (connect failure, reset, per-try timeout) count as 5xx and gateway errors.
    return on.has('5xx') || on.has('gateway-error') || on.has('reset') || (outcome.kind === 'connect-failure' && on.has('connect-failure'));
  }
  const status = outcome.status;
  if (on.has('5xx') && status >= 500) return true;
  if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
  if (on.has('retriable-4xx') && status === 409) return true;
  return on.has('retriable-status-codes') && policy.retriableStatusCodes.has(status);
}

interface ClusterCall {
  scope: ProxyScope;
  target: Target;
  subset?: string;
  request: { method: string; path: string; headers: Record<string, string>; body: Buffer };
  retries: RetryPolicy;
  timeoutMs?: number;
}

export class Envoy {
  /** Scopes per proxy, computed once per pushed config. */
  private readonly scopes = new WeakMap<MeshConfig, Map<string, ProxyScope>>();

  constructor(private readonly rt: MeshRuntime) {}

  private scopeOf(proxy: Proxy, config: MeshConfig): ProxyScope {
    let byProxy = this.scopes.get(config);
    if (!byProxy) {
      byProxy = new Map();
      this.scopes.set(config, byProxy);
    }
    let scope = byProxy.get(proxy.key);
    if (!scope) {
      scope = new ProxyScope(config, proxy.workload.namespace, proxy.kind === 'sidecar' ? proxy.workload.labels : undefined);
      byProxy.set(proxy.key, scope);
    }
    return scope;
  }

  /** A pod's outbound traffic through its sidecar. */
  async outbound(proxy: Proxy, req: DownstreamRequest): Promise<ProxyResult> {
    const config = this.rt.config();
    const scope = this.scopeOf(proxy, config);
    const target = this.rt.resolver.resolve(req.host, req.port, proxy.workload.namespace, config, scope.imported);
    if (!target) return { flags: 'UF', destinationService: req.host };
    const names = target.kind === 'unknown' ? [req.host] : [target.fqdn, req.host];
    const destinationService = target.kind === 'unknown' ? req.host : target.fqdn;
    // A port Istio treats as TCP gets no HTTP routing (and plaintext-looking traffic is just forwarded).
    const opaque = target.kind === 'service' && isOpaquePort(target.port);
    const virtualServices = opaque ? [] : virtualServicesFor(scope.virtualServices(req.port), names, MESH);
    if (virtualServices.length > 0) {
      const choice = selectRoute(virtualServices, this.routeRequest(proxy, req), MESH);
      if (!choice) return localReply(404, '', 'NR', destinationService);
      return this.route(proxy, scope, req, choice, destinationService);
    }
    if (target.kind === 'unknown') {
      if (scope.outboundMode === 'REGISTRY_ONLY') {
        // The HTTP catch-all answers block_all's 502 (pilot/pkg/networking/core/httproute.go @1.30.3); the TCP BlackHoleCluster resets.
        return this.rt.resolver.hasHttpListener(req.port, config, scope.imported)
          ? localReply(502, '', '-', 'BlackHoleCluster')
          : { flags: 'UH', destinationService: 'BlackHoleCluster' };
      }
      // PassthroughCluster: the original destination, which must exist (resolve, or be a pod IP).
      if (this.rt.resolver.endpoints(target).length === 0) return { flags: 'UF', destinationService };
    }
    return this.callCluster(proxy, { scope, target, request: this.upstreamRequest(req), retries: DEFAULT_RETRY_POLICY }, destinationService);
  }

  /** A request arriving at a gateway pod for service port `req.port` (`ports`: the port numbers that stand for it). */
  async gateway(proxy: Proxy, req: DownstreamRequest, ports: number[]): Promise<ProxyResult> {
    const config = this.rt.config();
    const scope = this.scopeOf(proxy, config);
    const onPort = config.gateways
      .filter((gw) => labelsMatch(gw.selector, proxy.workload.labels))
      .flatMap((gw) => gw.servers.filter((s) => ports.includes(s.port)).map((server) => ({ gateway: `${gw.namespace}/${gw.name}`, server })));
    // A gateway listens only on its servers' ports (istio/istio@1.30.3 pilot/pkg/networking/core/gateway.go
    // buildGatewayListeners); a server whose hosts do not match leaves the 404 NR of its route table.
    if (onPort.length === 0) return { flags: '-', destinationService: req.host, refused: true };
    const servers = onPort.filter(({ server }) => server.hosts.some((h) => hostMatches(h.host, req.host)));
    if (servers.length === 0) return localReply(404, '', 'NR', req.host);
    const bound = new Set(servers.map((s) => s.gateway));
    const virtualServices = virtualServicesFor(scope.virtualServices(req.port), [req.host], bound).filter((vs) =>
      servers.some(
        ({ gateway, server }) =>
          vs.gateways.includes(gateway) && server.hosts.some((h) => (h.namespace === '*' || h.namespace === vs.namespace) && hostMatches(h.host, req.host)),
      ),
    );
    const choice = selectRoute(virtualServices, this.routeRequest(proxy, req), bound);
    if (!choice) return localReply(404, '', 'NR', req.host);
    return this.route(proxy, scope, req, choice, req.host);
  }

  private routeRequest(proxy: Proxy, req: DownstreamRequest): RouteRequest {
    return {
      method: req.method,
      path: req.path,
      headers: req.headers,
      authority: req.headers.host ?? req.host,
      port: req.port,
      ...(proxy.kind === 'sidecar' ? { sourceLabels: proxy.workload.labels, sourceNamespace: proxy.workload.namespace } : {}),
    };
  }

  private upstreamRequest(req: DownstreamRequest): ClusterCall['request'] {
    return { method: req.method, path: req.path, headers: { ...req.headers }, body: req.body };
  }

  private async route(proxy: Proxy, scope: ProxyScope, req: DownstreamRequest, choice: RouteChoice, destinationService: string): Promise<ProxyResult> {
    const { route, match, virtualService } = choice;
    const config = this.rt.config();
    if (route.redirect) {
      const r = route.redirect;
      const authority = r.authority ?? (req.headers.host ?? req.host).replace(/:\d+$/, '');
      const location = `${r.scheme ?? 'http'}://${authority}${r.port ? `:${r.port}` : ''}${r.uri ?? req.path}`;
      return localReply(r.code, '', '-', destinationService, { location });
    }
    if (route.directResponse) return localReply(route.directResponse.status, route.directResponse.body, '-', destinationService);
    const fault = route.fault;
    let flags = '-';
    if (fault?.delay && this.rt.random() * 100 < fault.delay.percent) {
      await sleep(fault.delay.ms);
      flags = 'DI';
    }
    if (fault?.abort && this.rt.random() * 100 < fault.abort.percent) {
      return localReply(fault.abort.status, 'fault filter abort', 'FI', destinationService);
    }
    const request = this.upstreamRequest(req);
    applyHeaderOperations(request.headers, route.headers?.request);
    this.rewrite(route, match?.uriPrefix, request);
    for (const mirror of route.mirrors) {
      if (this.rt.random() * 100 < mirror.percent) this.mirror(proxy, scope, mirror.destination, request, req.port, config);
    }
    const destination = pickWeighted(route.route, this.rt.random);
    if (!destination) return localReply(404, '', 'NR', destinationService);
    applyHeaderOperations(request.headers, destination.headers?.request);
    const target = this.rt.resolver.resolveDestination(destination.host, destination.port, req.port, scope.namespace, config, scope.exported);
    if (!target) {
      this.rt.log(
        `VirtualService ${virtualService.namespace}/${virtualService.name}: destination ${destination.host}${destination.port ? `:${destination.port}` : ''} is not a known service or port`,
      );
      // Istio keeps routes to clusters that do not exist (ValidateClusters false, pilot/pkg/networking/core/httproute.go
      // @1.30.3); Envoy's router answers those 503 with an empty body, flag NC (source/common/router/router.cc, cluster_not_found).
      return localReply(503, '', 'NC', destination.host);
    }
    const result = await this.callCluster(
      proxy,
      {
        scope,
        target,
        subset: destination.subset,
        request,
        retries: route.retries ?? DEFAULT_RETRY_POLICY,
        timeoutMs: route.timeoutMs || undefined,
      },
      target.kind === 'unknown' ? target.host : target.fqdn,
    );
    if (result.response) {
      applyHeaderOperations(result.response.headers, destination.headers?.response);
      applyHeaderOperations(result.response.headers, route.headers?.response);
    }
    if (flags !== '-' && result.flags === '-') result.flags = flags;
    return result;
  }

  private rewrite(route: HttpRoute, matchedPrefix: string | undefined, request: ClusterCall['request']): void {
    if (!route.rewrite) return;
    if (route.rewrite.authority) request.headers.host = route.rewrite.authority;
    const uri = route.rewrite.uri;
    if (uri === undefined) return;
    if (matchedPrefix !== undefined && request.path.startsWith(matchedPrefix)) {
      request.path = uri + request.path.slice(matchedPrefix.length);
    } else {
      const q = request.path.indexOf('?');
      request.path = uri + (q < 0 ? '' : request.path.slice(q));
    }
  }

  private mirror(proxy: Proxy, scope: ProxyScope, destination: Destination, request: ClusterCall['request'], requestPort: number, config: MeshConfig): void {
    const target = this.rt.resolver.resolveDestination(destination.host, destination.port, requestPort, scope.namespace, config, scope.exported);
    if (!target) {
      this.rt.log(`mirror destination ${destination.host} is not a known service`);
      return;
    }
    // Since Istio 1.28 the mirrored copy keeps the Host header as it was (no -shadow suffix).
    const copy = { ...request, headers: { ...request.headers } };
    this.rt.track(
      this.callCluster(
        proxy,
        { scope, target, subset: destination.subset, request: copy, retries: { ...DEFAULT_RETRY_POLICY, attempts: 0 } },
        destination.host,
      ),
    );
  }

  private policyFor(call: ClusterCall, host: string): { policy: TrafficPolicy; labels?: Record<string, string> } | undefined {
    // Passthrough traffic goes to the original destination: no cluster, so no DestinationRule.
    const rule = call.target.kind === 'unknown' ? undefined : call.scope.destinationRule(host, serviceNamespaceOf(call.target));
    const subset = call.subset;
    if (subset === undefined) return { policy: rule?.trafficPolicy ?? {} };
    const found = rule?.subsets.get(subset);
    return found && { policy: found.trafficPolicy, labels: found.labels };
  }

  private async callCluster(proxy: Proxy, call: ClusterCall, destinationService: string): Promise<ProxyResult> {
    const host = call.target.kind === 'unknown' ? call.target.host : call.target.fqdn;
    const resolved = this.policyFor(call, host);
    if (!resolved) {
      this.rt.log(`${proxy.key}: no DestinationRule defines subset "${call.subset}" of ${host}`);
      // A subset no DestinationRule defines has no cluster: cluster_not_found, as above.
      return localReply(503, '', 'NC', destinationService);
    }
    const { policy, labels } = resolved;
    const port = call.target.kind === 'service' ? call.target.port.port : call.target.port;
    const breaker = this.rt.breakers.get(proxy.key, `outbound|${port}|${call.subset ?? ''}|${host}`, policy);
    const endpoints = this.rt.resolver.endpoints(call.target, labels);
    const started = performance.now();
    const deadline = call.timeoutMs !== undefined ? started + call.timeoutMs : Infinity;
    const tried = new Set<string>();
    const timedOut = (endpoint?: Endpoint) => ({ ...localReply(504, 'upstream request timeout', 'UT', destinationService), endpoint });

    for (let attempt = 1; ; attempt++) {
      const healthy = breaker.outlier ? breaker.outlier.healthy(endpoints) : endpoints;
      if (healthy.length === 0) return localReply(503, 'no healthy upstream', 'UH', destinationService);
      // Istio's retry host predicate prefers endpoints not tried yet.
      const fresh = healthy.filter((e) => !tried.has(e.id));
      const candidates = fresh.length > 0 ? fresh : healthy;
      const endpoint = candidates[Math.floor(this.rt.random() * candidates.length)]!;
      tried.add(endpoint.id);

      const lease = await this.acquire(breaker.pool?.acquire(), deadline);
      if (lease === 'overflow') {
        return localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow', 'UO', destinationService, {
          'x-envoy-overloaded': 'true',
        });
      }
      if (lease === 'timeout') return timedOut(endpoint);
      const remaining = deadline - performance.now();
      const tryTimeout = Math.min(call.retries.perTryTimeoutMs || Infinity, remaining);
      let outcome: AttemptOutcome;
      try {
        outcome = await this.attempt(
          proxy,
          endpoint,
          call,
          attempt,
          destinationService,
          Number.isFinite(tryTimeout) ? Math.max(0, tryTimeout) : undefined,
          policy,
        );
      } finally {
        lease?.release();
      }
      breaker.outlier?.report(endpoint, outcome.kind === 'response' ? outcome.status : 0, endpoints);
      if (performance.now() >= deadline) return timedOut(endpoint);
      if (attempt <= call.retries.attempts && isRetriable(outcome, call.retries)) {
        // Envoy's fully jittered exponential back-off, base 25 ms, at most 250 ms.
        const backoff = this.rt.random() * Math.min(250, 25 * (2 ** attempt - 1));
        if (performance.now() + backoff >= deadline) return timedOut(endpoint);
        await sleep(backoff);
        continue;
      }
      const retried = attempt > 1 ? 'URX' : undefined;
      if (outcome.kind === 'response') {
        const headers = outcome.headers;
        headers['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - started));
        return { response: { status: outcome.status, headers, body: outcome.body }, flags: '-', destinationService, endpoint };
      }
      if (outcome.kind === 'timeout') return timedOut(endpoint);
      const reason = outcome.kind === 'connect-failure' ? 'connection failure' : 'connection termination';
      return {
        ...localReply(
          503,
          `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`,
          retried ?? (outcome.kind === 'connect-failure' ? 'UF' : 'UC'),
          destinationService,
        ),
        endpoint,
      };
    }
  }

  private async acquire(pending: Lease | Promise<Lease> | 'overflow' | undefined, deadline: number): Promise<Lease | undefined | 'overflow' | 'timeout'> {
    if (!(pending instanceof Promise)) return pending;
    if (!Number.isFinite(deadline)) return pending;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - performance.now()))));
    const winner = await Promise.race([pending, expired]);
    clearTimeout(timer);
    // A slot granted after the deadline goes straight back.
    if (winner === 'timeout')
      pending.then(
        (lease) => lease.release(),
        () => undefined,
      );
    return winner;
  }

  private autoMtls(endpoint: Endpoint): boolean {
    if (!endpoint.istioTlsMode || !endpoint.pod || endpoint.containerPort === undefined) return endpoint.istioTlsMode;
    return peerAuthenticationMode(this.rt.config(), endpoint.pod.workload, endpoint.containerPort) !== 'DISABLE';
  }

  private async attempt(
    proxy: Proxy,
    endpoint: Endpoint,
    call: ClusterCall,
    attempt: number,
    destinationService: string,
    timeoutMs: number | undefined,
    policy: TrafficPolicy,
  ): Promise<AttemptOutcome> {
    if (!endpoint.address) return { kind: 'connect-failure', message: 'connection failure' };
    // A DestinationRule's mode decides; else auto mTLS: the endpoint's tlsMode label, unless its
    // PeerAuthentication for that port is DISABLE (istio/istio@1.30.3 pilot/pkg/xds/endpoints/mtls_checker.go checkMtlsEnabled).
    const mtls = policy.tlsMode === undefined ? this.autoMtls(endpoint) : policy.tlsMode === 'ISTIO_MUTUAL';
    // mTLS towards a port no proxy answers (no sidecar, or a port excluded from inbound capture)
    // fails its TLS handshake with the plaintext app.
    if (mtls && !endpoint.meshProxy) return { kind: 'reset', message: 'connection termination' };
    const headers: Record<string, string> = { ...call.request.headers, 'x-envoy-attempt-count': String(attempt), 'x-forwarded-proto': 'http' };
    if (endpoint.meshProxy) {
      const port = call.target.kind === 'service' ? call.target.port.port : call.target.port;
      const { name, namespace, app, version, principal, canonicalService, canonicalRevision } = proxy.workload;
      headers[PEER_HEADER] = this.rt.peers.encode({
        workload: { name, namespace, app, version, principal, canonicalService, canonicalRevision },
        mtls,
        port,
        destinationService,
      });
    }
    return this.rt.upstream.send({
      address: endpoint.address,
      method: call.request.method,
      path: call.request.path,
      headers,
      body: call.request.body,
      timeoutMs,
    });
  }
}
