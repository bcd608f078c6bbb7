/**
 * What a real cluster checks when an Istio object is written, in the order it checks it:
 *
 * 1. The API server, against the CRD's schema (istio/istio@1.30.3
 *    manifests/charts/base/files/crd-all.gen.yaml): required fields, enum values and the CEL rules
 *    (durations, port ranges). A violation is the API server's 422 `Invalid`, one cause per field,
 *    worded as k8s.io/apimachinery@v0.36.3 pkg/util/validation/field/errors.go and
 *    k8s.io/apiextensions-apiserver@v0.36.3 pkg/apiserver/schema/cel/validation.go word them.
 *    Field types are not checked.
 * 2. istiod's validation webhook (pkg/config/validation/validation.go and virtualservice.go @1.30.3,
 *    the same checks and texts at 1.29.6 and 1.31.0-rc.0): it sees one object at a time, so it never
 *    looks at other objects (a route to a subset no DestinationRule defines is accepted). Its denial
 *    is `configuration is invalid: <errors>` (pkg/webhooks/validation/server/server.go), which the API
 *    server answers as 400 `admission webhook "validation.istio.io" denied the request: ...`
 *    (k8s.io/apiserver@v0.36.3 pkg/admission/plugin/webhook/errors/statuserror.go ToStatusErr raises a
 *    code below 400 to 400). Its warnings go back with an accepted object.
 *
 * Only the checks tutorials meet are emulated; an object passing here may still be refused by Istio.
 */
import { ApiError, type StatusCause } from '../store/errors.js';
import type { KubeObject } from '../store/types.js';

type Json = Record<string, any>;

