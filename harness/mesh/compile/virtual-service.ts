/** VirtualService: hosts, gateways and http routes (matches, destinations, faults, retries, mirrors, header rules). */
import { expandHost } from '../hosts.js';
import type {
  Destination,
  HeaderOperations,
  HeaderRules,
  HttpRoute,
  Predicate,
  RetryPolicy,
  RouteMatch,
  VirtualService,
  WeightedDestination,
} from '../config-types.js';
import type { ReadonlyKubeObject } from '../types.js';
import { exportTo } from './export-to.js';
import { created, Fields, labelFor } from './fields.js';

function stringMatch(f: Fields, value: unknown, path: string): { predicate: Predicate; prefix?: string } {
  const m = f.object(value, path) ?? {};
  const exact = f.string(m.exact, `${path}.exact`);
  const prefix = f.string(m.prefix, `${path}.prefix`);
  const regexText = f.string(m.regex, `${path}.regex`);
  if (exact !== undefined) return { predicate: (v) => v === exact };
  if (prefix !== undefined) return { predicate: (v) => v?.startsWith(prefix) ?? false, prefix };
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
  return Object.entries(f.object(value, path) ?? {}).map(([name, m]) => [
    lowerCase ? name.toLowerCase() : name,
    stringMatch(f, m, `${path}.${name}`).predicate,
  ]);
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
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

function retries(f: Fields, value: unknown, path: string): RetryPolicy | undefined {
  const r = f.object(value, path);
  if (!r) return undefined;
  const policy: RetryPolicy = {
    // Unset attempts is proto3's 0, which turns retries off (istio/istio@1.30.3 pilot/pkg/networking/core/route/retry/retry.go ConvertPolicy).
    attempts: f.integer(r.attempts, `${path}.attempts`, 0) ?? 0,
    perTryTimeoutMs: f.duration(r.perTryTimeout, `${path}.perTryTimeout`),
    retryOn: new Set(),
    retriableStatusCodes: new Set(),
  };
  const retryOn = f.string(r.retryOn, `${path}.retryOn`) ?? DEFAULT_RETRY_ON;
  for (const condition of retryOn
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)) {
    if (/^\d{3}$/.test(condition)) policy.retriableStatusCodes.add(Number(condition));
    else if (RETRY_ON.has(condition)) policy.retryOn.add(condition);
    else
      f.fail(
        `${path}.retryOn`,
        `has unknown condition "${condition}"; use e.g. 5xx,gateway-error,connect-failure,retriable-4xx,reset or status codes such as 503`,
      );
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
    const gateways =
      m.gateways !== undefined
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
  if (route.length > 1 && route.every((d) => d.weight === 0))
    f.fail(`${path}.route`, 'has several destinations but no weights; give each a weight, adding up to 100');
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
        // `percent` is the deprecated integer form of `percentage.value`, still accepted by Istio.
        percent:
          f.percent(delaySpec.percentage, `${path}.fault.delay.percentage`) ?? f.integer(delaySpec.percent, `${path}.fault.delay.percent`, 0, 100) ?? 100,
      },
      abort: abortSpec && {
        status:
          f.integer(abortSpec.httpStatus, `${path}.fault.abort.httpStatus`, 200, 599) ?? f.fail(`${path}.fault.abort.httpStatus`, 'is required, e.g. 500'),
        percent: f.percent(abortSpec.percentage, `${path}.fault.abort.percentage`) ?? 100,
      },
    },
    mirrors,
    headers: headerRules(f, r.headers, `${path}.headers`),
  };
}

export function compileVirtualService(obj: ReadonlyKubeObject): VirtualService {
  const f = new Fields(labelFor(obj));
  const namespace = obj.metadata.namespace ?? 'default';
  const spec = f.object(obj.spec, 'spec') ?? f.fail('spec', 'is required');
  const hosts = f.array(spec.hosts, 'spec.hosts').map((h, i) => expandHost(f.requiredString(h, `spec.hosts[${i}]`), namespace));
  if (hosts.length === 0) f.fail('spec.hosts', 'needs at least one host');
  const gateways =
    spec.gateways === undefined
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
