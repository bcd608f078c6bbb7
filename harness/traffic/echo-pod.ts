/**
 * The echo app's calls on a pod (forward call, request log), through the API server's pod
 * proxy, so the same call works on kind, a managed cluster and sim: no port-forward, no route
 * from the test machine into the cluster.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { SIDECAR_CONTAINER } from '../contract/pods.js';
import type { KubeClients } from '../kube/types.js';
import { FORWARD_PATH, REQUESTS_PATH, encodeForward } from '../../apps/echo/src/protocol.js';
import type { ForwardRequest, ForwardResponse, RequestLogPage } from '../../apps/echo/src/protocol.js';

/** The app's port: the first container port of the first container that is not the sidecar. */
export function appPort(pod: V1Pod): number {
  const containers = pod.spec?.containers ?? [];
  const port = containers.filter((c) => c.name !== SIDECAR_CONTAINER).flatMap((c) => c.ports ?? [])[0];
  if (!port) throw new Error(`pod ${pod.metadata?.name} declares no container port for its app`);
  return port.containerPort;
}

/** GET a path of the pod's app through the API server's pod proxy; returns the parsed JSON body. */
async function podProxyGet<T>(kube: KubeClients, pod: V1Pod, path: string, signal?: AbortSignal): Promise<T> {
  const call = kube.core.connectGetNamespacedPodProxyWithPath({
    name: `${pod.metadata!.name}:${appPort(pod)}`,
    namespace: pod.metadata!.namespace!,
    path: path.replace(/^\//, ''),
  });
  // client-node parses a JSON answer itself when the content type says JSON, else returns text.
  const body: unknown = await abortable(call, signal);
  return (typeof body === 'string' ? JSON.parse(body) : body) as T;
}

/** Runs the echo app's forward call in the pod: the pod itself sends the requests. */
export function forwardFromPod(kube: KubeClients, pod: V1Pod, request: ForwardRequest, signal?: AbortSignal): Promise<ForwardResponse> {
  return podProxyGet<ForwardResponse>(kube, pod, FORWARD_PATH + encodeForward(request), signal);
}

/** The pod's whole request log (the pod proxy path cannot carry `?since=`). */
export function requestLogOf(kube: KubeClients, pod: V1Pod, signal?: AbortSignal): Promise<RequestLogPage> {
  return podProxyGet<RequestLogPage>(kube, pod, REQUESTS_PATH, signal);
}

/** client-node 1.4's typed calls take no AbortSignal: stop waiting when the step is aborted. */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
