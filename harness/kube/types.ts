/** The kube layer's own vocabulary, used by everything above it (runner, providers, reports). */
import type { CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';

/** One per worker: @kubernetes/client-node is slow to import and to configure. */
export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  objects: KubernetesObjectApi;
}

/** An object a scenario created or changed, as it was sent, with the server's answer. */
export interface AppliedObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  generation?: number;
  /** What the server answered the change with. */
  resourceVersion?: string;
}
