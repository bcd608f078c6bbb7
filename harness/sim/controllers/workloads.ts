/**
 * Deployment -> ReplicaSet -> Pod, as kube-controller-manager does it: pod-template-hash,
 * rolling replacement within maxSurge/maxUnavailable, scaling, and the status fields
 * `kubectl rollout status` and `wait --for=condition=Available` read.
 */
import type { ClusterApi } from '../apiserver/api.js';
import type { ResourceType } from '../apiserver/registry.js';
import { kubeTimestamp as now } from '../store/store.js';
import type { KubeObject } from '../store/types.js';
import { nsName, splitKey, WorkQueue } from './queue.js';

const HASH_LABEL = 'pod-template-hash';
const REVISION = 'deployment.kubernetes.io/revision';

/** JSON with object keys sorted and unset (null) fields dropped, so equal templates hash alike however a client wrote them. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined && (value as Record<string, unknown>)[k] !== null)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** FNV-1a of the template, spelled in the alphabet Kubernetes uses for generated names. */
export function podTemplateHash(template: unknown): string {
  let hash = 0x811c9dc5;
  for (const ch of Buffer.from(canonical(template ?? {}))) {
    hash ^= ch;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return String(hash)
    .split('')
    .map((d) => alphabet[Number(d)])
    .join('')
    .slice(0, 10);
}

function scaled(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(String(value ?? '25%'));
  if (!percent) return Number(value) || 0;
  const exact = (Number(percent[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

const isOwnedBy = (obj: KubeObject, owner: KubeObject) =>
  (obj.metadata.ownerReferences as { uid: string }[] | undefined)?.some((r) => r.uid === owner.metadata.uid) ?? false;
const isReady = (pod: KubeObject) => pod.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;
const ownerRef = (owner: KubeObject) => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name,
  uid: owner.metadata.uid,
  controller: true,
  blockOwnerDeletion: true,
});

function condition(previous: any[] | undefined, type: string, status: boolean, reason: string, message: string) {
  const before = previous?.find((c) => c.type === type);
  const value = status ? 'True' : 'False';
  const changed = before?.status !== value || before?.reason !== reason;
  return {
    type,
    status: value,
    reason,
    message,
    lastUpdateTime: changed ? now() : before.lastUpdateTime,
    lastTransitionTime: before?.status === value ? before.lastTransitionTime : now(),
  };
}

export class WorkloadControllers {
  private readonly deployments: WorkQueue;
  private readonly replicaSets: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly types: { deployment: ResourceType; replicaSet: ResourceType; pod: ResourceType };

  constructor(private readonly api: ClusterApi) {
    this.types = { deployment: api.type('apps', 'Deployment'), replicaSet: api.type('apps', 'ReplicaSet'), pod: api.type('', 'Pod') };
    this.deployments = new WorkQueue('deployment', (key) => this.reconcileDeployment(key));
    this.replicaSets = new WorkQueue('replicaset', (key) => this.reconcileReplicaSet(key));
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe(({ typeKey, object }) => {
      const owner = (object.metadata.ownerReferences as { kind: string; name: string; controller?: boolean }[] | undefined)?.find((r) => r.controller);
      if (typeKey === 'apps/Deployment') this.deployments.add(nsName(object));
      if (typeKey === 'apps/ReplicaSet') {
        this.replicaSets.add(nsName(object));
        if (owner?.kind === 'Deployment') this.deployments.add(`${object.metadata.namespace}/${owner.name}`);
      }
      if (typeKey === '/Pod' && owner?.kind === 'ReplicaSet') this.replicaSets.add(`${object.metadata.namespace}/${owner.name}`);
    });
    for (const d of this.api.list(this.types.deployment)) this.deployments.add(nsName(d));
    for (const rs of this.api.list(this.types.replicaSet)) this.replicaSets.add(nsName(rs));
  }

  stop(): void {
    this.unsubscribe?.();
    this.deployments.close();
    this.replicaSets.close();
  }

  private reconcileReplicaSet(key: string): void {
    const { namespace, name } = splitKey(key);
    const rs = this.api.store.get(this.types.replicaSet, namespace, name);
    // One being deleted is left to the garbage collector, as the real controller does.
    if (!rs || rs.metadata.deletionTimestamp) return;
    // A terminating pod no longer counts: its replacement starts while it stops.
    const pods = this.api.list(this.types.pod, namespace).filter((p) => isOwnedBy(p, rs) && !p.metadata.deletionTimestamp);
    const wanted = rs.spec?.replicas ?? 1;
    for (let i = pods.length; i < wanted; i++) {
      const template = rs.spec.template ?? {};
      try {
        const pod = this.api.create(this.types.pod, namespace, {
          apiVersion: 'v1',
          kind: 'Pod',
          // As the ReplicaSet controller does (pkg/controller/controller_utils.go GetPodFromTemplate): the
          // server picks the name, so the injection webhook sees generateName and the owner, and names the workload.
          metadata: { ...template.metadata, generateName: `${name}-`, namespace, ownerReferences: [ownerRef(rs)] },
          spec: structuredClone(template.spec),
        });
        pods.push(pod);
        this.api.recordEvent(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
      } catch (error) {
        this.api.recordEvent(rs, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`, 'replicaset-controller');
        break;
      }
    }
    if (pods.length > wanted) {
      // Not-ready and newest pods go first, as the real controller prefers.
      const victims = [...pods]
        .sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))
        .slice(0, pods.length - wanted);
      for (const pod of victims) {
        this.api.delete(this.types.pod, namespace, pod.metadata.name);
        pods.splice(pods.indexOf(pod), 1);
        this.api.recordEvent(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, 'replicaset-controller');
      }
    }
    const ready = pods.filter(isReady).length;
    const status = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    };
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) this.api.updateStatus(this.types.replicaSet, { ...rs, status });
  }

  private reconcileDeployment(key: string): void {
    const { namespace, name } = splitKey(key);
    const deployment = this.api.store.get(this.types.deployment, namespace, name);
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const spec = deployment.spec;
    const desired: number = spec.replicas ?? 1;
    const hash = podTemplateHash(spec.template);
    const owned = this.api.list(this.types.replicaSet, namespace).filter((rs) => isOwnedBy(rs, deployment));
    let current = owned.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash);
    const old = owned.filter((rs) => rs !== current);
    const revisions = owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0));
    const oldTotal = old.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
    const recreate = spec.strategy?.type === 'Recreate';
    const maxSurge = recreate ? 0 : scaled(spec.strategy?.rollingUpdate?.maxSurge, desired, true);
    let maxUnavailable = recreate ? desired : scaled(spec.strategy?.rollingUpdate?.maxUnavailable, desired, false);
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const oldPodsLeft = old.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);

    if (!current) {
      const initial = recreate ? (oldPodsLeft > 0 ? 0 : desired) : Math.max(0, Math.min(desired, desired + maxSurge - oldTotal));
      const labels = { ...spec.template?.metadata?.labels, [HASH_LABEL]: hash };
      current = this.api.create(this.types.replicaSet, namespace, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${name}-${hash}`,
          namespace,
          labels,
          annotations: { [REVISION]: String(Math.max(0, ...revisions) + 1), 'deployment.kubernetes.io/desired-replicas': String(desired) },
          ownerReferences: [ownerRef(deployment)],
        },
        spec: {
          replicas: initial,
          selector: { ...spec.selector, matchLabels: { ...spec.selector?.matchLabels, [HASH_LABEL]: hash } },
          template: { ...spec.template, metadata: { ...spec.template?.metadata, labels } },
        },
      });
      this.api.recordEvent(deployment, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${current.metadata.name} to ${initial}`, 'deployment-controller');
    } else {
      // Rolling back to an older template reuses its replica set, which becomes the newest revision.
      const newest = Math.max(0, ...revisions);
      if (Number(current.metadata.annotations?.[REVISION] ?? 0) < newest) {
        current = this.api.patch(this.types.replicaSet, namespace, current.metadata.name, 'merge', {
          metadata: { annotations: { [REVISION]: String(newest + 1) } },
        });
      }
      const target = recreate ? (oldPodsLeft > 0 ? 0 : desired) : Math.min(desired, Math.max(current.spec.replicas ?? 0, desired + maxSurge - oldTotal));
      this.scale(deployment, current, target);
    }

    // Old replica sets shrink as far as availability allows (unready old pods can always go).
    const minAvailable = desired - maxUnavailable;
    let removable = Math.max(0, owned.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0) - minAvailable);
    for (const rs of old.sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)))) {
      const replicas = rs.spec?.replicas ?? 0;
      if (replicas === 0) continue;
      const unavailable = Math.max(0, replicas - (rs.status?.availableReplicas ?? 0));
      const cut = recreate ? replicas : Math.min(replicas, unavailable + removable);
      removable -= Math.max(0, cut - unavailable);
      if (cut > 0) this.scale(deployment, rs, replicas - cut);
    }
    this.writeDeploymentStatus(deployment, current, owned, desired, minAvailable);
  }

  private scale(deployment: KubeObject, rs: KubeObject, replicas: number): void {
    if ((rs.spec?.replicas ?? 0) === replicas) return;
    const direction = replicas > (rs.spec?.replicas ?? 0) ? 'up' : 'down';
    this.api.patch(this.types.replicaSet, rs.metadata.namespace, rs.metadata.name, 'merge', { spec: { replicas } });
    this.api.recordEvent(
      deployment,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${direction} replica set ${rs.metadata.name} to ${replicas} from ${rs.spec?.replicas ?? 0}`,
      'deployment-controller',
    );
  }

  private writeDeploymentStatus(deployment: KubeObject, current: KubeObject, owned: KubeObject[], desired: number, minAvailable: number): void {
    const all = owned.some((rs) => rs.metadata.uid === current.metadata.uid) ? owned : [...owned, current];
    const sum = (field: string) => all.reduce((n, rs) => n + (rs.status?.[field] ?? 0), 0);
    const updated = current.status?.replicas ?? 0;
    const replicas = sum('replicas');
    const available = sum('availableReplicas');
    const complete = updated === desired && replicas === desired && available === desired && (current.status?.availableReplicas ?? 0) === desired;
    const previous = deployment.status?.conditions;
    const status = {
      observedGeneration: deployment.metadata.generation,
      replicas,
      updatedReplicas: updated,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      ...(desired - available > 0 ? { unavailableReplicas: desired - available } : {}),
      conditions: [
        available >= minAvailable
          ? condition(previous, 'Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : condition(previous, 'Available', false, 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
        complete
          ? condition(previous, 'Progressing', true, 'NewReplicaSetAvailable', `ReplicaSet "${current.metadata.name}" has successfully progressed.`)
          : condition(previous, 'Progressing', true, 'ReplicaSetUpdated', `ReplicaSet "${current.metadata.name}" is progressing.`),
      ],
    };
    const strip = (s: any) => JSON.stringify({ ...s, conditions: s?.conditions?.map(({ lastUpdateTime: _u, lastTransitionTime: _t, ...c }: any) => c) });
    if (strip(status) !== strip(deployment.status)) this.api.updateStatus(this.types.deployment, { ...deployment, status });
  }
}
