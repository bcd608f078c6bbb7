/**
 * Istio's standard metric labels for one request, as a source or destination proxy reports it
 * (https://istio.io/latest/docs/reference/config/metrics/: the canonical service and revision
 * labels, and the cluster, whose default ID is "Kubernetes", istio/istio@1.30.3
 * pkg/config/constants/constants.go DefaultClusterName).
 */
import { serviceNameOf } from './hosts.js';
import type { Labels } from './metrics.js';
import type { Workload } from './workload.js';

type WorkloadLabels = Pick<Workload, 'name' | 'namespace' | 'app' | 'version' | 'principal' | 'canonicalService' | 'canonicalRevision'>;

const CLUSTER_ID = 'Kubernetes';

interface RequestFacts {
  reporter: 'source' | 'destination';
  source?: WorkloadLabels;
  destination?: WorkloadLabels;
  destinationService: string;
  status: number;
  flags: string;
  mtls: boolean;
}

export function requestLabels(facts: RequestFacts): Labels {
  const service = serviceNameOf(facts.destinationService, 'default');
  const fqdn = facts.destinationService.endsWith('.svc.cluster.local');
  return {
    reporter: facts.reporter,
    source_workload: facts.source?.name ?? 'unknown',
    source_workload_namespace: facts.source?.namespace ?? 'unknown',
    source_principal: facts.mtls ? (facts.source?.principal ?? 'unknown') : 'unknown',
    source_app: facts.source?.app ?? 'unknown',
    source_version: facts.source?.version ?? 'unknown',
    source_canonical_service: facts.source?.canonicalService ?? 'unknown',
    source_canonical_revision: facts.source?.canonicalRevision ?? 'latest',
    source_cluster: facts.source ? CLUSTER_ID : 'unknown',
    destination_workload: facts.destination?.name ?? 'unknown',
    destination_workload_namespace: facts.destination?.namespace ?? 'unknown',
    destination_principal: facts.mtls ? (facts.destination?.principal ?? 'unknown') : 'unknown',
    destination_app: facts.destination?.app ?? 'unknown',
    destination_version: facts.destination?.version ?? 'unknown',
    destination_canonical_service: facts.destination?.canonicalService ?? 'unknown',
    destination_canonical_revision: facts.destination?.canonicalRevision ?? 'latest',
    destination_cluster: facts.destination ? CLUSTER_ID : 'unknown',
    destination_service: facts.destinationService,
    destination_service_name: fqdn && service ? service.name : facts.destinationService,
    destination_service_namespace: fqdn && service ? service.namespace : 'unknown',
    request_protocol: 'http',
    response_code: String(facts.status),
    response_flags: facts.flags,
    connection_security_policy: facts.reporter === 'destination' ? (facts.mtls ? 'mutual_tls' : 'none') : 'unknown',
  };
}
