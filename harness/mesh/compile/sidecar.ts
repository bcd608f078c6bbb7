/** Sidecar: the workload selector, egress listeners and outbound traffic policy. */
import { IMPORT_EVERYTHING, OUTBOUND_MODES, type EgressListener, type SidecarConfig } from '../config-types.js';
import type { ReadonlyKubeObject } from '../types.js';
import { Fields, labelFor } from './fields.js';

/** Egress listeners; hosts must be `namespace/dnsName`, as Istio validates them. */
function egressListeners(f: Fields, value: unknown): EgressListener[] {
  const listeners = f.array(value, 'spec.egress').map((lv, i) => {
    const path = `spec.egress[${i}]`;
    const l = f.object(lv, path) ?? {};
    const hosts = f.array(l.hosts, `${path}.hosts`).map((hv, j) => {
      const text = f.requiredString(hv, `${path}.hosts[${j}]`).toLowerCase();
      const slash = text.indexOf('/');
      if (slash <= 0 || slash === text.length - 1) f.fail(`${path}.hosts[${j}]`, `must be namespace/dnsName, e.g. "./*" or "istio-system/*" (got "${text}")`);
      return { namespace: text.slice(0, slash), host: text.slice(slash + 1) };
    });
    if (hosts.length === 0) f.fail(`${path}.hosts`, 'needs at least one host, e.g. "./*"');
    return { port: f.integer(f.object(l.port, `${path}.port`)?.number, `${path}.port.number`, 1, 65535), hosts };
  });
  // Without egress listeners a Sidecar imports every namespace.
  return listeners.length > 0 ? listeners : [...IMPORT_EVERYTHING];
}

export function compileSidecar(obj: ReadonlyKubeObject): SidecarConfig {
  const f = new Fields(labelFor(obj));
  const spec = f.object(obj.spec, 'spec') ?? {};
  return {
    namespace: obj.metadata.namespace ?? 'default',
    name: obj.metadata.name,
    selector: f.labels(f.object(spec.workloadSelector, 'spec.workloadSelector')?.labels, 'spec.workloadSelector.labels'),
    egress: egressListeners(f, spec.egress),
    outboundMode: f.oneOf(f.object(spec.outboundTrafficPolicy, 'spec.outboundTrafficPolicy')?.mode, 'spec.outboundTrafficPolicy.mode', OUTBOUND_MODES),
  };
}
