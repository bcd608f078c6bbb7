/** The mesh config in ConfigMap istio-system/istio: what applies where no object says otherwise. */
import { parse as parseYaml } from 'yaml';
import { OUTBOUND_MODES, ROOT_NAMESPACE, type MeshSettings, type MeshTracing, type TracingProvider } from '../config-types.js';
import type { ReadonlyKubeObject } from '../types.js';
import { Fields } from './fields.js';

/**
 * enableTracing is on in DefaultMeshConfig (istio/istio@1.30.3 pkg/config/mesh/mesh.go), but no
 * tracer exists: the chart renders no defaultConfig.tracing while global.proxy.tracer is "none",
 * its default (manifests/charts/istio-control/istio-discovery/templates/configmap.yaml, values.yaml).
 */
const NO_TRACING: MeshTracing = { enableTracing: true, legacyZipkin: false, providers: [] };

export const DEFAULT_MESH_SETTINGS: MeshSettings = {
  outboundMode: 'ALLOW_ANY',
  exportToDefaults: { service: '*', virtualService: '*', destinationRule: '*' },
  tracing: NO_TRACING,
};

/**
 * The tracing half of the mesh config, as istio/istio@1.30.3 pilot/pkg/networking/core/tracing.go
 * reads it: extension providers by kind (zipkin propagates B3, or B3 and W3C with
 * USE_B3_WITH_W3C_PROPAGATION; opentelemetry propagates W3C traceparent, Envoy's default, as
 * Istio configures no propagators), defaultProviders.tracing, and the legacy enableTracing with
 * defaultConfig.tracing (proxyConfigSamplingValue: 0 is unset, above 100 is 1).
 */
function compileTracing(f: Fields, mesh: Record<string, any>): MeshTracing {
  const providers = f.array(mesh.extensionProviders, 'data.mesh.extensionProviders').map((entry, i): TracingProvider => {
    const path = `data.mesh.extensionProviders[${i}]`;
    const p = f.object(entry, path) ?? {};
    const name = f.string(p.name, `${path}.name`) || f.fail(`${path}.name`, 'is required');
    const zipkin = f.object(p.zipkin, `${path}.zipkin`);
    if (zipkin) {
      const option = f.oneOf(zipkin.traceContextOption ?? zipkin.trace_context_option, `${path}.zipkin.traceContextOption`, [
        'USE_B3',
        'USE_B3_WITH_W3C_PROPAGATION',
      ] as const);
      return { name, propagation: option === 'USE_B3_WITH_W3C_PROPAGATION' ? 'b3+w3c' : 'b3' };
    }
    return { name, propagation: f.object(p.opentelemetry, `${path}.opentelemetry`) ? 'w3c' : undefined };
  });
  const proxyTracing = f.object(f.object(mesh.defaultConfig, 'data.mesh.defaultConfig')?.tracing, 'data.mesh.defaultConfig.tracing');
  const sampling = proxyTracing?.sampling;
  if (sampling !== undefined && typeof sampling !== 'number')
    f.fail('data.mesh.defaultConfig.tracing.sampling', `must be a number (got ${JSON.stringify(sampling)})`);
  const enableTracing = mesh.enableTracing;
  if (enableTracing !== undefined && typeof enableTracing !== 'boolean')
    f.fail('data.mesh.enableTracing', `must be true or false (got ${JSON.stringify(enableTracing)})`);
  const defaultProviders = f.array(f.object(mesh.defaultProviders, 'data.mesh.defaultProviders')?.tracing, 'data.mesh.defaultProviders.tracing');
  return {
    enableTracing: enableTracing ?? true,
    legacyZipkin: f.object(proxyTracing?.zipkin, 'data.mesh.defaultConfig.tracing.zipkin') !== undefined,
    sampling: sampling ? (sampling > 100 ? 1 : sampling) : undefined,
    providers,
    defaultProvider: defaultProviders.length > 0 ? f.string(defaultProviders[0], 'data.mesh.defaultProviders.tracing[0]') : undefined,
  };
}

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
    tracing: compileTracing(f, mesh),
  };
}
