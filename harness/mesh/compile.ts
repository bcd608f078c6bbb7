/**
 * Turns Istio objects from the API server into MeshConfig. Each object compiles on its own:
 * a bad one is reported (naming object, field and fix) and skipped, never crashing a proxy.
 */
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../../apps/echo/src/duration.js';
import { expandHost } from './hosts.js';
import type {
  Destination, DestinationRule, EgressListener, ExportTo, Gateway, HeaderOperations, HeaderRules, HttpRoute, MeshConfig,
  MeshSettings, MtlsMode, PeerAuthentication, Predicate, RetryPolicy, RouteMatch, ServiceEntry, SidecarConfig,
  TrafficPolicy, VirtualService, WeightedDestination,
} from './config-types.js';
import { IMPORT_EVERYTHING, ROOT_NAMESPACE } from './config-types.js';
import type { ReadonlyKubeObject } from './types.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads fields of one object, throwing ConfigError with `Kind ns/name: path ...` messages. */
class Fields {
  constructor(private readonly label: string) {}

  fail(path: string, problem: string): never {
    throw new ConfigError(`${this.label}: ${path} ${problem}`);
  }
  object(value: unknown, path: string): Record<string, any> | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(path, `must be an object (got ${JSON.stringify(value)})`);
    return value as Record<string, any>;
  }
  array(value: unknown, path: string): any[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, `must be a list (got ${JSON.stringify(value)})`);
    return value;
  }
  string(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(path, `must be a string (got ${JSON.stringify(value)})`);
    return value;
  }
  requiredString(value: unknown, path: string): string {
    const text = this.string(value, path);
    if (!text) this.fail(path, 'is required');
    return text;
  }
  integer(value: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
    }
    return value;
  }
  duration(value: unknown, path: string): number | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) this.fail(path, `must be a duration such as 500ms or 2s (got "${text}")`);
    return ms;
  }
  percent(value: unknown, path: string): number | undefined {
    const holder = this.object(value, path);
    if (!holder) return undefined;
    const percent = holder.value;
    if (typeof percent !== 'number' || percent < 0 || percent > 100) this.fail(`${path}.value`, `must be a number from 0 to 100 (got ${JSON.stringify(percent)})`);
    return percent;
  }
  labels(value: unknown, path: string): Record<string, string> | undefined {
    const labels = this.object(value, path);
    if (!labels) return undefined;
    for (const [key, label] of Object.entries(labels)) if (typeof label !== 'string') this.fail(`${path}.${key}`, `must be a string (got ${JSON.stringify(label)})`);
    return labels as Record<string, string>;
  }
  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    if (!allowed.includes(text as T)) this.fail(path, `must be one of ${allowed.join(', ')} (got "${text}")`);
    return text as T;
  }
}

function created(obj: ReadonlyKubeObject): number {
  const stamp = obj.metadata.creationTimestamp;
  return typeof stamp === 'string' ? Date.parse(stamp) || 0 : 0;
}

function stringMatch(f: Fields, value: unknown, path: string): { predicate: Predicate; prefix?: string } {
  const m = f.object(value, path) ?? {};
  const exact = f.string(m.exact, `${path}.exact`);
  const prefix = f.string(m.prefix, `${path}.prefix`);
  const regexText = f.string(m.regex, `${path}.regex`);
  if (exact !== undefined) return { predicate: (v) => v === exact };
  if (prefix !== undefined) return { predicate: (v) => v !== undefined && v.startsWith(prefix), prefix };
  if (regexText !== undefined) {
    let regex: RegExp;
    try {
      // Envoy's RE2 matches the whole value.
      regex = new RegExp(`^(?:${regexText})$`);
    } catch (error) {
      f.fail(`${path}.regex`, `is not a valid regular expression: ${(error as Error).message}`);
    }
    return { predicate: (v) => v !== undefined && regex.test(v) };
  }
  // An empty match object means "present".
  return { predicate: (v) => v !== undefined };
}

