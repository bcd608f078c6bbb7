/**
 * The checks istiod's validation webhook makes on Istio resources, for the mistakes tutorials
 * meet: missing hosts, route weights that do not add up to 100, malformed durations, unknown
 * enum values. A route naming a subset no DestinationRule defines is not an error (as in Istio).
 */
import { serviceFqdn, serviceNameOf } from '../../mesh/hosts.js';
import { ApiError, type StatusCause } from '../store/errors.js';
import type { KubeObject } from '../store/types.js';

type Json = Record<string, any>;

const DURATION = /^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/;

class Problems {
  readonly causes: StatusCause[] = [];
  add(field: string, message: string): void {
    this.causes.push({ reason: 'FieldValueInvalid', message, field });
  }
  required(field: string, value: unknown): boolean {
    const missing = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
    if (missing) this.add(field, 'required field is missing');
    return !missing;
  }
  duration(field: string, value: unknown): void {
    if (value === undefined) return;
    if (typeof value !== 'string' || !DURATION.test(value)) this.add(field, `invalid duration ${JSON.stringify(value)}: use a number with a unit, e.g. 500ms, 2s, 1m`);
  }
  oneOf(field: string, value: unknown, allowed: string[]): void {
    if (value !== undefined && !allowed.includes(value as string)) this.add(field, `unsupported value ${JSON.stringify(value)}: expected one of ${allowed.join(', ')}`);
  }
  port(field: string, value: unknown): void {
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535)) this.add(field, `port number ${JSON.stringify(value)} must be between 1 and 65535`);
  }
  percentage(field: string, value: unknown): void {
    if (value !== undefined && (typeof value !== 'number' || value < 0 || value > 100)) this.add(field, `percentage ${JSON.stringify(value)} must be between 0 and 100`);
  }
}

const list = (value: unknown): Json[] => (Array.isArray(value) ? value : []);

function validateDestination(p: Problems, field: string, destination: Json | undefined): void {
  if (!p.required(`${field}.host`, destination?.host)) return;
  p.port(`${field}.port.number`, destination?.port?.number);
}

function validateHttpRoute(p: Problems, field: string, http: Json): void {
  const routes = list(http.route);
  if (routes.length === 0 && !http.redirect && !http.directResponse && !http.delegate) p.add(field, 'HTTP route, redirect or direct response is required');
  let total = 0;
  routes.forEach((route, i) => {
    validateDestination(p, `${field}.route[${i}].destination`, route.destination);
    if (route.weight !== undefined && (!Number.isInteger(route.weight) || route.weight < 0)) p.add(`${field}.route[${i}].weight`, `weight ${JSON.stringify(route.weight)} must be a non-negative integer`);
    total += Number.isInteger(route.weight) ? route.weight : 0;
  });
  if (routes.length > 1 && total !== 100) p.add(`${field}.route`, `total destination weight ${total} != 100`);
  p.duration(`${field}.timeout`, http.timeout);
  if (http.retries) {
    if (http.retries.attempts !== undefined && (!Number.isInteger(http.retries.attempts) || http.retries.attempts < 0)) p.add(`${field}.retries.attempts`, 'attempts cannot be negative');
    p.duration(`${field}.retries.perTryTimeout`, http.retries.perTryTimeout);
  }
  const fault = http.fault;
  if (fault?.delay) {
    if (fault.delay.fixedDelay === undefined && fault.delay.exponentialDelay === undefined) p.add(`${field}.fault.delay.fixedDelay`, 'fixedDelay is required for a delay fault');
    p.duration(`${field}.fault.delay.fixedDelay`, fault.delay.fixedDelay);
    p.percentage(`${field}.fault.delay.percentage.value`, fault.delay.percentage?.value);
    p.percentage(`${field}.fault.delay.percent`, fault.delay.percent);
  }
  if (fault?.abort) {
    const status = fault.abort.httpStatus;
    if (status !== undefined && (!Number.isInteger(status) || status < 200 || status > 599)) p.add(`${field}.fault.abort.httpStatus`, `httpStatus ${JSON.stringify(status)} must be in range 200-599`);
    if (status === undefined && fault.abort.grpcStatus === undefined && fault.abort.http2Error === undefined) p.add(`${field}.fault.abort.httpStatus`, 'an abort fault needs httpStatus');
    p.percentage(`${field}.fault.abort.percentage.value`, fault.abort.percentage?.value);
  }
  if (http.mirror) validateDestination(p, `${field}.mirror`, http.mirror);
  p.percentage(`${field}.mirrorPercentage.value`, http.mirrorPercentage?.value);
}

