/**
 * When a run fails because the cluster itself is unwell (nodes NotReady, API server gone), the
 * node logs are what explains it: `kind export logs`, as Istio's own CI keeps.
 */
import { join } from 'node:path';
import { ProviderError, type ClusterHandle } from '../../contract/cluster.js';
import { kubeClients } from '../setup/kube.js';
import { tryTool } from '../host/tools.js';
import { kindTools } from './prerequisites.js';

/** Null when every node is Ready, else why the cluster is unhealthy. */
async function clusterProblem(handle: Pick<ClusterHandle, 'kubeconfig' | 'context'>): Promise<string | null> {
  try {
    const nodes = await kubeClients(handle.kubeconfig, handle.context).core.listNode();
    const notReady = nodes.items.filter((node) => !node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return notReady.length ? `nodes not Ready: ${notReady.map((n) => n.metadata?.name).join(', ')}` : null;
  } catch (error) {
    return `API server not answering: ${(error as Error).message}`;
  }
}

/**
 * Writes `kind export logs` to <artifactsDir>/kind-logs; returns that directory, or null if kind
 * failed, could not be run or hung. Never throws: after a failed setup, cleanup comes next.
 */
export async function exportKindLogs(artifactsDir: string, clusterName = 'meshspec', kind = kindTools().kind): Promise<string | null> {
  const target = join(artifactsDir, 'kind-logs');
  const result = await tryTool(kind, ['export', 'logs', target, '--name', clusterName], { timeoutMs: 5 * 60_000 }).catch((error: unknown) => {
    if (error instanceof ProviderError) return null;
    throw error;
  });
  return result?.exitCode === 0 ? target : null;
}

/** For a failed run on kind: exports the node logs when the cluster is unhealthy. Returns what was done. */
export async function exportKindLogsIfUnhealthy(handle: ClusterHandle, clusterName = 'meshspec'): Promise<string | null> {
  if (handle.provider !== 'kind') return null;
  const problem = await clusterProblem(handle);
  if (!problem) return null;
  const dir = await exportKindLogs(handle.artifactsDir, clusterName);
  return dir ? `cluster unhealthy (${problem}); kind logs in ${dir}` : `cluster unhealthy (${problem}); kind export logs failed`;
}
