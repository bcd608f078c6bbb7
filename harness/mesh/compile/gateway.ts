/** Gateway: the workload selector and the servers' ports and hosts. */
import type { Gateway } from '../config-types.js';
import type { ReadonlyKubeObject } from '../types.js';
import { Fields, labelFor } from './fields.js';

export function compileGateway(obj: ReadonlyKubeObject): Gateway {
  const f = new Fields(labelFor(obj));
  const namespace = obj.metadata.namespace ?? 'default';
  const spec = f.object(obj.spec, 'spec') ?? f.fail('spec', 'is required');
  return {
    namespace,
    name: obj.metadata.name,
    selector: f.labels(spec.selector, 'spec.selector') ?? {},
    servers: f.array(spec.servers, 'spec.servers').map((sv, i) => {
      const s = f.object(sv, `spec.servers[${i}]`) ?? {};
      const port =
        f.integer(f.object(s.port, `spec.servers[${i}].port`)?.number, `spec.servers[${i}].port.number`, 1, 65535) ??
        f.fail(`spec.servers[${i}].port.number`, 'is required');
      const hosts = f.array(s.hosts, `spec.servers[${i}].hosts`).map((hv, j) => {
        const text = f.requiredString(hv, `spec.servers[${i}].hosts[${j}]`).toLowerCase();
        const slash = text.indexOf('/');
        if (slash < 0) return { namespace: '*', host: text };
        const ns = text.slice(0, slash);
        return { namespace: ns === '.' ? namespace : ns, host: text.slice(slash + 1) };
      });
      if (hosts.length === 0) f.fail(`spec.servers[${i}].hosts`, 'needs at least one host, e.g. "*"');
      return { port, hosts };
    }),
  };
}