const list = (value: unknown): Json[] => (Array.isArray(value) ? value : []);
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Go's %v of a float64 (strconv 'g', shortest): 120 -> "120", 0.00005 -> "5e-05". */
function goFloat(value: number): string {
  if (value === 0 || (Math.abs(value) >= 1e-4 && Math.abs(value) < 1e21)) return String(value);
  return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Go's %q or %v of a field's bad value, as field.Error.ErrorBody prints it. */
const badValue = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration (what CEL's duration() uses), in nanoseconds; undefined when Go would refuse it. */
function parseGoDuration(text: string): number | undefined {
  const match = /^([-+]?)(.*)$/.exec(text)!;
  if (match[2] === '0') return 0;
  const parts = [...match[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== match[2]) return undefined;
  const total = parts.reduce((sum, [, number, unit]) => sum + Number(number) * DURATION_UNITS[unit], 0);
  return match[1] === '-' ? -total : total;
}

/** Violations of the CRD schema, as the API server reports them. */
class SchemaViolations {
  readonly causes: StatusCause[] = [];
  required(object: Json | undefined, field: string, keys: string[]): void {
    for (const key of keys)
      if (object?.[key] === undefined || object[key] === null)
        this.causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${field}.${key}` });
  }
  enumeration(field: string, value: unknown, allowed: string[]): void {
    if (value === undefined || allowed.includes(value as string)) return;
    this.causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${badValue(value)}: supported values: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
      field,
    });
  }
  /** A CEL rule that failed: the value is printed for scalars only (an object or array shows none). */
  rule(field: string, value: unknown, message: string): void {
    const shown = isObject(value) || Array.isArray(value) ? 'Invalid value' : `Invalid value: ${badValue(value)}`;
    this.causes.push({ reason: 'FieldValueInvalid', message: `${shown}: ${message}`, field });
  }
  /** `duration(self) >= duration('1ms')` with message "must be a valid duration greater than 1ms". */
  duration(field: string, value: unknown): void {
    if (typeof value !== 'string') return;
    const ns = parseGoDuration(value);
    const message = 'must be a valid duration greater than 1ms';
    if (ns === undefined)
      this.causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: "string": type conversion error from 'string' to 'google.protobuf.Duration' evaluating rule: ${message}`,
        field,
      });
    else if (ns < 1e6) this.rule(field, value, message);
  }
}

const LOAD_BALANCERS = ['UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'];
const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'];

function trafficPolicySchema(v: SchemaViolations, field: string, policy: unknown): void {
  if (!isObject(policy)) return;
  const settings = [{ at: field, of: policy }, ...list(policy.portLevelSettings).map((of, i) => ({ at: `${field}.portLevelSettings[${i}]`, of }))];
  for (const { at, of } of settings) {
    v.enumeration(`${at}.loadBalancer.simple`, of.loadBalancer?.simple, LOAD_BALANCERS);
    v.enumeration(`${at}.tls.mode`, of.tls?.mode, ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']);
    v.enumeration(`${at}.connectionPool.http.h2UpgradePolicy`, of.connectionPool?.http?.h2UpgradePolicy, ['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE']);
    v.duration(`${at}.connectionPool.http.idleTimeout`, of.connectionPool?.http?.idleTimeout);
    v.duration(`${at}.connectionPool.tcp.connectTimeout`, of.connectionPool?.tcp?.connectTimeout);
    v.duration(`${at}.connectionPool.tcp.maxConnectionDuration`, of.connectionPool?.tcp?.maxConnectionDuration);
    v.duration(`${at}.connectionPool.tcp.tcpKeepalive.time`, of.connectionPool?.tcp?.tcpKeepalive?.time);
    v.duration(`${at}.connectionPool.tcp.tcpKeepalive.interval`, of.connectionPool?.tcp?.tcpKeepalive?.interval);
    v.duration(`${at}.outlierDetection.baseEjectionTime`, of.outlierDetection?.baseEjectionTime);
    v.duration(`${at}.outlierDetection.interval`, of.outlierDetection?.interval);
  }
}

const SCHEMAS: Record<string, (v: SchemaViolations, spec: Json) => void> = {
  'networking.istio.io/VirtualService'(v, spec) {
    list(spec.http).forEach((http, i) => {
      const at = `spec.http[${i}]`;
      list(http.route).forEach((route, j) => {
        v.required(route, `${at}.route[${j}]`, ['destination']);
        if (isObject(route.destination)) v.required(route.destination, `${at}.route[${j}].destination`, ['host']);
      });
      if (isObject(http.mirror)) v.required(http.mirror, `${at}.mirror`, ['host']);
      v.duration(`${at}.timeout`, http.timeout);
      v.duration(`${at}.retries.perTryTimeout`, http.retries?.perTryTimeout);
      v.duration(`${at}.retries.backoff`, http.retries?.backoff);
      v.duration(`${at}.fault.delay.fixedDelay`, http.fault?.delay?.fixedDelay);
      v.duration(`${at}.fault.delay.exponentialDelay`, http.fault?.delay?.exponentialDelay);
    });
    for (const protocol of ['tcp', 'tls'] as const) {
      list(spec[protocol]).forEach((route, i) => {
        if (protocol === 'tls') v.required(route, `spec.tls[${i}]`, ['match']);
        list(route.route).forEach((r, j) => {
          v.required(r, `spec.${protocol}[${i}].route[${j}]`, ['destination']);
          if (isObject(r.destination)) v.required(r.destination, `spec.${protocol}[${i}].route[${j}].destination`, ['host']);
        });
      });
    }
  },
  'networking.istio.io/DestinationRule'(v, spec) {
    v.required(spec, 'spec', ['host']);
    trafficPolicySchema(v, 'spec.trafficPolicy', spec.trafficPolicy);
    list(spec.subsets).forEach((subset, i) => {
      v.required(subset, `spec.subsets[${i}]`, ['name']);
      trafficPolicySchema(v, `spec.subsets[${i}].trafficPolicy`, subset.trafficPolicy);
    });
  },
  'networking.istio.io/Gateway'(v, spec) {
    list(spec.servers).forEach((server, i) => {
      v.required(server, `spec.servers[${i}]`, ['port', 'hosts']);
      if (isObject(server.port)) v.required(server.port, `spec.servers[${i}].port`, ['number', 'protocol', 'name']);
      v.enumeration(`spec.servers[${i}].tls.mode`, server.tls?.mode, [
        'PASSTHROUGH',
        'SIMPLE',
        'MUTUAL',
        'AUTO_PASSTHROUGH',
        'ISTIO_MUTUAL',
        'OPTIONAL_MUTUAL',
      ]);
    });
  },
  'networking.istio.io/ServiceEntry'(v, spec) {
    v.required(spec, 'spec', ['hosts']);
    list(spec.hosts).forEach((host, i) => {
      if (host === ('*' as unknown)) v.rule(`spec.hosts[${i}]`, host, 'hostname cannot be wildcard');
    });
    v.enumeration('spec.location', spec.location, ['MESH_EXTERNAL', 'MESH_INTERNAL']);
    v.enumeration('spec.resolution', spec.resolution, ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']);
    list(spec.ports).forEach((port, i) => {
      v.required(port, `spec.ports[${i}]`, ['number', 'name']);
      if (typeof port.number === 'number' && !(port.number > 0 && port.number <= 65535))
        v.rule(`spec.ports[${i}].number`, port.number, 'port must be between 1-65535');
    });
    if ((spec.resolution ?? 'NONE') === 'NONE' && spec.endpoints !== undefined) v.rule('spec', spec, 'NONE mode cannot set endpoints');
  },
  'security.istio.io/PeerAuthentication'(v, spec) {
    v.enumeration('spec.mtls.mode', spec.mtls?.mode, MTLS_MODES);
    for (const [port, setting] of Object.entries(isObject(spec.portLevelMtls) ? spec.portLevelMtls : {}))
      v.enumeration(`spec.portLevelMtls[${port}].mode`, (setting as Json)?.mode, MTLS_MODES);
    if (spec.portLevelMtls !== undefined && Object.keys(spec.selector?.matchLabels ?? {}).length === 0) v.rule('spec', spec, 'portLevelMtls requires selector');
  },
  'security.istio.io/AuthorizationPolicy'(v, spec) {
    v.enumeration('spec.action', spec.action, ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']);
  },
};

/** The CRD schema's verdict on `obj`: one cause per violation, none when it passes. */
export function schemaViolations(group: string, kind: string, obj: KubeObject): StatusCause[] {
  const check = SCHEMAS[`${group}/${kind}`];
  if (!check || !isObject(obj.spec)) return [];
  const v = new SchemaViolations();
  check(v, obj.spec);
  return v.causes;
}

/** What istiod's webhook finds: errors deny the object, warnings come back with it. */
class Review {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  error(message: string): void {
    this.errors.push(message);
  }
  /** agent.ValidateDuration, for durations the schema let through. */
  duration(value: unknown): void {
    if (typeof value !== 'string') return;
    const ns = parseGoDuration(value);
    if (ns !== undefined && ns % 1e6 !== 0) this.error('only durations to ms precision are supported');
  }
  /** agent.ValidatePort. */
  port(value: unknown): void {
    if (typeof value === 'number' && !(value >= 1 && value <= 65535)) this.error(`port number ${value} must be in the range 1..65535`);
  }
  /** validatePercentage. */
  percentage(value: unknown): void {
    if (typeof value === 'number' && (value < 0 || value > 100 || (value > 0 && value < 0.0001)))
      this.error(`percentage ${goFloat(value)} is neither 0.0, nor in range [0.0001, 100.0]`);
  }
  /** validateDestination: the host (agent.ValidateWildcardDomain's empty-name check) and the port. */
  destination(destination: unknown): void {
    if (!isObject(destination)) return;
    if (destination.host === '*') this.error('invalid destination host *');
    else if (destination.host === '') this.error('empty domain name not allowed');
    this.port(destination.port?.number);
  }
  /** validateHTTPRouteDestinations / validateRouteDestinations: weights are relative, so only all-zero is refused. */
  destinations(routes: Json[]): void {
    let total = 0;
    for (const route of routes) {
      this.destination(route.destination);
      const weight = typeof route.weight === 'number' ? route.weight : 0;
      if (weight < 0) this.error(`weight ${weight} < 0`);
      total += weight;
    }
    if (routes.length > 1 && total === 0) this.error('total destination weight = 0');
  }
}

function reviewHttpRoute(r: Review, http: Json): void {
  const routes = list(http.route);
  // validateHTTPRouteConflict: a root route (with a delegate) needs no route of its own.
  if (!http.delegate && !http.redirect && !http.directResponse && routes.length === 0) r.error('HTTP route, redirect or direct_response is required');
  const fault = http.fault;
  if (isObject(fault)) {
    if (!fault.abort && !fault.delay) r.error('HTTP fault injection must have an abort and/or a delay');
    if (isObject(fault.abort)) {
      r.percentage(fault.abort.percentage?.value);
      const status = fault.abort.httpStatus;
      if (typeof status === 'number') {
        if (status < 200 || status > 600) r.error(`HTTP status ${status} is not in range 200-599`);
      } else if (fault.abort.http2Error !== undefined) r.error('HTTP/2 abort fault injection not supported yet');
      else if (fault.abort.grpcStatus === undefined) r.warnings.push('abort configured, but error type not set');
    }
    if (isObject(fault.delay)) {
      r.percentage(fault.delay.percentage?.value);
      r.duration(fault.delay.fixedDelay);
      if (fault.delay.exponentialDelay !== undefined) r.error('exponentialDelay not supported yet');
    }
  }
  const mirror = http.mirrorPercentage?.value;
  if (typeof mirror === 'number' && mirror > 100) r.error(`mirror_percentage must have a max value of 100 (it has ${mirror.toFixed(6)})`);
  if (typeof mirror === 'number' && mirror < 0) r.error(`mirror_percentage must have a min value of 0 (it has ${mirror.toFixed(6)})`);
  r.destination(http.mirror);
  const retries = http.retries;
  if (isObject(retries)) {
    const attempts = typeof retries.attempts === 'number' ? retries.attempts : 0;
    if (attempts < 0) r.error('attempts cannot be negative');
    if (attempts === 0 && (retries.perTryTimeout !== undefined || retries.retryOn || retries.retryRemoteLocalities !== undefined))
      r.error('http retry policy configured when attempts are set to 0 (disabled)');
    r.duration(retries.perTryTimeout);
  }
  r.destinations(routes);
  r.duration(http.timeout);
}

function reviewTrafficPolicy(r: Review, policy: unknown): void {
  if (!isObject(policy)) return;
  for (const of of [policy, ...list(policy.portLevelSettings)]) {
    const outlier = of.outlierDetection;
    if (isObject(outlier)) {
      r.duration(outlier.baseEjectionTime);
      if (outlier.consecutiveErrors)
        r.warnings.push('outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead');
      r.duration(outlier.interval);
      for (const percent of [outlier.maxEjectionPercent, outlier.minHealthPercent])
        if (typeof percent === 'number' && (percent < 0 || percent > 100)) r.error(`percentage ${percent} is not in range 0..100`);
    }
    const pool = of.connectionPool;
    if (isObject(pool)) {
      if (!pool.http && !pool.tcp) r.error('connection pool must have at least one field');
      const negative = (value: unknown) => typeof value === 'number' && value < 0;
      if (negative(pool.http?.http1MaxPendingRequests)) r.error('http1 max pending requests must be non-negative');
      if (negative(pool.http?.http2MaxRequests)) r.error('http2 max requests must be non-negative');
      if (negative(pool.http?.maxRequestsPerConnection)) r.error('max requests per connection must be non-negative');
      if (negative(pool.http?.maxRetries)) r.error('max retries must be non-negative');
      if (negative(pool.tcp?.maxConnections)) r.error('max connections must be non-negative');
      r.duration(pool.http?.idleTimeout);
      r.duration(pool.tcp?.connectTimeout);
    }
  }
}

/** protocol.Parse (pkg/config/protocol/instance.go): anything else is Unsupported. */
const PROTOCOLS = ['tcp', 'udp', 'grpc', 'grpc-web', 'http', 'http_proxy', 'http2', 'https', 'tls', 'mongo', 'redis', 'mysql'];
const knownProtocol = (value: unknown) => typeof value === 'string' && PROTOCOLS.includes(value.toLowerCase());

const REVIEWS: Record<string, (r: Review, spec: Json, obj: KubeObject) => void> = {
  'networking.istio.io/VirtualService'(r, spec) {
    if (list(spec.http).length === 0 && list(spec.tcp).length === 0 && list(spec.tls).length === 0)
      r.error('http, tcp or tls must be provided in virtual service');
    for (const http of list(spec.http)) reviewHttpRoute(r, http);
    for (const tls of list(spec.tls)) {
      if (list(tls.match).length === 0) r.error('TLS route must have at least one match condition');
      if (list(tls.route).length === 0) r.error('TLS route is required');
      r.destinations(list(tls.route));
    }
    for (const tcp of list(spec.tcp)) {
      if (list(tcp.route).length === 0) r.error('TCP route is required');
      r.destinations(list(tcp.route));
    }
  },
  'networking.istio.io/DestinationRule'(r, spec) {
    if (spec.host === '') r.error('empty domain name not allowed');
    reviewTrafficPolicy(r, spec.trafficPolicy);
    const names = new Set<string>();
    for (const subset of list(spec.subsets)) {
      if (names.has(subset.name)) r.error(`duplicate subset names: ${subset.name}`);
      names.add(subset.name);
      if (subset.name === '') r.error('subset name cannot be empty');
      reviewTrafficPolicy(r, subset.trafficPolicy);
    }
  },
  'networking.istio.io/Gateway'(r, spec) {
    if (list(spec.servers).length === 0) r.error('gateway must have at least one server');
    for (const server of list(spec.servers)) {
      if (Array.isArray(server.hosts) && server.hosts.length === 0) r.error('server config must contain at least one host');
      if (!isObject(server.port)) continue;
      if (!knownProtocol(server.port.protocol))
        r.error(
          `invalid protocol ${JSON.stringify(server.port.protocol ?? '')}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`,
        );
      r.port(server.port.number);
    }
  },
  'networking.istio.io/ServiceEntry'(r, spec, obj) {
    if (Array.isArray(spec.hosts) && spec.hosts.length === 0) r.error('service entry must have at least one host');
    const resolution = spec.resolution ?? 'NONE';
    // serviceentry.ShouldV2AutoAllocateIPFromConfig: PILOT_ENABLE_IP_AUTOALLOCATE is on by default, except for NONE and an opt-out label.
    const autoAllocated = resolution !== 'NONE' && String(obj.metadata.labels?.['networking.istio.io/enable-autoallocate-ip'] ?? '').toLowerCase() !== 'false';
    for (const port of list(spec.ports)) {
      if (list(spec.addresses).length === 0 && !autoAllocated && (port.protocol === undefined || port.protocol === '' || port.protocol === 'TCP')) {
        r.warnings.push('addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled');
      }
      if (port.protocol !== undefined && port.protocol !== '' && !knownProtocol(port.protocol)) r.error(`unsupported protocol: ${port.protocol}`);
    }
  },
  'security.istio.io/PeerAuthentication'(r, spec) {
    const ports = isObject(spec.portLevelMtls) ? Object.keys(spec.portLevelMtls) : [];
    if (Object.keys(spec.selector?.matchLabels ?? {}).length === 0 && ports.length > 0)
      r.error('mesh/namespace peer authentication cannot have port level mTLS');
    if (spec.portLevelMtls !== undefined && ports.length === 0) r.error('port level mTLS, if defined, must have at least one element');
  },
  'security.istio.io/AuthorizationPolicy'(r, spec, obj) {
    const errors: string[] = [];
    const action = spec.action ?? 'ALLOW';
    if (action === 'CUSTOM') {
      if (spec.rules === undefined)
        errors.push(
          'CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
        );
      else if (!spec.provider?.name) errors.push('`provider.name` must not be empty');
    }
    if (spec.provider !== undefined && action !== 'CUSTOM') errors.push(`\`provider\` must not be with non CUSTOM action, found ${action}`);
    if (action === 'DENY' && spec.rules === undefined)
      errors.push(
        'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
      );
    // multierror.Prefix(errs, "invalid policy NAME.NAMESPACE:") puts the prefix before each error.
    for (const error of errors) r.error(`invalid policy ${obj.metadata.name}.${obj.metadata.namespace}: ${error}`);
  },
};

/** hashicorp/go-multierror@v1.1.1 format.go ListFormatFunc, which Istio's errors print with when there are several. */
function multiError(errors: string[]): string {
  if (errors.length === 1) return errors[0];
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`;
}

/** istiod's webhook on `obj`: throws its denial as the API server answers it, or returns its warnings. */
export function reviewIstioObject(group: string, kind: string, obj: KubeObject): string[] {
  const review = REVIEWS[`${group}/${kind}`];
  if (!review || !isObject(obj.spec)) return [];
  const r = new Review();
  review(r, obj.spec, obj);
  if (r.errors.length > 0)
    throw new ApiError(400, '', `admission webhook "validation.istio.io" denied the request: configuration is invalid: ${multiError(r.errors)}`);
  return r.warnings;
}