function namedMatches(f: Fields, value: unknown, path: string, lowerCase: boolean): Array<[string, Predicate]> {
  return Object.entries(f.object(value, path) ?? {}).map(([name, m]) => [lowerCase ? name.toLowerCase() : name, stringMatch(f, m, `${path}.${name}`).predicate]);
}

/** "mesh", "name" (relative to the VirtualService's namespace) or "ns/name" -> "mesh" | "ns/name". */
function normaliseGateway(name: string, namespace: string): string {
  if (name === 'mesh') return 'mesh';
  return name.includes('/') ? name : `${namespace}/${name}`;
}

function headerOperations(f: Fields, value: unknown, path: string): HeaderOperations | undefined {
  const ops = f.object(value, path);
  if (!ops) return undefined;
  const lower = (record: Record<string, any> | undefined, sub: string) =>
    Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k.toLowerCase(), f.requiredString(v, `${path}.${sub}.${k}`)]));
  return {
    set: lower(f.object(ops.set, `${path}.set`), 'set'),
    add: lower(f.object(ops.add, `${path}.add`), 'add'),
    remove: f.array(ops.remove, `${path}.remove`).map((h, i) => f.requiredString(h, `${path}.remove[${i}]`).toLowerCase()),
  };
}

function headerRules(f: Fields, value: unknown, path: string): HeaderRules | undefined {
  const rules = f.object(value, path);
  if (!rules) return undefined;
  return { request: headerOperations(f, rules.request, `${path}.request`), response: headerOperations(f, rules.response, `${path}.response`) };
}

function destination(f: Fields, value: unknown, path: string, namespace: string): Destination {
  const d = f.object(value, path);
  if (!d) f.fail(path, 'is required');
  return {
    host: expandHost(f.requiredString(d.host, `${path}.host`), namespace),
    subset: f.string(d.subset, `${path}.subset`),
    port: f.integer(f.object(d.port, `${path}.port`)?.number, `${path}.port.number`, 1, 65535),
  };
}

const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

function retries(f: Fields, value: unknown, path: string): RetryPolicy | undefined {
  const r = f.object(value, path);
  if (!r) return undefined;
  const policy: RetryPolicy = {
    attempts: f.integer(r.attempts, `${path}.attempts`, 0) ?? 2,
    perTryTimeoutMs: f.duration(r.perTryTimeout, `${path}.perTryTimeout`),
    retryOn: new Set(),
    retriableStatusCodes: new Set(),
  };
  const retryOn = f.string(r.retryOn, `${path}.retryOn`) ?? DEFAULT_RETRY_ON;
  for (const condition of retryOn.split(',').map((c) => c.trim()).filter(Boolean)) {
    if (/^\d{3}$/.test(condition)) policy.retriableStatusCodes.add(Number(condition));
    else if (RETRY_ON.has(condition)) policy.retryOn.add(condition);
    else f.fail(`${path}.retryOn`, `has unknown condition "${condition}"; use e.g. 5xx,gateway-error,connect-failure,retriable-4xx,reset or status codes such as 503`);
  }
  if (policy.retriableStatusCodes.size > 0) policy.retryOn.add('retriable-status-codes');
  return policy;
}

