/**
 * Turns Istio objects from the API server into MeshConfig. Each object compiles on its own
 * (one module per kind under compile/): a bad one is reported (naming object, field and fix)
 * and skipped, never crashing a proxy.
 */
import type { MeshConfig } from './config-types.js';
import { compileDestinationRule } from './compile/destination-rule.js';
import { ConfigError, labelFor } from './compile/fields.js';
import { compileGateway } from './compile/gateway.js';
import { compileMeshSettings, DEFAULT_MESH_SETTINGS } from './compile/mesh-settings.js';
import { compilePeerAuthentication } from './compile/peer-authentication.js';
import { compileServiceEntry } from './compile/service-entry.js';
import { compileSidecar } from './compile/sidecar.js';
import { compileTelemetry } from './compile/telemetry.js';
import { compileVirtualService } from './compile/virtual-service.js';
import type { ReadonlyKubeObject } from './types.js';

/** The Istio kinds the data plane reads, with their compilers and where they go in MeshConfig. */
const COMPILED_ISTIO_KINDS = [
  { group: 'networking.istio.io', kind: 'VirtualService', compile: compileVirtualService, into: 'virtualServices' },
  { group: 'networking.istio.io', kind: 'DestinationRule', compile: compileDestinationRule, into: 'destinationRules' },
  { group: 'networking.istio.io', kind: 'Gateway', compile: compileGateway, into: 'gateways' },
  { group: 'networking.istio.io', kind: 'ServiceEntry', compile: compileServiceEntry, into: 'serviceEntries' },
  { group: 'networking.istio.io', kind: 'Sidecar', compile: compileSidecar, into: 'sidecars' },
  { group: 'security.istio.io', kind: 'PeerAuthentication', compile: compilePeerAuthentication, into: 'peerAuthentications' },
  { group: 'telemetry.istio.io', kind: 'Telemetry', compile: compileTelemetry, into: 'telemetries' },
] as const;

/** Compiles everything in the store. Objects that fail are reported through `onError` and left out. */
export function compileMeshConfig(
  list: (group: string, kind: string) => readonly ReadonlyKubeObject[],
  meshConfigMap: ReadonlyKubeObject | undefined,
  onError: (obj: ReadonlyKubeObject, error: ConfigError) => void,
): MeshConfig {
  const config: MeshConfig = {
    virtualServices: [],
    destinationRules: [],
    gateways: [],
    serviceEntries: [],
    peerAuthentications: [],
    sidecars: [],
    telemetries: [],
    mesh: DEFAULT_MESH_SETTINGS,
  };
  for (const { group, kind, compile, into } of COMPILED_ISTIO_KINDS) {
    for (const obj of list(group, kind)) {
      try {
        (config[into] as unknown[]).push(compile(obj));
      } catch (error) {
        // Whatever goes wrong with one object stays with that object.
        onError(obj, error instanceof ConfigError ? error : new ConfigError(`${labelFor(obj)}: cannot be used: ${(error as Error).message}`));
      }
    }
  }
  // Oldest first, as Istio orders rules for the same host.
  config.virtualServices.sort((a, b) => a.createdAt - b.createdAt);
  config.destinationRules.sort((a, b) => a.createdAt - b.createdAt);
  config.telemetries.sort((a, b) => a.createdAt - b.createdAt);
  try {
    config.mesh = compileMeshSettings(meshConfigMap);
  } catch (error) {
    if (!(error instanceof ConfigError) || !meshConfigMap) throw error;
    onError(meshConfigMap, error);
  }
  return config;
}
