/**
 * Trace context as real sidecars propagate it: none without a tracer, W3C traceparent for an
 * OpenTelemetry provider, B3 for Zipkin, sampled as the Telemetry says. Sources:
 * istio/istio@1.30.3 pilot/pkg/networking/core/tracing.go (configureTracingFromTelemetry,
 * convertTraceContextOption, proxyConfigSamplingValue), pilot/pkg/model/telemetry.go
 * (Telemetries.Tracing), manifests/charts/istio-control/istio-discovery/values.yaml
 * (global.proxy.tracer "none"); Istio's Jaeger task (istio.io docs/tasks/observability/
 * distributed-tracing/jaeger: the `jaeger` opentelemetry provider and Telemetry mesh-default).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeshWorld, type Pod } from './__tests__/world.js';
import { propagateTrace } from './tracing.js';

let world: MeshWorld;
let client: Pod;

beforeEach(async () => {
  world = await new MeshWorld().start();
  client = await world.pod({ name: 'client', labels: { app: 'client' } });
  world.service('backend', { app: 'backend' });
  await world.pod({ name: 'backend-1', labels: { app: 'backend' } });
});
afterEach(() => world.stop());

function meshConfigMap(mesh: string) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh } };
}

function telemetry(tracing: unknown[], namespace = 'istio-system', name = 'mesh-default') {
  return { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name, namespace }, spec: { tracing } };
}

const JAEGER_PROVIDER = 'extensionProviders:\n- name: jaeger\n  opentelemetry: { service: jaeger-collector.istio-system.svc.cluster.local, port: 4317 }\n';

async function seenHeaders(): Promise<Record<string, string>> {
  const { results } = await world.forward(client, { url: 'http://backend:8080/' });
  return (results[0]!.body as { headers: Record<string, string> }).headers;
}

describe('tracing', () => {
  it('adds no trace headers without a tracer (the default install: tracer "none", no Telemetry), only x-request-id', async () => {
    const seen = await seenHeaders();
    expect(seen['x-request-id']).toBeDefined();
    expect(Object.keys(seen).filter((h) => h.startsWith('x-b3-') || h === 'traceparent')).toEqual([]);
  });

  it('propagates W3C traceparent, sampled, for the Jaeger task: the opentelemetry provider and a Telemetry at 100%', async () => {
    await world.apply(meshConfigMap(JAEGER_PROVIDER));
    await world.apply(telemetry([{ providers: [{ name: 'jaeger' }], randomSamplingPercentage: 100 }]));
    const seen = await seenHeaders();
    expect(seen.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(seen['x-b3-traceid']).toBeUndefined();
  });

  it('marks traces unsampled at randomSamplingPercentage 0, and names no tracer when the provider is unknown', async () => {
    await world.apply(meshConfigMap(JAEGER_PROVIDER));
    await world.apply(telemetry([{ providers: [{ name: 'jaeger' }], randomSamplingPercentage: 0 }]));
    expect((await seenHeaders()).traceparent).toMatch(/-00$/);
    await world.apply(telemetry([{ providers: [{ name: 'nobody' }] }]));
    expect((await seenHeaders()).traceparent).toBeUndefined();
  });

  it('uses meshConfig.defaultProviders.tracing without a Telemetry, and B3 with W3C for Zipkin USE_B3_WITH_W3C_PROPAGATION', async () => {
    await world.apply(
      meshConfigMap(
        [
          'defaultConfig: { tracing: { sampling: 100 } }',
          'defaultProviders: { tracing: [zipkin] }',
          'extensionProviders:',
          '- name: zipkin',
          '  zipkin: { service: zipkin.istio-system.svc.cluster.local, port: 9411, traceContextOption: USE_B3_WITH_W3C_PROPAGATION }',
        ].join('\n'),
      ),
    );
    const seen = await seenHeaders();
    expect(seen['x-b3-sampled']).toBe('1');
    expect(seen.traceparent).toBe(`00-${seen['x-b3-traceid']}-${seen['x-b3-spanid']}-01`);
  });

  it('follows the legacy path only with a bootstrap Zipkin tracer (defaultConfig.tracing.zipkin), B3 alone', async () => {
    await world.apply(meshConfigMap('defaultConfig: { tracing: { sampling: 100 } }\n'));
    expect((await seenHeaders())['x-b3-traceid']).toBeUndefined();
    await world.apply(meshConfigMap('defaultConfig: { tracing: { sampling: 100, zipkin: { address: zipkin.istio-system:9411 } } }\n'));
    const seen = await seenHeaders();
    expect(seen['x-b3-sampled']).toBe('1');
    expect(seen.traceparent).toBeUndefined();
  });

  it('keeps the sampling decision and trace id of an incoming context, under a new span', () => {
    const headers: Record<string, string> = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00` };
    propagateTrace(headers, { propagation: 'w3c', sampling: 100 }, () => 0);
    expect(headers.traceparent).toMatch(new RegExp(`^00-${'a'.repeat(32)}-(?!${'b'.repeat(16)})[0-9a-f]{16}-00$`));
  });
});