/** Istio's retryOn when a route sets none (no 503 since Istio 1.24). */
const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/** What Istio applies when a route has no `retries`: 2 retries, no 503. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 2,
  retryOn: new Set(DEFAULT_RETRY_ON.split(',')),
  retriableStatusCodes: new Set(),
};

function httpRoute(f: Fields, r: Record<string, any>, path: string, namespace: string): HttpRoute {
  const matches: RouteMatch[] = f.array(r.match, `${path}.match`).map((mv, i) => {
    const mp = `${path}.match[${i}]`;
    const m = f.object(mv, mp) ?? {};
    const uri = m.uri !== undefined ? stringMatch(f, m.uri, `${mp}.uri`) : undefined;
    const gateways = m.gateways !== undefined
      ? f.array(m.gateways, `${mp}.gateways`).map((g, j) => normaliseGateway(f.requiredString(g, `${mp}.gateways[${j}]`), namespace))
      : undefined;
    return {
      uri: uri?.predicate,
      uriPrefix: uri?.prefix,
      method: m.method !== undefined ? stringMatch(f, m.method, `${mp}.method`).predicate : undefined,
      authority: m.authority !== undefined ? stringMatch(f, m.authority, `${mp}.authority`).predicate : undefined,
      headers: namedMatches(f, m.headers, `${mp}.headers`, true),
      withoutHeaders: namedMatches(f, m.withoutHeaders, `${mp}.withoutHeaders`, true),
      queryParams: namedMatches(f, m.queryParams, `${mp}.queryParams`, false),
      port: f.integer(m.port, `${mp}.port`, 1, 65535),
      sourceLabels: f.labels(m.sourceLabels, `${mp}.sourceLabels`),
      sourceNamespace: f.string(m.sourceNamespace, `${mp}.sourceNamespace`),
      gateways,
    };
  });
  const route: WeightedDestination[] = f.array(r.route, `${path}.route`).map((dv, i) => {
    const dp = `${path}.route[${i}]`;
    const d = f.object(dv, dp) ?? {};
    return {
      ...destination(f, d.destination, `${dp}.destination`, namespace),
      weight: f.integer(d.weight, `${dp}.weight`, 0, 100) ?? (Array.isArray(r.route) && r.route.length === 1 ? 100 : 0),
      headers: headerRules(f, d.headers, `${dp}.headers`),
    };
  });
  const redirectSpec = f.object(r.redirect, `${path}.redirect`);
  const directSpec = f.object(r.directResponse, `${path}.directResponse`);
  if (route.length === 0 && !redirectSpec && !directSpec) f.fail(path, 'needs a route, a redirect or a directResponse');
  if (route.length > 1 && route.every((d) => d.weight === 0)) f.fail(`${path}.route`, 'has several destinations but no weights; give each a weight, adding up to 100');
  const faultSpec = f.object(r.fault, `${path}.fault`);
  const delaySpec = f.object(faultSpec?.delay, `${path}.fault.delay`);
  const abortSpec = f.object(faultSpec?.abort, `${path}.fault.abort`);
  const rewriteSpec = f.object(r.rewrite, `${path}.rewrite`);
  const mirrorPercent = f.percent(r.mirrorPercentage, `${path}.mirrorPercentage`) ?? f.integer(r.mirrorPercent, `${path}.mirrorPercent`, 0, 100) ?? 100;
  const mirrors = [
    ...(r.mirror !== undefined ? [{ destination: destination(f, r.mirror, `${path}.mirror`, namespace), percent: mirrorPercent }] : []),
    ...f.array(r.mirrors, `${path}.mirrors`).map((mv, i) => {
      const m = f.object(mv, `${path}.mirrors[${i}]`) ?? {};
      return {
        destination: destination(f, m.destination, `${path}.mirrors[${i}].destination`, namespace),
        percent: f.percent(m.percentage, `${path}.mirrors[${i}].percentage`) ?? 100,
      };
    }),
  ];
  return {
    name: f.string(r.name, `${path}.name`),
    matches,
    route,
    redirect: redirectSpec && {
      uri: f.string(redirectSpec.uri, `${path}.redirect.uri`),
      authority: f.string(redirectSpec.authority, `${path}.redirect.authority`),
      port: f.integer(redirectSpec.port, `${path}.redirect.port`, 1, 65535),
      scheme: f.string(redirectSpec.scheme, `${path}.redirect.scheme`),
      code: f.integer(redirectSpec.redirectCode, `${path}.redirect.redirectCode`, 300, 399) ?? 301,
    },
    rewrite: rewriteSpec && {
      uri: f.string(rewriteSpec.uri, `${path}.rewrite.uri`),
      authority: f.string(rewriteSpec.authority, `${path}.rewrite.authority`),
    },
    directResponse: directSpec && {
      status: f.integer(directSpec.status, `${path}.directResponse.status`, 200, 599) ?? f.fail(`${path}.directResponse.status`, 'is required, e.g. 503'),
      body: f.string(f.object(directSpec.body, `${path}.directResponse.body`)?.string, `${path}.directResponse.body.string`) ?? '',
    },
    timeoutMs: f.duration(r.timeout, `${path}.timeout`),
    retries: retries(f, r.retries, `${path}.retries`),
    fault: faultSpec && {
      delay: delaySpec && {
        ms: f.duration(delaySpec.fixedDelay, `${path}.fault.delay.fixedDelay`) ?? f.fail(`${path}.fault.delay.fixedDelay`, 'is required, e.g. 3s'),
        // `percent` is the old integer form of `percentage.value`.
        percent: f.percent(delaySpec.percentage, `${path}.fault.delay.percentage`) ?? f.integer(delaySpec.percent, `${path}.fault.delay.percent`, 0, 100) ?? 100,
      },
      abort: abortSpec && {
        status: f.integer(abortSpec.httpStatus, `${path}.fault.abort.httpStatus`, 200, 599) ?? f.fail(`${path}.fault.abort.httpStatus`, 'is required, e.g. 500'),
        percent: f.percent(abortSpec.percentage, `${path}.fault.abort.percentage`) ?? 100,
      },
    },
    mirrors,
    headers: headerRules(f, r.headers, `${path}.headers`),
  };
}

function labelFor(obj: ReadonlyKubeObject): string {
  return `${obj.kind} ${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
}

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * exportTo entries as Istio reads them: "*" (every namespace), "." (the object's own), "~" (none)
 * or namespace names. Undefined when the list is empty: the mesh config's default applies.
 */
