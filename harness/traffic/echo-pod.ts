/**
 * The echo app's calls on a pod (forward call, request log), through the API server's pod proxy
 * to the echo app's control port, so the same call works on kind, a managed cluster and sim: no
 * port-forward, no route from the test machine into the cluster. The pod proxy calls in plaintext
 * without a client certificate: a pod with a sidecar keeps that port out of inbound capture
 * (`traffic.sidecar.istio.io/excludeInboundPorts`), or a STRICT PeerAuthentication or an
 * AuthorizationPolicy refuses the call, as on the app's own port.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { hasSidecar, SIDECAR_CONTAINER } from '../contract/pods.js';
import { EXCLUDE_INBOUND_PORTS, inboundCaptureOf } from '../istio/inbound-capture.js';
import { describeApiError } from '../kube/errors.js';
import type { KubeClients } from '../kube/types.js';
import { CONTROL_PORT, FORWARD_PATH, REQUESTS_PATH, encodeForward } from '../../apps/echo/src/protocol.js';
import type { ForwardRequest, ForwardResponse, RequestLogPage } from '../../apps/echo/src/protocol.js';

/** The app's port: the first container port of the first container that is not the sidecar. */
export function appPort(pod: V1Pod): number {
  const containers = pod.spec?.containers ?? [];
  const port = containers.filter((c) => c.name !== SIDECAR_CONTAINER).flatMap((c) => c.ports ?? [])[0];
  if (!port) throw new Error(`pod ${pod.metadata?.name} declares no container port for its app`);
  return port.containerPort;
}

/** Whether the pod's sidecar, if any, leaves the echo control port out of its inbound capture. */
export function controlPortUncaptured(pod: V1Pod): boolean {
  return !hasSidecar(pod) || !inboundCaptureOf(pod)(CONTROL_PORT);
}

/** GET a path of the pod's echo control port through the API server's pod proxy; returns the parsed JSON body. */
async function podProxyGet<T>(kube: KubeClients, pod: V1Pod, path: string, signal?: AbortSignal): Promise<T> {
  const call = kube.core.connectGetNamespacedPodProxyWithPath({
    name: `${pod.metadata!.name}:${CONTROL_PORT}`,
    namespace: pod.metadata!.namespace!,
    path: path.replace(/^\//, ''),
  });
  let body: unknown;
  try {
    // client-node parses a JSON answer itself when the content type says JSON, else returns text.
    body = await abortable(call, signal);
  } catch (error) {
    if (signal?.aborted || controlPortUncaptured(pod)) throw error;
    throw new Error(
      `pod ${pod.metadata!.name}: the echo control port ${CONTROL_PORT} did not answer through the API server (${describeApiError(error)}); ` +
        `its sidecar captures that port, where a STRICT PeerAuthentication or an AuthorizationPolicy refuses the API server's plaintext call: ` +
        `add the annotation ${EXCLUDE_INBOUND_PORTS}: "${CONTROL_PORT}" to the pod template`,
      { cause: error },
    );
  }
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
