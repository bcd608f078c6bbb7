/** The request-log source of a traffic result on a real cluster: each ready pod's echo request log, through the pod proxy. */
import type { KubeClients } from '../kube/types.js';
import { readyPods } from '../kube/pods.js';
import type { RequestLogSource } from '../contract/traffic.js';
import { requestLogOf } from './echo-pod.js';

export function clusterRequestLogSource(kube: KubeClients, namespace: string, signal?: AbortSignal): RequestLogSource {
  return {
    async logsOf(selector) {
      const pods = await readyPods(kube, namespace, selector);
      return Promise.all(pods.map(async (pod) => ({ pod: pod.metadata!.name!, entries: (await requestLogOf(kube, pod, signal)).entries })));
    },
  };
}