export function resolveExportTo(entries: string[], namespace: string): ExportTo | undefined {
  if (entries.length === 0) return undefined;
  if (entries.includes('*')) return '*';
  return new Set(entries.filter((e) => e !== '~').map((e) => (e === '.' ? namespace : e)));
}

/**
 * Istio's validation of exportTo: known forms, no duplicates, "*" only on its own; "~" only on a
 * ServiceEntry (`noneAllowed`), and then on its own.
 */
function exportTo(f: Fields, value: unknown, namespace: string, noneAllowed: boolean): ExportTo | undefined {
  const entries = f.array(value, 'spec.exportTo').map((e, i) => f.requiredString(e, `spec.exportTo[${i}]`));
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    if (entry === '~' && !noneAllowed) f.fail(`spec.exportTo[${i}]`, 'cannot be "~" (none): only a ServiceEntry can be exported to nobody');
    if (!['*', '.', '~'].includes(entry) && !NAMESPACE_NAME.test(entry)) f.fail(`spec.exportTo[${i}]`, `must be "*", ".", "~" or a namespace name (got "${entry}")`);
    const key = entry === '.' ? namespace : entry;
    if (seen.has(key)) f.fail('spec.exportTo', `has "${entry}" twice ("." is the namespace ${namespace})`);
    seen.add(key);
  });
  if (entries.length > 1 && (seen.has('*') || seen.has('~'))) f.fail('spec.exportTo', `cannot combine "*" or "~" with other entries (got ${JSON.stringify(entries)})`);
  return resolveExportTo(entries, namespace);
}

