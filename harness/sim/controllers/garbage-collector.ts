/**
 * The garbage collector, as kube-controller-manager runs it over ownerReferences: dependents of
 * an owner that is gone are deleted (Background); an owner marked `foregroundDeletion` has its
 * dependents deleted and stays until the blocking ones (blockOwnerDeletion) are gone; an owner
 * marked `orphan` first drops itself from its dependents' ownerReferences. It works after the
 * write that asked for it, so clients see the owner go before, or after, its dependents as on a cluster.
 */
import type { ClusterApi } from '../apiserver/api.js';
import { FOREGROUND_FINALIZER, finalizersOf, ORPHAN_FINALIZER } from '../apiserver/deletion.js';
import type { ResourceType } from '../apiserver/registry.js';
import { ApiError } from '../store/errors.js';
import type { KubeObject } from '../store/types.js';
import { WorkQueue } from './queue.js';

interface OwnerReference {
  uid: string;
  kind: string;
  apiVersion: string;
  name: string;
  blockOwnerDeletion?: boolean;
}

/** Where an object is stored: enough to read it again. */
interface ObjectRef {
  typeKey: string;
  namespace?: string;
  name: string;
}

const refKey = (r: ObjectRef) => JSON.stringify([r.typeKey, r.namespace ?? '', r.name]);
const ownerReferencesOf = (obj: KubeObject): OwnerReference[] => (Array.isArray(obj.metadata.ownerReferences) ? obj.metadata.ownerReferences : []);

