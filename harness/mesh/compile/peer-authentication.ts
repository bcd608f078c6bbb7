/** PeerAuthentication: the mTLS mode of a mesh, a namespace or a workload, and per port. */
import { ROOT_NAMESPACE, type MtlsMode, type PeerAuthentication } from '../config-types.js';
import type { ReadonlyKubeObject } from '../types.js';
import { Fields, labelFor } from './fields.js';

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