export function compileVirtualService(obj: ReadonlyKubeObject): VirtualService {
  const f = new Fields(labelFor(obj));
  const namespace = obj.metadata.namespace ?? 'default';
  const spec = f.object(obj.spec, 'spec') ?? f.fail('spec', 'is required');
  const hosts = f.array(spec.hosts, 'spec.hosts').map((h, i) => expandHost(f.requiredString(h, `spec.hosts[${i}]`), namespace));
  if (hosts.length === 0) f.fail('spec.hosts', 'needs at least one host');
  const gateways = spec.gateways === undefined
    ? ['mesh']
    : f.array(spec.gateways, 'spec.gateways').map((g, i) => normaliseGateway(f.requiredString(g, `spec.gateways[${i}]`), namespace));
  return {
    namespace,
    name: obj.metadata.name,
    exportTo: exportTo(f, spec.exportTo, namespace, false),
    hosts,
    gateways,
    http: f.array(spec.http, 'spec.http').map((r, i) => httpRoute(f, f.object(r, `spec.http[${i}]`) ?? {}, `spec.http[${i}]`, namespace)),
    createdAt: created(obj),
  };
}

function trafficPolicy(f: Fields, value: unknown, path: string): TrafficPolicy {
  const p = f.object(value, path) ?? {};
  const pool = f.object(p.connectionPool, `${path}.connectionPool`);
  const tcp = f.object(pool?.tcp, `${path}.connectionPool.tcp`);
  const http = f.object(pool?.http, `${path}.connectionPool.http`);
  const outlier = f.object(p.outlierDetection, `${path}.outlierDetection`);
  const op = `${path}.outlierDetection`;
  return {
    tlsMode: f.oneOf(f.object(p.tls, `${path}.tls`)?.mode, `${path}.tls.mode`, ['DISABLE', 'ISTIO_MUTUAL', 'SIMPLE', 'MUTUAL'] as const),
    connectionPool: pool && {
      maxConnections: f.integer(tcp?.maxConnections, `${path}.connectionPool.tcp.maxConnections`, 1),
      http1MaxPendingRequests: f.integer(http?.http1MaxPendingRequests, `${path}.connectionPool.http.http1MaxPendingRequests`, 1),
      http2MaxRequests: f.integer(http?.http2MaxRequests, `${path}.connectionPool.http.http2MaxRequests`, 1),
      maxRequestsPerConnection: f.integer(http?.maxRequestsPerConnection, `${path}.connectionPool.http.maxRequestsPerConnection`, 0),
    },
    outlierDetection: outlier && {
      // consecutiveErrors is the deprecated name, counting gateway errors.
      consecutive5xxErrors: f.integer(outlier.consecutive5xxErrors, `${op}.consecutive5xxErrors`, 0) ?? (outlier.consecutiveErrors === undefined && outlier.consecutiveGatewayErrors === undefined ? 5 : undefined),
      consecutiveGatewayErrors: f.integer(outlier.consecutiveGatewayErrors, `${op}.consecutiveGatewayErrors`, 0) ?? f.integer(outlier.consecutiveErrors, `${op}.consecutiveErrors`, 0),
      baseEjectionTimeMs: f.duration(outlier.baseEjectionTime, `${op}.baseEjectionTime`) ?? 30_000,
      maxEjectionPercent: f.integer(outlier.maxEjectionPercent, `${op}.maxEjectionPercent`, 0, 100) ?? 10,
    },
  };
}

export function compileDestinationRule(obj: ReadonlyKubeObject): DestinationRule {
  const f = new Fields(labelFor(obj));
  const namespace = obj.metadata.namespace ?? 'default';
  const spec = f.object(obj.spec, 'spec') ?? f.fail('spec', 'is required');
  const policy = trafficPolicy(f, spec.trafficPolicy, 'spec.trafficPolicy');
  const subsets = new Map<string, { labels: Record<string, string>; trafficPolicy: TrafficPolicy }>();
  f.array(spec.subsets, 'spec.subsets').forEach((sv, i) => {
    const s = f.object(sv, `spec.subsets[${i}]`) ?? {};
    const own = trafficPolicy(f, s.trafficPolicy, `spec.subsets[${i}].trafficPolicy`);
    subsets.set(f.requiredString(s.name, `spec.subsets[${i}].name`), {
      labels: f.labels(s.labels, `spec.subsets[${i}].labels`) ?? {},
      // A subset's policy overrides the rule's field by field.
      trafficPolicy: {
        tlsMode: own.tlsMode ?? policy.tlsMode,
        connectionPool: own.connectionPool ?? policy.connectionPool,
        outlierDetection: own.outlierDetection ?? policy.outlierDetection,
      },
    });
  });
  return {
    namespace,
    name: obj.metadata.name,
    exportTo: exportTo(f, spec.exportTo, namespace, false),
    host: expandHost(f.requiredString(spec.host, 'spec.host'), namespace),
    trafficPolicy: policy,
    subsets,
    createdAt: created(obj),
  };
}

