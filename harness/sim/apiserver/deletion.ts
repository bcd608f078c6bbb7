/**
 * Deletion as the real registry does it: an object with finalizers, a pod with a grace period and
 * a namespace are only marked (deletionTimestamp) and go once their finalizers are removed; an
 * update can neither start nor undo that.
 */
import { ApiError, invalid } from '../store/errors.js';
import type { KubeObject } from '../store/types.js';
import type { ResourceType } from './registry.js';

export interface DeleteOptions {
  dryRun?: boolean;
  /** What happens to dependents (ownerReferences); Background when unset, as for apps/v1 kinds. */
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Pods only: how long the kubelet lets the containers stop; 0 removes the object at once. Default: the pod's terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
}

/** metadata.finalizers a propagationPolicy adds; the garbage collector acts on them and removes them. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';
/** The namespace controller's entry in a namespace's spec.finalizers: its content is not yet deleted. */
export const NAMESPACE_FINALIZER = 'kubernetes';

export const PROPAGATION_FINALIZERS: Record<NonNullable<DeleteOptions['propagationPolicy']>, string | undefined> = {
  Foreground: FOREGROUND_FINALIZER,
  Orphan: ORPHAN_FINALIZER,
  Background: undefined,
};

export const finalizersOf = (obj: KubeObject): string[] => (Array.isArray(obj.metadata.finalizers) ? obj.metadata.finalizers : []);
export const graceOf = (obj: KubeObject): number => Number(obj.metadata.deletionGracePeriodSeconds ?? 0);

/** The 409 the registry answers when a delete's preconditions do not hold. */
export function checkPreconditions(current: KubeObject, preconditions: DeleteOptions['preconditions']): void {
  if (preconditions?.uid && preconditions.uid !== current.metadata.uid) {
    throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`);
  }
  if (preconditions?.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
    throw new ApiError(
      409,
      'Conflict',
      `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
    );
  }
}

/**
 * Seconds a deletion waits for the kubelet: only a pod bound to a node and not yet finished has
 * a grace period (the registry's pod strategy); everything else goes as soon as its finalizers allow.
 */
export function gracePeriodOf(t: ResourceType, obj: KubeObject, options: DeleteOptions): number {
  if (t.kind !== 'Pod' || t.group || !obj.spec?.nodeName || ['Succeeded', 'Failed'].includes(obj.status?.phase)) return 0;
  const requested = options.gracePeriodSeconds ?? obj.spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, Number(requested) || 0);
}

/**
 * An update neither starts nor undoes a deletion (deletionTimestamp and deletionGracePeriodSeconds
 * are the server's), and adds no finalizer to an object being deleted, as the real server refuses.
 */
export function keepDeletionState(t: ResourceType, current: KubeObject, next: KubeObject): void {
  const { deletionTimestamp, deletionGracePeriodSeconds } = current.metadata;
  if (!deletionTimestamp) {
    delete next.metadata.deletionTimestamp;
    delete next.metadata.deletionGracePeriodSeconds;
    return;
  }
  Object.assign(next.metadata, { deletionTimestamp, deletionGracePeriodSeconds });
  const before = finalizersOf(current);
  const added = finalizersOf(next).filter((f) => !before.includes(f));
  if (added.length > 0) {
    throw invalid(t, next.metadata.name, [
      {
        reason: 'FieldValueForbidden',
        field: 'metadata.finalizers',
        message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
      },
    ]);
  }
}
