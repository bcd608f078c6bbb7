import type { V1Pod } from '@kubernetes/client-node';
import { hasSidecar, isPodReady } from '../../contract/pods.js';
import type { KubeClients } from '../types.js';
import { done, notYet, waitFor, type Deadline, type ProbeResult } from '../poll.js';
import { conditionOf, describeCondition, type ServerObject } from '../read.js';

export interface PodsWanted {
  /** true: every matching pod Ready; false: pods exist, ready or not. */
  ready: boolean;
  /** Every matching pod carries Istio's sidecar. */
  sidecar?: boolean;
}

/** Waits until pods match `selector` and all of them are as wanted; resolves to their names. */
export function waitForPods(clients: KubeClients, namespace: string, selector: string, wanted: PodsWanted, deadline: Deadline): Promise<string[]> {
  const what = [wanted.ready ? 'ready' : 'present', wanted.sidecar ? 'with an istio-proxy sidecar' : ''].filter(Boolean).join(' ');
  return waitFor(
    `pods matching ${selector} in namespace ${namespace} to be ${what}`,
    async () => {
      const { items } = await clients.core.listNamespacedPod({ namespace, labelSelector: selector });
      return podsProgress(items, selector, wanted);
    },
    deadline,
  );
}

export function podsProgress(items: V1Pod[], selector: string, wanted: PodsWanted): ProbeResult<string[]> {
  // Pods of an old ReplicaSet that are shutting down no longer count.
  const pods = items.filter((p) => !p.metadata?.deletionTimestamp);
  if (pods.length === 0) return notYet(`no pods match ${selector} yet`);
  const withoutSidecar = wanted.sidecar ? pods.filter((p) => !hasSidecar(p)) : [];
  if (withoutSidecar.length > 0) {
    return notYet(
      `${withoutSidecar.length} of ${pods.length} pods have no istio-proxy sidecar (${names(withoutSidecar)}); ` +
        'pods created before the namespace was labelled for injection keep running without one until recreated',
    );
  }
  const unready = wanted.ready ? pods.filter((p) => !isPodReady(p)) : [];
  if (unready.length > 0) return notYet(`${unready.length} of ${pods.length} pods not ready: ${unready.map(podState).join('; ')}`);
  return done(pods.map((p) => p.metadata?.name ?? ''));
}

const names = (pods: V1Pod[]) => pods.map((p) => p.metadata?.name).join(', ');

/** "backend-v1-abc: Pending, Ready=False (ContainersNotReady: ...), app waiting: CrashLoopBackOff". */
function podState(pod: V1Pod): string {
  const ready = conditionOf(pod as ServerObject, 'Ready');
  const waiting = (pod.status?.containerStatuses ?? []).filter((c) => c.state?.waiting?.reason).map((c) => `${c.name} waiting: ${c.state!.waiting!.reason}`);
  return [`${pod.metadata?.name}: ${pod.status?.phase ?? 'no phase'}`, ready ? describeCondition(ready) : '', ...waiting].filter(Boolean).join(', ');
}