export function compileGateway(obj: ReadonlyKubeObject): Gateway {
  const f = new Fields(labelFor(obj));
  const namespace = obj.metadata.namespace ?? 'default';
  const spec = f.object(obj.spec, 'spec') ?? f.fail('spec', 'is required');
  return {
    namespace,
    name: obj.metadata.name,
    selector: f.labels(spec.selector, 'spec.selector') ?? {},
    servers: f.array(spec.servers, 'spec.servers').map((sv, i) => {
      const s = f.object(sv, `spec.servers[${i}]`) ?? {};
      const port = f.integer(f.object(s.port, `spec.servers[${i}].port`)?.number, `spec.servers[${i}].port.number`, 1, 65535) ?? f.fail(`spec.servers[${i}].port.number`, 'is required');
      const hosts = f.array(s.hosts, `spec.servers[${i}].hosts`).map((hv, j) => {
        const text = f.requiredString(hv, `spec.servers[${i}].hosts[${j}]`).toLowerCase();
        const slash = text.indexOf('/');
        if (slash < 0) return { namespace: '*', host: text };
        const ns = text.slice(0, slash);
        return { namespace: ns === '.' ? namespace : ns, host: text.slice(slash + 1) };
      });
      if (hosts.length === 0) f.fail(`spec.servers[${i}].hosts`, 'needs at least one host, e.g. "*"');
      return { port, hosts };
    }),
  };
}

