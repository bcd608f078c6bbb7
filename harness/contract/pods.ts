/**
 * What every layer needs to know about a pod: is it ready, does it carry Istio's sidecar, which
 * containers run for its life. Kubernetes' own definitions, as kubectl shows them.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** The container name of Istio's sidecar, classic or native. */
export const SIDECAR_CONTAINER = 'istio-proxy';

/** Running, Ready=True and not being deleted: what a Service would send traffic to. */
export function isPodReady(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running') return false;
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Classic sidecar (a container), or native sidecar (an init container that keeps running). */
export function hasSidecar(pod: V1Pod): boolean {
  return (
    (pod.spec?.containers ?? []).some((c) => c.name === SIDECAR_CONTAINER) ||
    (pod.spec?.initContainers ?? []).some((c) => c.name === SIDECAR_CONTAINER && c.restartPolicy === 'Always')
  );
}

/** What `kubectl get pods` counts in READY: containers plus native sidecars. */
export function runningContainers(pod: V1Pod): V1Container[] {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
}
