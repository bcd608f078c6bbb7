/**
 * Where a traffic result's matchers can read the servers' own request logs (mirroring is
 * only visible there). Kept beside the result instead of inside it so a TrafficResult stays
 * plain serialisable data.
 */
import type { RequestLogEntry } from '../../apps/echo/src/protocol.js';
import type { KubeClients } from '../kube/types.js';
import { readyPods } from '../kube/pods.js';
import { requestLogOf } from './echo-pod.js';
import type { TrafficResult } from './types.js';

interface PodRequestLog {
  pod: string;
  entries: RequestLogEntry[];
}

export interface RequestLogSource {
  /** The request logs of the ready pods matching a label selector in the result's namespace. */
  logsOf(selector: string): Promise<PodRequestLog[]>;
}

const sources = new WeakMap<TrafficResult, RequestLogSource>();

export function attachRequestLogSource(result: TrafficResult, source: RequestLogSource): void {
  sources.set(result, source);
}

export function requestLogSourceOf(result: TrafficResult): RequestLogSource | undefined {
  return sources.get(result);
}

export function clusterRequestLogSource(kube: KubeClients, namespace: string, signal?: AbortSignal): RequestLogSource {
  return {
    async logsOf(selector) {
      const pods = await readyPods(kube, namespace, selector);
      return Promise.all(pods.map(async (pod) => ({ pod: pod.metadata!.name!, entries: (await requestLogOf(kube, pod, signal)).entries })));
    },
  };
}