export function compileServiceEntry(obj: ReadonlyKubeObject): ServiceEntry {
  const f = new Fields(labelFor(obj));
  const namespace = obj.metadata.namespace ?? 'default';
  const spec = f.object(obj.spec, 'spec') ?? f.fail('spec', 'is required');
  const hosts = f.array(spec.hosts, 'spec.hosts').map((h, i) => f.requiredString(h, `spec.hosts[${i}]`).toLowerCase());
  if (hosts.length === 0) f.fail('spec.hosts', 'needs at least one host');
  const resolution = f.oneOf(spec.resolution, 'spec.resolution', ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'] as const) ?? 'NONE';
  const endpoints = f.array(spec.endpoints, 'spec.endpoints').map((ev, i) => {
    const e = f.object(ev, `spec.endpoints[${i}]`) ?? {};
    const ports = f.object(e.ports, `spec.endpoints[${i}].ports`) ?? {};
    for (const [name, port] of Object.entries(ports)) f.integer(port, `spec.endpoints[${i}].ports.${name}`, 1, 65535);
    return { address: f.requiredString(e.address, `spec.endpoints[${i}].address`), ports: ports as Record<string, number> };
  });
  if (resolution === 'STATIC' && endpoints.length === 0) f.fail('spec.endpoints', 'is required with resolution STATIC');
  return {
    namespace,
    name: obj.metadata.name,
    exportTo: exportTo(f, spec.exportTo, namespace, true),
    hosts,
    ports: f.array(spec.ports, 'spec.ports').map((pv, i) => {
      const p = f.object(pv, `spec.ports[${i}]`) ?? {};
      return {
        number: f.integer(p.number, `spec.ports[${i}].number`, 1, 65535) ?? f.fail(`spec.ports[${i}].number`, 'is required'),
        name: f.string(p.name, `spec.ports[${i}].name`),
        targetPort: f.integer(p.targetPort, `spec.ports[${i}].targetPort`, 1, 65535),
      };
    }),
    resolution,
    location: f.oneOf(spec.location, 'spec.location', ['MESH_EXTERNAL', 'MESH_INTERNAL'] as const) ?? 'MESH_EXTERNAL',
    endpoints,
  };
}

const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;

export function compilePeerAuthentication(obj: ReadonlyKubeObject): PeerAuthentication {
  const f = new Fields(labelFor(obj));
  const spec = f.object(obj.spec, 'spec') ?? {};
  const mode = (v: unknown, path: string): MtlsMode | undefined => {
    const m = f.oneOf(f.object(v, path)?.mode, `${path}.mode`, MTLS_MODES);
    return m === 'UNSET' ? undefined : m;
  };
  const portModes = new Map<number, MtlsMode>();
  for (const [port, setting] of Object.entries(f.object(spec.portLevelMtls, 'spec.portLevelMtls') ?? {})) {
    const m = mode(setting, `spec.portLevelMtls.${port}`);
    if (m) portModes.set(Number(port), m);
  }
  return {
    namespace: obj.metadata.namespace ?? ROOT_NAMESPACE,
    name: obj.metadata.name,
    selector: f.labels(f.object(spec.selector, 'spec.selector')?.matchLabels, 'spec.selector.matchLabels'),
    mode: mode(spec.mtls, 'spec.mtls'),
    portModes,
  };
}

const OUTBOUND_MODES = ['ALLOW_ANY', 'REGISTRY_ONLY'] as const;

/** Egress listeners; hosts must be `namespace/dnsName`, as Istio validates them. */
function egressListeners(f: Fields, value: unknown): EgressListener[] {
  const listeners = f.array(value, 'spec.egress').map((lv, i) => {
    const path = `spec.egress[${i}]`;
    const l = f.object(lv, path) ?? {};
    const hosts = f.array(l.hosts, `${path}.hosts`).map((hv, j) => {
      const text = f.requiredString(hv, `${path}.hosts[${j}]`).toLowerCase();
      const slash = text.indexOf('/');
      if (slash <= 0 || slash === text.length - 1) f.fail(`${path}.hosts[${j}]`, `must be namespace/dnsName, e.g. "./*" or "istio-system/*" (got "${text}")`);
      return { namespace: text.slice(0, slash), host: text.slice(slash + 1) };
    });
    if (hosts.length === 0) f.fail(`${path}.hosts`, 'needs at least one host, e.g. "./*"');
    return { port: f.integer(f.object(l.port, `${path}.port`)?.number, `${path}.port.number`, 1, 65535), hosts };
  });
  // Without egress listeners a Sidecar imports every namespace.
  return listeners.length > 0 ? listeners : [...IMPORT_EVERYTHING];
}

export function compileSidecar(obj: ReadonlyKubeObject): SidecarConfig {
  const f = new Fields(labelFor(obj));
  const spec = f.object(obj.spec, 'spec') ?? {};
  return {
    namespace: obj.metadata.namespace ?? 'default',
    name: obj.metadata.name,
    selector: f.labels(f.object(spec.workloadSelector, 'spec.workloadSelector')?.labels, 'spec.workloadSelector.labels'),
    egress: egressListeners(f, spec.egress),
    outboundMode: f.oneOf(f.object(spec.outboundTrafficPolicy, 'spec.outboundTrafficPolicy')?.mode, 'spec.outboundTrafficPolicy.mode', OUTBOUND_MODES),
  };
}

const DEFAULT_MESH_SETTINGS: MeshSettings = {
  outboundMode: 'ALLOW_ANY',
  exportToDefaults: { service: '*', virtualService: '*', destinationRule: '*' },
};

/**
 * outboundTrafficPolicy.mode and default{Service,VirtualService,DestinationRule}ExportTo from the
 * mesh config YAML in ConfigMap istio-system/istio (key `mesh`).
 */
export function compileMeshSettings(configMap: ReadonlyKubeObject | undefined): MeshSettings {
  const text = (configMap?.data as Record<string, string> | undefined)?.mesh;
  if (!text) return DEFAULT_MESH_SETTINGS;
  const f = new Fields(`ConfigMap ${ROOT_NAMESPACE}/istio`);
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    f.fail('data.mesh', `is not YAML: ${(error as Error).message}`);
  }
  const mesh = f.object(parsed, 'data.mesh') ?? {};
  const policy = f.object(mesh.outboundTrafficPolicy, 'data.mesh.outboundTrafficPolicy');
  // Istio honours only "*" and "." here; "*" wins when both are listed.
  const exportDefault = (key: string): '*' | '.' => {
    const entries = f.array(mesh[key], `data.mesh.${key}`).map((e, i) => f.oneOf(e, `data.mesh.${key}[${i}]`, ['*', '.'] as const));
    return entries.includes('.') && !entries.includes('*') ? '.' : '*';
  };
  return {
    outboundMode: f.oneOf(policy?.mode, 'data.mesh.outboundTrafficPolicy.mode', OUTBOUND_MODES) ?? 'ALLOW_ANY',
    exportToDefaults: {
      service: exportDefault('defaultServiceExportTo'),
      virtualService: exportDefault('defaultVirtualServiceExportTo'),
      destinationRule: exportDefault('defaultDestinationRuleExportTo'),
    },
  };
}

