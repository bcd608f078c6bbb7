/** ServiceEntry: hosts, ports, resolution, location and endpoints. */
import type { ServiceEntry } from '../config-types.js';
import type { ReadonlyKubeObject } from '../types.js';
import { exportTo } from './export-to.js';
import { Fields, labelFor } from './fields.js';

export function compileServiceEntry(obj: ReadonlyKubeObject): ServiceEntry {
  const f = new Fields(labelFor(obj));
  const namespace = obj.metadata.namespace ?? 'default';
  const spec = f.object(obj.spec, 'spec') ?? f.fail('spec', 'is required');
  const hosts = f.array(spec.hosts, 'spec.hosts').map((h, i) => f.requiredString(h, `spec.hosts[${i}]`).toLowerCase());
  if (hosts.length === 0) f.fail('spec.hosts', 'needs at least one host');
  const resolution = f.oneOf(spec.resolution, 'spec.resolution', ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'] as const) ?? 'NONE';
  const endpoints = f.array(spec.endpoints, 'spec.endpoints').map((ev, i) => {
    const e = f.object(ev, `spec.endpoints[${i}]`) ?? {};
    const ports = f.object(e.ports, `spec.endpoints[${i}].ports`) ?? {};
    for (const [name, port] of Object.entries(ports)) f.integer(port, `spec.endpoints[${i}].ports.${name}`, 1, 65535);
    return { address: f.requiredString(e.address, `spec.endpoints[${i}].address`), ports: ports as Record<string, number> };
  });
  if (resolution === 'STATIC' && endpoints.length === 0) f.fail('spec.endpoints', 'is required with resolution STATIC');
  return {
    namespace,
    name: obj.metadata.name,
    exportTo: exportTo(f, spec.exportTo, namespace, true),
    hosts,
    ports: f.array(spec.ports, 'spec.ports').map((pv, i) => {
      const p = f.object(pv, `spec.ports[${i}]`) ?? {};
      return {
        number: f.integer(p.number, `spec.ports[${i}].number`, 1, 65535) ?? f.fail(`spec.ports[${i}].number`, 'is required'),
        name: f.string(p.name, `spec.ports[${i}].name`),
        protocol: f.string(p.protocol, `spec.ports[${i}].protocol`),
        targetPort: f.integer(p.targetPort, `spec.ports[${i}].targetPort`, 1, 65535),
      };
    }),
    resolution,
    location: f.oneOf(spec.location, 'spec.location', ['MESH_EXTERNAL', 'MESH_INTERNAL'] as const) ?? 'MESH_EXTERNAL',
    endpoints,
  };
}