export class GarbageCollector {
  /** Owner uid -> its dependents, kept current from the change feed so no deletion scans the store. */
  private readonly dependents = new Map<string, Map<string, ObjectRef>>();
  /** Dependent -> the owner uids it names: what to unindex when its references change. */
  private readonly ownersOf = new Map<string, string[]>();
  /** Owners being deleted with a policy finalizer, by uid: they look again when a dependent changes. */
  private readonly waiting = new Map<string, ObjectRef>();
  /** Keys are JSON: ["owner", ref] for an owner being deleted with a policy finalizer, ["gone", uid] for one removed. */
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly api: ClusterApi) {
    this.queue = new WorkQueue('garbage-collector', (key) => this.reconcile(JSON.parse(key)));
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe(({ type, typeKey, object }) => {
      const ref = { typeKey, namespace: object.metadata.namespace, name: object.metadata.name };
      const uid = object.metadata.uid!;
      this.index(ref, object, type === 'DELETED');
      for (const owner of ownerReferencesOf(object)) {
        const waiting = this.waiting.get(owner.uid);
        if (waiting) this.queue.add(JSON.stringify(['owner', waiting]));
      }
      if (type === 'DELETED') {
        this.waiting.delete(uid);
        if (this.dependents.has(uid)) this.queue.add(JSON.stringify(['gone', uid]));
      } else if (object.metadata.deletionTimestamp && finalizersOf(object).some((f) => f === FOREGROUND_FINALIZER || f === ORPHAN_FINALIZER)) {
        this.waiting.set(uid, ref);
        this.queue.add(JSON.stringify(['owner', ref]));
      } else this.waiting.delete(uid);
    });
    for (const t of this.api.registry.all()) {
      for (const obj of this.api.list(t))
        this.index({ typeKey: `${t.group}/${t.kind}`, namespace: obj.metadata.namespace, name: obj.metadata.name }, obj, false);
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.close();
  }

  private index(ref: ObjectRef, obj: KubeObject, deleted: boolean): void {
    const key = refKey(ref);
    const owners = deleted ? [] : ownerReferencesOf(obj).map((o) => o.uid);
    const before = this.ownersOf.get(key) ?? [];
    if (owners.length === 0 && before.length === 0) return;
    for (const uid of before) {
      const refs = this.dependents.get(uid);
      if (!owners.includes(uid) && refs?.delete(key) && refs.size === 0) this.dependents.delete(uid);
    }
    if (owners.length) this.ownersOf.set(key, owners);
    else this.ownersOf.delete(key);
    for (const uid of owners) {
      let refs = this.dependents.get(uid);
      if (!refs) {
        refs = new Map();
        this.dependents.set(uid, refs);
      }
      refs.set(key, ref);
    }
  }

  private reconcile([what, arg]: ['owner', ObjectRef] | ['gone', string]): void {
    if (what === 'gone') {
      this.collectOrphans(arg);
      return;
    }
    const t = this.typeOf(arg.typeKey);
    const owner = t && this.api.store.get(t, arg.namespace, arg.name);
    if (!t || !owner?.metadata.deletionTimestamp) return;
    const finalizers = finalizersOf(owner);
    const uid = owner.metadata.uid!;
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const { type, obj } of this.liveDependents(uid)) {
        const ownerReferences = ownerReferencesOf(obj).filter((o) => o.uid !== uid);
        this.api.update(type, obj.metadata.namespace, obj.metadata.name, {
          ...obj,
          metadata: { ...obj.metadata, ownerReferences: ownerReferences.length ? ownerReferences : undefined },
        });
      }
      this.removeFinalizer(t, owner, ORPHAN_FINALIZER);
    } else if (finalizers.includes(FOREGROUND_FINALIZER)) {
      let blocking = 0;
      for (const { type, obj } of this.liveDependents(uid)) {
        if (!obj.metadata.deletionTimestamp) this.deleteDependent(type, obj, 'Foreground');
        if (ownerReferencesOf(obj).some((o) => o.uid === uid && o.blockOwnerDeletion) && this.api.store.get(type, obj.metadata.namespace, obj.metadata.name))
          blocking++;
      }
      if (blocking === 0) this.removeFinalizer(t, owner, FOREGROUND_FINALIZER);
    }
  }

  /** Dependents of a removed owner go too, unless another of their owners still exists. */
  private collectOrphans(uid: string): void {
    for (const { type, obj } of this.liveDependents(uid)) {
      const otherOwners = ownerReferencesOf(obj).filter((o) => o.uid !== uid);
      const ownedStill = otherOwners.some((o) => {
        const ref = this.ownerRef(o, obj.metadata.namespace);
        const ownerType = ref && this.typeOf(ref.typeKey);
        return ownerType && this.api.store.get(ownerType, ref.namespace, ref.name)?.metadata.uid === o.uid;
      });
      if (!ownedStill && !obj.metadata.deletionTimestamp) this.deleteDependent(type, obj, 'Background');
    }
  }

  private liveDependents(uid: string): { type: ResourceType; obj: KubeObject }[] {
    const found: { type: ResourceType; obj: KubeObject }[] = [];
    for (const ref of this.dependents.get(uid)?.values() ?? []) {
      const type = this.typeOf(ref.typeKey);
      const obj = type && this.api.store.get(type, ref.namespace, ref.name);
      if (type && obj && ownerReferencesOf(obj).some((o) => o.uid === uid)) found.push({ type, obj });
    }
    return found;
  }

  private deleteDependent(type: ResourceType, obj: KubeObject, propagationPolicy: 'Foreground' | 'Background'): void {
    try {
      this.api.delete(type, obj.metadata.namespace, obj.metadata.name, { propagationPolicy, preconditions: { uid: obj.metadata.uid } });
    } catch (error) {
      // Gone or replaced meanwhile: nothing left to collect.
      if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
    }
  }

  private removeFinalizer(t: ResourceType, owner: KubeObject, finalizer: string): void {
    const finalizers = finalizersOf(owner).filter((f) => f !== finalizer);
    this.api.update(t, owner.metadata.namespace, owner.metadata.name, { ...owner, metadata: { ...owner.metadata, finalizers } });
  }

  /** An ownerReference as a stored object: owners live in their dependent's namespace, or are cluster-scoped. */
  private ownerRef(owner: OwnerReference, namespace: string | undefined): ObjectRef | undefined {
    const group = String(owner.apiVersion ?? '').includes('/') ? String(owner.apiVersion).split('/')[0] : '';
    const type = this.api.registry.byKind(group, owner.kind);
    if (!type) return undefined;
    return { typeKey: `${type.group}/${type.kind}`, namespace: type.namespaced ? namespace : undefined, name: owner.name };
  }

  private typeOf(typeKey: string): ResourceType | undefined {
    const slash = typeKey.indexOf('/');
    return this.api.registry.byKind(typeKey.slice(0, slash), typeKey.slice(slash + 1));
  }
}
