/**
 * Which trace context a proxy's HTTP connection manager propagates, and at what sampling, as
 * istiod configures it (istio/istio@1.30.3 pilot/pkg/model/telemetry.go `Telemetries.Tracing`,
 * pilot/pkg/networking/core/tracing.go `configureTracingFromTelemetry`; the same at 1.29.6 and
 * 1.31.0-rc.0). Without a Telemetry tracing entry or meshConfig.defaultProviders.tracing, only
 * the legacy path remains: enableTracing with a bootstrap Zipkin tracer
 * (defaultConfig.tracing.zipkin; tools/packaging/common/envoy_bootstrap.json `{{ if .zipkin }}`).
 * No tracer means no trace headers at all, which is what a default install does.
 */
import { randomBytes } from 'node:crypto';
import { ROOT_NAMESPACE, type MeshConfig, type TracePropagation } from './config-types.js';
import { labelsMatch, type Workload } from './workload.js';

export interface TracePlan {
  propagation: TracePropagation;
  /** Percent of new traces sampled. */
  sampling: number;
}

/** PILOT_TRACE_SAMPLING's default (pilot/pkg/features/telemetry.go); istiod's env is not read by the emulator. */
const PILOT_TRACE_SAMPLING = 1;

/** Root namespace first, then the workload's namespace, then the one selecting the workload (pilot/pkg/model/telemetry.go `applicableTelemetries`). */
function applicableTracing(config: MeshConfig, workload: Workload) {
  const pick = (namespace: string, selected: boolean) =>
    config.telemetries.find(
      (t) => t.namespace === namespace && (selected ? t.selector !== undefined && labelsMatch(t.selector, workload.labels) : t.selector === undefined),
    );
  const chain = [
    pick(ROOT_NAMESPACE, false),
    workload.namespace === ROOT_NAMESPACE ? undefined : pick(workload.namespace, false),
    pick(workload.namespace, true),
  ];
  return chain.flatMap((t) => t?.tracing ?? []);
}

/**
 * The trace plan of a proxy's listener: `client` for the sidecar outbound and gateways (ClientSpec),
 * `server` for the sidecar inbound (ServerSpec). Undefined: the listener has no tracer.
 */
export function tracePlanFor(config: MeshConfig, workload: Workload, side: 'client' | 'server'): TracePlan | undefined {
  const mesh = config.mesh.tracing;
  const proxySampling = mesh.sampling ?? PILOT_TRACE_SAMPLING;
  const entries = applicableTracing(config, workload);
  if (entries.length === 0 && mesh.defaultProvider === undefined) {
    return mesh.enableTracing && mesh.legacyZipkin ? { propagation: 'b3', sampling: proxySampling } : undefined;
  }
  let provider = mesh.defaultProvider;
  let sampling: number | undefined;
  let disabled = false;
  for (const entry of entries) {
    if (entry.mode !== 'CLIENT_AND_SERVER' && entry.mode !== (side === 'client' ? 'CLIENT' : 'SERVER')) continue;
    if (entry.providers.length > 0) provider = entry.providers[0];
    if (entry.randomSamplingPercentage !== undefined) sampling = entry.randomSamplingPercentage;
    if (entry.disableSpanReporting !== undefined) disabled = entry.disableSpanReporting;
  }
  // A provider that is not in extensionProviders leaves a tracing block without a tracer (tracing.go logs the lookup failure).
  const propagation = mesh.providers.find((p) => p.name === provider)?.propagation;
  if (disabled || !propagation) return undefined;
  return { propagation, sampling: sampling ?? proxySampling };
}

/**
 * Envoy's tracing on one request: x-request-id always (the UUID extension), then the provider's
 * context. A request without context starts a trace whose sampling decision the later hops keep;
 * one with context gets a new span under it.
 */
export function propagateTrace(headers: Record<string, string>, plan: TracePlan | undefined, random: () => number): void {
  headers['x-request-id'] ??= crypto.randomUUID();
  if (!plan) return;
  const spanId = randomBytes(8).toString('hex');
  const w3c = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/.exec(headers.traceparent ?? '');
  const traceId = headers['x-b3-traceid'] ?? w3c?.[1] ?? randomBytes(16).toString('hex');
  const parent = headers['x-b3-spanid'] ?? w3c?.[2];
  const inherited = headers['x-b3-sampled'] ?? (w3c ? (w3c[3] === '01' ? '1' : '0') : undefined);
  const sampled = inherited ?? (random() * 100 < plan.sampling ? '1' : '0');
  if (plan.propagation !== 'w3c') {
    headers['x-b3-traceid'] = traceId;
    headers['x-b3-spanid'] = spanId;
    if (parent) headers['x-b3-parentspanid'] = parent;
    headers['x-b3-sampled'] = sampled;
  }
  if (plan.propagation !== 'b3') headers.traceparent = `00-${traceId}-${spanId}-${sampled === '1' ? '01' : '00'}`;
}