function validateVirtualService(p: Problems, spec: Json): void {
  p.required('spec.hosts', spec.hosts);
  list(spec.http).forEach((http, i) => validateHttpRoute(p, `spec.http[${i}]`, http));
  for (const protocol of ['tcp', 'tls'] as const) {
    list(spec[protocol]).forEach((route, i) => {
      const routes = list(route.route);
      if (routes.length === 0) p.add(`spec.${protocol}[${i}].route`, 'route is required');
      routes.forEach((r, j) => validateDestination(p, `spec.${protocol}[${i}].route[${j}].destination`, r.destination));
      const total = routes.reduce((n, r) => n + (Number.isInteger(r.weight) ? r.weight : 0), 0);
      if (routes.length > 1 && total !== 100) p.add(`spec.${protocol}[${i}].route`, `total destination weight ${total} != 100`);
    });
  }
  if (!spec.http && !spec.tcp && !spec.tls) p.add('spec.http', 'http, tcp or tls must be provided in a virtual service');
}

function validateTrafficPolicy(p: Problems, field: string, policy: Json | undefined): void {
  if (!policy) return;
  p.oneOf(`${field}.loadBalancer.simple`, policy.loadBalancer?.simple, ['UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST']);
  p.oneOf(`${field}.tls.mode`, policy.tls?.mode, ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']);
  const outlier = policy.outlierDetection;
  if (outlier) {
    p.duration(`${field}.outlierDetection.interval`, outlier.interval);
    p.duration(`${field}.outlierDetection.baseEjectionTime`, outlier.baseEjectionTime);
    p.percentage(`${field}.outlierDetection.maxEjectionPercent`, outlier.maxEjectionPercent);
  }
  const pool = policy.connectionPool;
  for (const [key, value] of Object.entries({ ...pool?.tcp, ...pool?.http })) {
    if (/^(max|http1Max|http2Max)/.test(key) && (!Number.isInteger(value) || (value as number) < 0)) p.add(`${field}.connectionPool.${pool?.tcp?.[key] !== undefined ? 'tcp' : 'http'}.${key}`, `${key} must be a non-negative integer`);
  }
  p.duration(`${field}.connectionPool.tcp.connectTimeout`, pool?.tcp?.connectTimeout);
}

function validateDestinationRule(p: Problems, spec: Json): void {
  p.required('spec.host', spec.host);
  validateTrafficPolicy(p, 'spec.trafficPolicy', spec.trafficPolicy);
  const names = new Set<string>();
  list(spec.subsets).forEach((subset, i) => {
    if (p.required(`spec.subsets[${i}].name`, subset.name)) {
      if (names.has(subset.name)) p.add(`spec.subsets[${i}].name`, `duplicate subset name ${JSON.stringify(subset.name)}`);
      names.add(subset.name);
    }
    validateTrafficPolicy(p, `spec.subsets[${i}].trafficPolicy`, subset.trafficPolicy);
  });
}

const PROTOCOLS = ['HTTP', 'HTTPS', 'GRPC', 'GRPC-WEB', 'HTTP2', 'MONGO', 'TCP', 'TLS', 'UDP'];

function validateGateway(p: Problems, spec: Json): void {
  if (!p.required('spec.servers', spec.servers)) return;
  list(spec.servers).forEach((server, i) => {
    if (p.required(`spec.servers[${i}].port`, server.port)) {
      p.port(`spec.servers[${i}].port.number`, server.port.number);
      p.required(`spec.servers[${i}].port.number`, server.port.number);
      if (p.required(`spec.servers[${i}].port.protocol`, server.port.protocol)) p.oneOf(`spec.servers[${i}].port.protocol`, String(server.port.protocol).toUpperCase(), PROTOCOLS);
    }
    p.required(`spec.servers[${i}].hosts`, server.hosts);
    p.oneOf(`spec.servers[${i}].tls.mode`, server.tls?.mode, ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL']);
  });
}

function validateServiceEntry(p: Problems, spec: Json): void {
  p.required('spec.hosts', spec.hosts);
  p.oneOf('spec.location', spec.location, ['MESH_EXTERNAL', 'MESH_INTERNAL']);
  p.oneOf('spec.resolution', spec.resolution, ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN']);
  list(spec.ports).forEach((port, i) => {
    p.required(`spec.ports[${i}].number`, port.number);
    p.port(`spec.ports[${i}].number`, port.number);
    p.required(`spec.ports[${i}].name`, port.name);
    if (port.protocol !== undefined) p.oneOf(`spec.ports[${i}].protocol`, String(port.protocol).toUpperCase(), PROTOCOLS);
  });
  if (spec.resolution === 'STATIC' && list(spec.endpoints).length === 0 && !spec.workloadSelector) p.add('spec.endpoints', 'endpoints must be provided for STATIC resolution');
}

function validatePeerAuthentication(p: Problems, spec: Json): void {
  const modes = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'];
  p.oneOf('spec.mtls.mode', spec.mtls?.mode, modes);
  for (const [port, setting] of Object.entries(spec.portLevelMtls ?? {})) p.oneOf(`spec.portLevelMtls[${port}].mode`, (setting as Json)?.mode, modes);
  if (spec.portLevelMtls && !spec.selector) p.add('spec.portLevelMtls', 'portLevelMtls requires a workload selector');
}

function validateAuthorizationPolicy(p: Problems, spec: Json): void {
  p.oneOf('spec.action', spec.action, ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']);
  if (spec.action === 'CUSTOM' && !spec.provider?.name) p.add('spec.provider.name', 'a CUSTOM action needs a provider');
}

const VALIDATORS: Record<string, (p: Problems, spec: Json) => void> = {
  'networking.istio.io/VirtualService': validateVirtualService,
  'networking.istio.io/DestinationRule': validateDestinationRule,
  'networking.istio.io/Gateway': validateGateway,
  'networking.istio.io/ServiceEntry': validateServiceEntry,
  'security.istio.io/PeerAuthentication': validatePeerAuthentication,
  'security.istio.io/AuthorizationPolicy': validateAuthorizationPolicy,
};

/** Throws the answer istiod's webhook gives when `obj` is an Istio resource with problems. */
export function validateIstioObject(group: string, kind: string, obj: KubeObject): void {
  const validator = VALIDATORS[`${group}/${kind}`];
  if (!validator) return;
  const p = new Problems();
  if (obj.spec === undefined || obj.spec === null || typeof obj.spec !== 'object' || Array.isArray(obj.spec)) p.add('spec', 'spec must be an object');
  else validator(p, obj.spec);
  if (p.causes.length === 0) return;
  const details = p.causes.map((c) => `${c.field}: ${c.message}`).join('; ');
  throw new ApiError(422, 'Invalid', `admission webhook "validation.istio.io" denied the request: configuration is invalid: ${details}`, {
    name: obj.metadata.name,
    group,
    kind,
    causes: p.causes,
  });
}

/** The service a host names: a short name, `name.ns`, `name.ns.svc` and the FQDN alike, relative to `namespace`. */
function serviceHost(host: string, namespace: string): string {
  const ref = serviceNameOf(host, namespace);
  return ref ? serviceFqdn(ref.name, ref.namespace) : host;
}

/**
 * Warnings for route destinations naming a subset no DestinationRule defines: Istio accepts the
 * route (requests to it fail with 503 until the subset exists), so this is a warning, not an error.
 */
export function missingSubsetWarnings(virtualService: KubeObject, destinationRules: KubeObject[]): string[] {
  const namespace = virtualService.metadata.namespace ?? 'default';
  const warnings: string[] = [];
  for (const http of list(virtualService.spec?.http)) {
    for (const route of list(http.route)) {
      const { host, subset } = route.destination ?? {};
      if (typeof host !== 'string' || typeof subset !== 'string') continue;
      // Each short name is relative to its own object's namespace.
      const service = serviceHost(host, namespace);
      const defined = destinationRules.some((dr) => typeof dr.spec?.host === 'string' && serviceHost(dr.spec.host, dr.metadata.namespace ?? namespace) === service && list(dr.spec.subsets).some((s) => s.name === subset));
      if (!defined) warnings.push(`subset "${subset}" of host "${host}" is not defined by any DestinationRule: requests routed to it fail until one defines it`);
    }
  }
  return [...new Set(warnings)];
}
