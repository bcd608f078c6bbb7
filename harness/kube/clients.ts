/**
 * The API clients of one worker. @kubernetes/client-node is slow to import and to configure,
 * so each worker builds them once per cluster and every step shares them.
 */
import { readFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import type { ClusterHandle } from '../providers/types.js';
import type { KubeClients } from '../runner/types.js';
import { KubeError } from './errors.js';

const clientsByCluster = new Map<string, KubeClients>();

/**
 * Keyed by the kubeconfig's content, not its path: a cluster recreated at the same path (a new
 * sim, a kind cluster rebuilt in the same cache) has a new CA and token, and clients built for the
 * old one would fail with "unable to verify the first certificate".
 */
export function createKubeClients(handle: Pick<ClusterHandle, 'kubeconfig' | 'context'>): KubeClients {
  const text = readKubeconfig(handle.kubeconfig);
  const key = `${text}\0${handle.context}`;
  let clients = clientsByCluster.get(key);
  if (!clients) {
    clients = makeClients(handle);
    clientsByCluster.set(key, clients);
  }
  return clients;
}

function readKubeconfig(kubeconfig: string): string {
  try {
    return readFileSync(kubeconfig, 'utf8');
  } catch (error) {
    throw new KubeError(`cannot read kubeconfig ${kubeconfig}: ${(error as Error).message}`);
  }
}

function makeClients({ kubeconfig, context }: Pick<ClusterHandle, 'kubeconfig' | 'context'>): KubeClients {
  const kc = new KubeConfig();
  try {
    // From the file, not the text read above: relative certificate paths resolve against its folder.
    kc.loadFromFile(kubeconfig);
  } catch (error) {
    throw new KubeError(`cannot read kubeconfig ${kubeconfig}: ${(error as Error).message}`);
  }
  if (!kc.getContextObject(context)) {
    const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
    throw new KubeError(`kubeconfig ${kubeconfig} has no context "${context}" (it has: ${known})`);
  }
  kc.setCurrentContext(context);
  return { kc, core: kc.makeApiClient(CoreV1Api), objects: KubernetesObjectApi.makeApiClient(kc) };
}
