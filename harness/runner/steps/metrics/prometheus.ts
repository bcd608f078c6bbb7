/**
 * Prometheus instant queries, sent from inside the mesh by a client pod's echo forward call:
 * the same path on kind (the real addon) and sim (its stand-in), with no port-forward.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { MetricSample } from '../../../matchers/index.js';
import { readyPods } from '../../../kube/pods.js';
import { appPort, controlPortUncaptured, forwardFromPod } from '../../../traffic/echo-pod.js';
import type { KubeClients } from '../../../kube/types.js';

const PROMETHEUS_URL = 'http://prometheus.istio-system:9090';

interface PrometheusAnswer {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] | [number, string] };
}

/**
 * A ready pod of the namespace whose echo app can make the forward call: of the pods that run an
 * app, the first whose control port its sidecar leaves alone (so a STRICT namespace cannot refuse
 * the call), else the first.
 */
export async function clientPod(kube: KubeClients, namespace: string): Promise<V1Pod> {
  const candidates = (await readyPods(kube, namespace, '')).filter((pod) => {
    try {
      return appPort(pod) > 0;
    } catch {
      return false;
    }
  });
  const pod = candidates.find(controlPortUncaptured) ?? candidates[0];
  if (!pod) throw new Error(`no ready pod with an app port in namespace ${namespace} to query Prometheus from`);
  return pod;
}

export async function queryPrometheus(kube: KubeClients, client: V1Pod, query: string, signal?: AbortSignal): Promise<MetricSample> {
  const url = `${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(query)}`;
  const { results } = await forwardFromPod(kube, client, { url, count: 1, timeoutMs: 10_000 }, signal);
  const [answer] = results;
  const body = answer?.body as PrometheusAnswer | undefined;
  if (answer?.status !== 200 || body?.status !== 'success' || !body.data) {
    const why = answer?.error ?? body?.error ?? (typeof answer?.body === 'string' && answer.body ? answer.body : `status ${answer?.status}`);
    throw new Error(`Prometheus query ${query} failed from pod ${client.metadata?.name}: ${why} (is the Prometheus addon running behind ${PROMETHEUS_URL}?)`);
  }
  const series =
    body.data.resultType === 'vector'
      ? (body.data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }))
      : [{ labels: {}, value: Number((body.data.result as [number, string])[1]) }];
  return { kind: 'meshspec.metric', query, value: series.reduce((sum, s) => sum + s.value, 0), series };
}
