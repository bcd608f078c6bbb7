/** The mesh config in ConfigMap istio-system/istio: what applies where no object says otherwise. */
import { parse as parseYaml } from 'yaml';
import { OUTBOUND_MODES, ROOT_NAMESPACE, type MeshSettings } from '../config-types.js';
import type { ReadonlyKubeObject } from '../types.js';
import { Fields } from './fields.js';

export const DEFAULT_MESH_SETTINGS: MeshSettings = {
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
