/** Finding a workload's ready pods by label selector, as a Service or kubectl would. */
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { isPodReady } from '../contract/pods.js';
import { readObject } from './read.js';
import type { KubeClients } from './types.js';

/** Ready pods matching a label selector, by name so repeated runs pick the same pod. */
export async function readyPods(kube: KubeClients, namespace: string, labelSelector: string): Promise<V1Pod[]> {
  const list = await kube.core.listNamespacedPod({ namespace, labelSelector });
  return list.items.filter(isPodReady).sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

/**
 * The label selector of a workload named in a spec: the Deployment's own selector when a
 * Deployment of that name exists, else the `app` label the tutorials put on every workload.
 */
async function workloadSelector(kube: KubeClients, namespace: string, workload: string): Promise<string> {
  const deployment = await readObject<KubernetesObject & { spec?: { selector?: { matchLabels?: Record<string, string> } } }>(kube, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: workload,
    namespace,
  });
  const labels = deployment?.spec?.selector?.matchLabels;
  if (labels && Object.keys(labels).length > 0) {
    return Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  return `app=${workload}`;
}

/** A ready pod of the workload, or an error that says what was looked for. */
export async function readyWorkloadPod(kube: KubeClients, namespace: string, workload: string): Promise<V1Pod> {
  const selector = await workloadSelector(kube, namespace, workload);
  const [pod] = await readyPods(kube, namespace, selector);
  if (!pod) throw new Error(`no ready pod of workload "${workload}" (selector ${selector}) in namespace ${namespace}`);
  return pod;
}
