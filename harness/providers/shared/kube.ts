/**
 * The API clients providers use: the kube layer's clients for a kubeconfig and context, plus the
 * two APIs only providers need (deployments for rollouts, CRDs for Established).
 */
import { ApiextensionsV1Api, AppsV1Api } from '@kubernetes/client-node';
import { createKubeClients } from '../../kube/index.js';
import type { KubeClients } from '../../runner/types.js';

export interface ProviderKube extends KubeClients {
  apps: AppsV1Api;
  extensions: ApiextensionsV1Api;
}

export function kubeClients(kubeconfig: string, context: string): ProviderKube {
  const clients = createKubeClients({ kubeconfig, context });
  return { ...clients, apps: clients.kc.makeApiClient(AppsV1Api), extensions: clients.kc.makeApiClient(ApiextensionsV1Api) };
}
