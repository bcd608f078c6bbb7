/**
 * The API clients providers use: the kube layer's clients for a kubeconfig and context, plus the
 * two APIs only providers need (deployments for rollouts, CRDs for Established).
 */
import { ApiextensionsV1Api, AppsV1Api, type CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { createKubeClients, httpStatusOf } from '../../kube/index.js';
import type { KubeClients } from '../../runner/types.js';

export interface ProviderKube extends KubeClients {
  apps: AppsV1Api;
  extensions: ApiextensionsV1Api;
}

export function kubeClients(kubeconfig: string, context: string): ProviderKube {
  const clients = createKubeClients({ kubeconfig, context });
  return { ...clients, apps: clients.kc.makeApiClient(AppsV1Api), extensions: clients.kc.makeApiClient(ApiextensionsV1Api) };
}

/** Creates a ConfigMap a provider publishes for tools in the cluster, or replaces the one an earlier run left. */
export async function publishConfigMap(core: CoreV1Api, body: V1ConfigMap & { metadata: { name: string; namespace: string } }): Promise<void> {
  const { name, namespace } = body.metadata;
  try {
    await core.createNamespacedConfigMap({ namespace, body });
  } catch (error) {
    if (httpStatusOf(error) !== 409) throw error;
    await core.replaceNamespacedConfigMap({ name, namespace, body });
  }
}
