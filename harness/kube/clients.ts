/**
 * The API clients of one worker. @kubernetes/client-node is slow to import and to configure,
 * so each worker builds them once per cluster and every step shares them.
 */
import { CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import type { ClusterHandle } from '../providers/types.js';
import type { KubeClients } from '../runner/types.js';
import { KubeError } from './errors.js';

const clientsByCluster = new Map<string, KubeClients>();

export function createKubeClients(handle: Pick<ClusterHandle, 'kubeconfig' | 'context'>): KubeClients {
  const key = `${handle.kubeconfig}\0${handle.context}`;
  let clients = clientsByCluster.get(key);
  if (!clients) {
    clients = makeClients(handle);
    clientsByCluster.set(key, clients);
  }
  return clients;
}

function makeClients({ kubeconfig, context }: Pick<ClusterHandle, 'kubeconfig' | 'context'>): KubeClients {
  const kc = new KubeConfig();
  try {
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
