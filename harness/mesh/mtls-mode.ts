/** The PeerAuthentication mode in force for a workload's port, which both ends of a connection consult. */
import { ROOT_NAMESPACE, type MeshConfig, type MtlsMode } from './config-types.js';
import { labelsMatch, type Workload } from './workload.js';

/** Workload policy (its port level first), then namespace, then mesh; PERMISSIVE when none is set. */
export function peerAuthenticationMode(config: MeshConfig, workload: Workload, containerPort: number): MtlsMode {
  const inNamespace = config.peerAuthentications.filter((pa) => pa.namespace === workload.namespace);
  const workloadPolicy = inNamespace.find((pa) => pa.selector && labelsMatch(pa.selector, workload.labels));
  const namespacePolicy = inNamespace.find((pa) => !pa.selector);
  const meshPolicy = config.peerAuthentications.find((pa) => pa.namespace === ROOT_NAMESPACE && !pa.selector);
  return workloadPolicy?.portModes.get(containerPort) ?? workloadPolicy?.mode ?? namespacePolicy?.mode ?? meshPolicy?.mode ?? 'PERMISSIVE';
}
