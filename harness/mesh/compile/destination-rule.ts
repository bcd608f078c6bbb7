/** DestinationRule: host, traffic policy (tls mode, connection pool, outlier detection) and subsets. */
import { expandHost } from '../hosts.js';
import type { DestinationRule, TrafficPolicy } from '../config-types.js';
import type { ReadonlyKubeObject } from '../types.js';
import { exportTo } from './export-to.js';
import { created, Fields, labelFor } from './fields.js';

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
      // Istio passes on only consecutive5xxErrors and consecutiveGatewayErrors; the deprecated
      // consecutiveErrors reaches no Envoy (istio/istio@1.30.3 pilot/pkg/networking/core/
      // cluster_traffic_policy.go applyOutlierDetection; its webhook only warns about it), and an
      // unset Consecutive_5xx keeps Envoy's default of 5.
      consecutive5xxErrors: f.integer(outlier.consecutive5xxErrors, `${op}.consecutive5xxErrors`, 0) ?? 5,
      consecutiveGatewayErrors: f.integer(outlier.consecutiveGatewayErrors, `${op}.consecutiveGatewayErrors`, 0),
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
