/**
 * The API clients providers use: the kube layer's clients for a kubeconfig and context, plus the
 * two APIs only providers need (deployments for rollouts, CRDs for Established). Each request has
 * a deadline: an API server that accepts connections and never answers must end the setup with
 * an error, not stall it.
 */
import { ApiextensionsV1Api, AppsV1Api, type CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import type { ApiTimeoutError } from '../../kube/clients.js';
import { createKubeClients, httpStatusOf } from '../../kube/index.js';
import type { KubeClients } from '../../kube/types.js';
import { ProviderError } from '../../contract/cluster.js';

/** How long one API request of a provider may go unanswered, unless API_TIMEOUT_ENV says otherwise. */
const API_REQUEST_TIMEOUT_MS = 30_000;
export const API_TIMEOUT_ENV = 'MESHSPEC_API_TIMEOUT_MS';

export interface ProviderKube extends KubeClients {
  apps: AppsV1Api;
  extensions: ApiextensionsV1Api;
}

/** `kubeconfig` is in $KUBECONFIG form (one file or several), as in ClusterHandle. */
export function kubeClients(kubeconfig: string, context: string, env: NodeJS.ProcessEnv = process.env): ProviderKube {
  const clients = createKubeClients({ kubeconfig, context }, { requestTimeoutMs: requestTimeoutMs(env) });
  return { ...clients, apps: clients.kc.makeApiClient(AppsV1Api), extensions: clients.kc.makeApiClient(ApiextensionsV1Api) };
}

function requestTimeoutMs(env: NodeJS.ProcessEnv): number {
  const value = env[API_TIMEOUT_ENV];
  if (!value) return API_REQUEST_TIMEOUT_MS;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new ProviderError(
      `${API_TIMEOUT_ENV}=${value} is not a number of milliseconds.`,
      `Set it to e.g. 60000, or unset it for the default of ${API_REQUEST_TIMEOUT_MS}.`,
    );
  }
  return ms;
}

/** A request that timed out during a provider's phase, as the user reads it: the server, the request and the phase. */
export function apiTimeoutProblem(error: ApiTimeoutError, phase: string): ProviderError {
  return Object.assign(
    new ProviderError(
      `During "${phase}", ${error.message}.`,
      `Check that ${error.server} is up and reachable from this machine (kubectl get --raw /readyz with the same kubeconfig and context). If it is only slow, raise ${API_TIMEOUT_ENV} (now ${error.timeoutMs}).`,
    ),
    { cause: error },
  );
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
