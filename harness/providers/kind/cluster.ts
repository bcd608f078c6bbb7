/**
 * The kind cluster: created from clusters/kind.yaml with the node image of the chosen Istio
 * version, or reused. A cluster meshspec creates gets a marker ConfigMap so that a later run can
 * tell it from a cluster of the same name the user made (which is never deleted).
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { ProviderError } from '../../contract/cluster.js';
import { httpStatusOf } from '../../kube/index.js';
import { QUICK_TIMEOUT_MS, runTool, SLOW_TIMEOUT_MS, tryTool } from '../host/tools.js';
import { OWNED_LABEL_KEY } from './ownership.js';

const MARKER = { name: 'meshspec-cluster', namespace: 'kube-public' };

/** Host ports on 127.0.0.1 that clusters/kind.yaml maps to the ingress gateway's NodePorts. */
export const INGRESS_HOST_PORTS = { http: 30080, https: 30443 };

interface ClusterSpec {
  kind: string;
  name: string;
  configPath: string;
  nodeImage: string;
  kubeconfig: string;
}

export function kindContext(clusterName: string): string {
  return `kind-${clusterName}`;
}

export async function clusterExists(kind: string, name: string): Promise<boolean> {
  const clusters = await runTool(kind, ['get', 'clusters'], { timeoutMs: QUICK_TIMEOUT_MS });
  return clusters
    .split('\n')
    .map((line) => line.trim())
    .includes(name);
}

function createClusterArgs(spec: ClusterSpec): string[] {
  return ['create', 'cluster', '--name', spec.name, '--config', spec.configPath, '--image', spec.nodeImage, '--kubeconfig', spec.kubeconfig, '--wait', '120s'];
}

/**
 * Creates the cluster; false when one of that name already exists (created meanwhile by someone
 * else). A creation that fails or times out is cleaned up: kind leaves the node containers of a
 * creation it was killed in, and the next run would take them for a cluster of the user's.
 */
export async function createCluster(spec: ClusterSpec, onLine?: (line: string) => void): Promise<boolean> {
  let failure: string;
  try {
    const result = await tryTool(spec.kind, createClusterArgs(spec), { onLine, timeoutMs: 10 * 60_000 });
    if (result.exitCode === 0) return true;
    if (/already exist/i.test(result.stderr)) return false;
    failure = result.stderr.trim().split('\n').slice(-5).join('\n');
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    failure = error.message;
  }
  // No cluster of that name existed (kind would have said "already exist"): what is left is this run's.
  const removed = await deleteCluster(spec.kind, spec.name, spec.kubeconfig).then(
    () => true,
    () => false,
  );
  const { http, https } = INGRESS_HOST_PORTS;
  const hint = /port is already allocated|address already in use/i.test(failure)
    ? `The ingress gateway's ports 127.0.0.1:${http} and 127.0.0.1:${https} (clusters/kind.yaml) must be free; another kind cluster may hold them: \`docker ps --filter publish=${http}\`.`
    : `See \`docker info\` for resources (kind needs about 4 GB of memory for Istio), and retry${removed ? '' : `; \`kind delete cluster --name ${spec.name}\` removes the half-made cluster`}.`;
  throw new ProviderError(`kind could not create cluster "${spec.name}": ${failure}`, hint);
}

/** Writes the existing cluster's credentials into our own kubeconfig file (not the user's ~/.kube/config). */
export async function exportKubeconfig(kind: string, name: string, kubeconfig: string): Promise<void> {
  await runTool(kind, ['export', 'kubeconfig', '--name', name, '--kubeconfig', kubeconfig], { timeoutMs: QUICK_TIMEOUT_MS });
}

export async function listNodes(kind: string, name: string): Promise<string[]> {
  const nodes = await runTool(kind, ['get', 'nodes', '--name', name], { timeoutMs: QUICK_TIMEOUT_MS });
  return nodes
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

export async function deleteCluster(kind: string, name: string, kubeconfig: string): Promise<void> {
  await runTool(kind, ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig], { timeoutMs: SLOW_TIMEOUT_MS });
}

/**
 * The Kubernetes version of each node, as its kubelet reports it (Node status.nodeInfo.kubeletVersion,
 * "Kubelet Version reported by the node", Kubernetes API reference Node v1). A kind node runs the
 * release its node image is tagged with (kind docs "Configuration": the node image sets the
 * Kubernetes version).
 */
export async function nodeKubernetesVersions(core: CoreV1Api): Promise<{ node: string; version: string }[]> {
  const { items } = await core.listNode();
  return items.map((node) => ({ node: node.metadata?.name ?? '', version: node.status?.nodeInfo?.kubeletVersion ?? '' }));
}

export async function markClusterOwned(core: CoreV1Api): Promise<void> {
  await core.createNamespacedConfigMap({
    namespace: MARKER.namespace,
    body: { metadata: { ...MARKER, labels: { [OWNED_LABEL_KEY]: 'true' } }, data: { createdBy: 'meshspec' } },
  });
}

export async function isClusterOwned(core: CoreV1Api): Promise<boolean> {
  try {
    const marker = await core.readNamespacedConfigMap(MARKER);
    return marker.metadata?.labels?.[OWNED_LABEL_KEY] === 'true';
  } catch (error) {
    if (httpStatusOf(error) === 404) return false;
    throw error;
  }
}