/** The Istio kinds the data plane reads, with their compilers and where they go in MeshConfig. */
export const COMPILED_ISTIO_KINDS = [
  { group: 'networking.istio.io', kind: 'VirtualService', compile: compileVirtualService, into: 'virtualServices' },
  { group: 'networking.istio.io', kind: 'DestinationRule', compile: compileDestinationRule, into: 'destinationRules' },
  { group: 'networking.istio.io', kind: 'Gateway', compile: compileGateway, into: 'gateways' },
  { group: 'networking.istio.io', kind: 'ServiceEntry', compile: compileServiceEntry, into: 'serviceEntries' },
  { group: 'networking.istio.io', kind: 'Sidecar', compile: compileSidecar, into: 'sidecars' },
  { group: 'security.istio.io', kind: 'PeerAuthentication', compile: compilePeerAuthentication, into: 'peerAuthentications' },
] as const;

interface CompiledObject {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  generation: number;
}

/**
 * Compiles everything in the store. Objects that fail are reported through `onError` and left
 * out; the rest are returned in `accepted` so their status can be written.
 */
export function compileMeshConfig(
  list: (group: string, kind: string) => readonly ReadonlyKubeObject[],
  meshConfigMap: ReadonlyKubeObject | undefined,
  onError: (obj: ReadonlyKubeObject, error: ConfigError) => void,
): { config: MeshConfig; accepted: CompiledObject[] } {
  const config: MeshConfig = {
    virtualServices: [], destinationRules: [], gateways: [], serviceEntries: [], peerAuthentications: [], sidecars: [],
    mesh: DEFAULT_MESH_SETTINGS,
  };
  const accepted: CompiledObject[] = [];
  for (const { group, kind, compile, into } of COMPILED_ISTIO_KINDS) {
    for (const obj of list(group, kind)) {
      try {
        (config[into] as unknown[]).push(compile(obj));
        accepted.push({ group, kind, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name, generation: obj.metadata.generation ?? 1 });
      } catch (error) {
        // Whatever goes wrong with one object stays with that object.
        onError(obj, error instanceof ConfigError ? error : new ConfigError(`${labelFor(obj)}: cannot be used: ${(error as Error).message}`));
      }
    }
  }
  // Oldest first, as Istio orders rules for the same host.
  config.virtualServices.sort((a, b) => a.createdAt - b.createdAt);
  config.destinationRules.sort((a, b) => a.createdAt - b.createdAt);
  try {
    config.mesh = compileMeshSettings(meshConfigMap);
  } catch (error) {
    if (!(error instanceof ConfigError) || !meshConfigMap) throw error;
    onError(meshConfigMap, error);
  }
  return { config, accepted };
}
