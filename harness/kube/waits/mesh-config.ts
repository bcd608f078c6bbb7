/**
 * "Config in effect": every Istio object the scenario applied reports Istio's distribution
 * status, `status.conditions[type=Reconciled].status == "True"` with
 * `status.observedGeneration >= metadata.generation` (istiod with PILOT_ENABLE_STATUS; the
 * sim writes the same once its data plane took the change up). Where a real cluster has no
 * such status and istioctl is at hand, `istioctl x wait --for=distribution` decides instead.
 */
import { execa } from 'execa';
import type { ClusterHandle } from '../../providers/types.js';
import type { AppliedObject, KubeClients } from '../../runner/types.js';
import { done, notYet, waitFor, type Deadline, type ProbeResult } from '../poll.js';
import { conditionOf, describeCondition, readObject, type ServerObject } from '../read.js';
import { describeObject, groupOf, sameObject } from '../refs.js';

export const isIstioObject = (o: { apiVersion: string }) => groupOf(o.apiVersion).endsWith('.istio.io');

/** The Istio objects among `applied`, each once (an object applied twice is checked at its latest generation). */
export function istioObjectsOf(applied: AppliedObject[]): AppliedObject[] {
  const unique: AppliedObject[] = [];
  for (const object of applied.filter(isIstioObject)) {
    const seen = unique.findIndex((u) => sameObject(u, object));
    if (seen >= 0) unique.splice(seen, 1);
    unique.push(object);
  }
  return unique;
}

type Cluster = Pick<ClusterHandle, 'provider' | 'kubeconfig' | 'context' | 'istio'>;

export async function waitForMeshConfig(clients: KubeClients, applied: AppliedObject[], cluster: Cluster, deadline: Deadline): Promise<void> {
  const objects = istioObjectsOf(applied);
  if (objects.length === 0) return;
  const distributed = new Set<AppliedObject>();
  await waitFor(`the mesh to put ${objects.length} Istio object(s) into effect`, async () => {
    const pending: string[] = [];
    for (const id of objects) {
      if (distributed.has(id)) continue;
      const object = await readObject(clients, id);
      const state = object ? reconciliation(object) : done(undefined);
      if (state.done) continue;
      if (state.why === NO_STATUS && istioctlFallback(cluster)) {
        await istioctlWait(cluster, id, deadline);
        distributed.add(id);
        continue;
      }
      pending.push(`${describeObject(id)}: ${state.why}`);
    }
    return pending.length === 0 ? done(undefined) : notYet(`${pending.length} not in effect yet: ${pending.join('; ')}`);
  }, deadline);
}

const NO_STATUS = 'Istio has not reported a Reconciled condition for it yet';

/** Pure: is this object's current generation in effect in the data plane? */
export function reconciliation(object: ServerObject): ProbeResult<void> {
  const reconciled = conditionOf(object, 'Reconciled');
  if (!reconciled) return notYet(NO_STATUS);
  if (reconciled.status !== 'True') return notYet(describeCondition(reconciled));
  const generation = Number(object.metadata?.generation ?? 0);
  // istiod writes int64 fields as JSON strings: compare numerically.
  const observed = Number(object.status?.observedGeneration ?? reconciled.observedGeneration ?? 0);
  if (observed < generation) return notYet(`Reconciled for generation ${observed}, but the object is at generation ${generation}`);
  return done(undefined);
}

function istioctlFallback(cluster: Cluster): cluster is Cluster & { istio: { istioctl: string } } {
  return cluster.provider !== 'sim' && cluster.istio.istioctl !== null;
}

async function istioctlWait(cluster: Cluster & { istio: { istioctl: string } }, id: AppliedObject, { deadline, signal }: Deadline): Promise<void> {
  const seconds = Math.max(1, Math.floor((deadline - Date.now()) / 1000));
  const result = await execa(cluster.istio.istioctl, [
    '--kubeconfig', cluster.kubeconfig, '--context', cluster.context,
    'experimental', 'wait', '--for=distribution', '--timeout', `${seconds}s`,
    id.kind.toLowerCase(), id.namespace ? `${id.name}.${id.namespace}` : id.name,
  ], { reject: false, all: true, cancelSignal: signal });
  if (result.failed && result.exitCode === undefined && !result.isCanceled) {
    throw new Error(`istioctl x wait for ${describeObject(id)} could not run ${cluster.istio.istioctl}: ${result.shortMessage}`);
  }
  if (result.exitCode !== 0) {
    throw new Error(`istioctl x wait for ${describeObject(id)} failed (exit ${result.exitCode}): ${String(result.all ?? '').trim().split('\n').slice(-5).join(' / ')}`);
  }
}
