/**
 * "Config in effect": every Istio object the scenario applied reports Istio's distribution
 * status, `status.conditions[type=Reconciled].status == "True"` with
 * `status.observedGeneration >= metadata.generation` (istiod with PILOT_ENABLE_STATUS; the
 * sim writes the same once its data plane took the change up). Where a real cluster has no
 * such status and istioctl is at hand, `istioctl x wait --for=distribution` runs beside the
 * status checks and its answer counts as well; it ends with the wait.
 */
import { execa } from 'execa';
import type { ClusterHandle } from '../../contract/cluster.js';
import type { AppliedObject, KubeClients } from '../types.js';
import { kubeToolOptions } from '../clients.js';
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
  // istioctl runs beside the status polls and is stopped when the wait ends, however it ends:
  // a hung istioctl must not outlive the step.
  const ended = new AbortController();
  const istioctl = new Map<AppliedObject, () => ProbeResult<void>>();
  try {
    await waitFor(`the mesh to put ${objects.length} Istio object(s) into effect`, async () => {
      const pending: string[] = [];
      for (const id of objects) {
        const confirmed = istioctl.get(id)?.();
        if (confirmed?.done) continue;
        const object = await readObject(clients, id);
        const state = object ? reconciliation(object) : done(undefined);
        if (state.done) continue;
        if (state.why === NO_STATUS && istioctlFallback(cluster)) {
          if (!confirmed) istioctl.set(id, startIstioctlWait(cluster, id, deadline.deadline, ended.signal));
          pending.push(`${describeObject(id)}: ${ISTIOCTL_PENDING}`);
          continue;
        }
        pending.push(`${describeObject(id)}: ${state.why}`);
      }
      return pending.length === 0 ? done(undefined) : notYet(`${pending.length} not in effect yet: ${pending.join('; ')}`);
    }, deadline, 'If the mesh needs longer to take the change up, set timeout: on the step (or the scenario)');
  } finally {
    ended.abort();
  }
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

const ISTIOCTL_PENDING = 'istioctl x wait --for=distribution has not confirmed it yet';

/**
 * Starts `istioctl x wait` for one object and returns how it stands: not yet, done, or (thrown)
 * why istioctl failed. Its own --timeout lies past `deadline`, so that the wait's deadline
 * decides and its timeout names every object still pending; `stop` kills it (SIGTERM, then
 * SIGKILL after execa's forceKillAfterDelay).
 */
function startIstioctlWait(cluster: Cluster & { istio: { istioctl: string } }, id: AppliedObject, deadline: number, stop: AbortSignal): () => ProbeResult<void> {
  const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000) + 1);
  let state: ProbeResult<void> | Error = notYet(ISTIOCTL_PENDING);
  const tool = kubeToolOptions(cluster);
  void execa(cluster.istio.istioctl, [
    ...tool.args,
    'experimental', 'wait', '--for=distribution', '--timeout', `${seconds}s`,
    id.kind.toLowerCase(), id.namespace ? `${id.name}.${id.namespace}` : id.name,
  ], { env: tool.env, reject: false, all: true, cancelSignal: stop }).then((result) => {
    if (result.isCanceled) return;
    if (result.exitCode === 0) state = done(undefined);
    else if (result.exitCode === undefined && result.signal === undefined) {
      state = new Error(`istioctl x wait for ${describeObject(id)} could not run ${cluster.istio.istioctl}: ${result.shortMessage}`);
    } else {
      const output = String(result.all ?? '').trim().split('\n').slice(-5).join(' / ');
      state = new Error(`istioctl x wait for ${describeObject(id)} failed (${result.signal ?? `exit ${result.exitCode}`}): ${output}`);
    }
  });
  return () => {
    if (state instanceof Error) throw state;
    return state;
  };
}
