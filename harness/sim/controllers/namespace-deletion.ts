/**
 * The namespace controller's deletion half: a Terminating namespace has everything in it deleted
 * (pods gracefully, objects with finalizers once those are removed); when nothing is left it drops
 * its `kubernetes` finalizer and deletes the namespace again, which removes it. Until then its
 * status says what remains, in the conditions a real cluster writes, so a stuck namespace explains itself.
 */
import type { ClusterApi } from '../apiserver/api.js';
import { finalizersOf, NAMESPACE_FINALIZER } from '../apiserver/deletion.js';
import { ApiError } from '../store/errors.js';
import { kubeTimestamp as now } from '../store/store.js';
import type { KubeObject } from '../store/types.js';
import { WorkQueue } from './queue.js';

export class NamespaceDeletionController {
  private readonly queue: WorkQueue;
  /** Namespaces being deleted: a change of their content is a reason to look again. */
  private readonly terminating = new Set<string>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly api: ClusterApi) {
    this.queue = new WorkQueue('namespace', (name) => this.reconcile(name));
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe(({ type, typeKey, object }) => {
      if (typeKey === '/Namespace') {
        const { name } = object.metadata;
        if (type === 'DELETED' || !object.metadata.deletionTimestamp) this.terminating.delete(name);
        else {
          this.terminating.add(name);
          this.queue.add(name);
        }
      } else if (object.metadata.namespace && this.terminating.has(object.metadata.namespace)) this.queue.add(object.metadata.namespace);
    });
    for (const ns of this.api.list(this.api.type('', 'Namespace'))) {
      if (ns.metadata.deletionTimestamp) this.terminating.add(ns.metadata.name);
      this.queue.add(ns.metadata.name);
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.close();
  }

  private reconcile(name: string): void {
    const namespaces = this.api.type('', 'Namespace');
    const ns = this.api.store.get(namespaces, undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    const specFinalizers: string[] = ns.spec?.finalizers ?? [];
    if (specFinalizers.includes(NAMESPACE_FINALIZER)) {
      const remaining = this.deleteContent(name);
      if (remaining.length > 0) {
        this.reportRemaining(ns, remaining);
        return;
      }
      this.api.update(namespaces, undefined, name, { ...ns, spec: { ...ns.spec, finalizers: specFinalizers.filter((f) => f !== NAMESPACE_FINALIZER) } });
    }
    // Removes it once no finalizer (ours or anyone's) is left; otherwise it waits for the next change.
    this.api.delete(namespaces, undefined, name);
  }

  /** Deletes what is not yet being deleted; resolves to what is still there. */
  private deleteContent(namespace: string): { plural: string; obj: KubeObject }[] {
    const remaining: { plural: string; obj: KubeObject }[] = [];
    for (const type of this.api.registry.all()) {
      if (!type.namespaced) continue;
      for (const obj of this.api.list(type, namespace)) {
        let left: KubeObject | undefined = obj;
        if (!obj.metadata.deletionTimestamp) {
          try {
            left = this.api.delete(type, namespace, obj.metadata.name, { propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } });
          } catch (error) {
            // Gone meanwhile (a dependent its owner took along): nothing remains of it.
            if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
            left = undefined;
          }
        }
        if (left && this.api.store.get(type, namespace, obj.metadata.name)) {
          // Named resource.group, `pods.` for the core group, as the real controller writes it.
          remaining.push({ plural: `${type.plural}.${type.group}`, obj: left });
        }
      }
    }
    return remaining;
  }

  private reportRemaining(ns: KubeObject, remaining: { plural: string; obj: KubeObject }[]): void {
    const count = (keys: string[]) =>
      [...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())].sort(([a], [b]) => a.localeCompare(b));
    const resources = count(remaining.map((r) => r.plural)).map(([plural, n]) => `${plural} has ${n} resource instances`);
    const finalizers = count(remaining.flatMap((r) => finalizersOf(r.obj))).map(([f, n]) => `${f} in ${n} resource instances`);
    const previous: any[] = ns.status?.conditions ?? [];
    const condition = (type: string, status: boolean, reason: string, message: string) => {
      const before = previous.find((c) => c.type === type);
      const value = status ? 'True' : 'False';
      return { type, status: value, reason, message, lastTransitionTime: before?.status === value ? before.lastTransitionTime : now() };
    };
    const conditions = [
      condition('NamespaceContentRemaining', true, 'SomeResourcesRemain', `Some resources are remaining: ${resources.join(', ')}`),
      finalizers.length > 0
        ? condition(
            'NamespaceFinalizersRemaining',
            true,
            'SomeFinalizersRemain',
            `Some content in the namespace has finalizers remaining: ${finalizers.join(', ')}`,
          )
        : condition('NamespaceFinalizersRemaining', false, 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'),
    ];
    const strip = (list: any[]) => JSON.stringify(list.map(({ lastTransitionTime: _t, ...c }) => c));
    if (strip(conditions) !== strip(previous)) this.api.updateStatus(this.api.type('', 'Namespace'), { ...ns, status: { ...ns.status, conditions } });
  }
}
