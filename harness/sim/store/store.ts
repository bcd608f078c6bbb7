/**
 * The object store: one in-memory map per kind, a single monotonic resourceVersion, and a
 * bounded history of changes so watches can resume from a resourceVersion. Everything runs
 * on the event loop, so each write is atomic and no write is lost. A write stores a fresh object
 * (or drops it) and never changes a stored one in place, so `listShared`/`getShared` can hand
 * the stored objects themselves to readers that must not pay for copies (the data plane).
 */
import { randomUUID } from 'node:crypto';
import { alreadyExists, ApiError, conflict, notFound, type ResourceName } from './errors.js';
import type { ChangeType, KubeObject, ReadonlyKubeObject } from './types.js';

export interface StoredType extends ResourceName {
  namespaced: boolean;
}

export interface StoreEvent {
  type: ChangeType;
  object: KubeObject;
  /** `group/kind` of the object. */
  typeKey: string;
  resourceVersion: number;
}

type StoreListener = (event: StoreEvent) => void;

const HISTORY_LIMIT = 20_000;

/** A time (default now) as Kubernetes writes timestamps: RFC 3339 in whole seconds. */
export const kubeTimestamp = (at = new Date()): string => at.toISOString().replace(/\.\d+Z$/, 'Z');

const typeKeyOf = (t: { group: string; kind: string }) => `${t.group}/${t.kind}`;
const objectKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/** Everything except metadata and status: a change there is a spec change and bumps generation. */
function specPart(obj: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

export class ObjectStore {
  private readonly kinds = new Map<string, Map<string, KubeObject>>();
  /** Each kind's objects in list order, until the kind's next write. */
  private readonly sorted = new Map<string, readonly KubeObject[]>();
  private version = 1;
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  /** Events not yet delivered: a listener that writes must not overtake the event it reacts to. */
  private readonly pending: StoreEvent[] = [];
  private dispatching = false;

  get resourceVersion(): number {
    return this.version;
  }

  private bucket(t: StoredType): Map<string, KubeObject> {
    const key = typeKeyOf(t);
    let bucket = this.kinds.get(key);
    if (!bucket) {
      bucket = new Map();
      this.kinds.set(key, bucket);
    }
    return bucket;
  }

  get(t: StoredType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.stored(t, namespace, name);
    return found && structuredClone(found);
  }

  /** The stored object itself, not a copy: for readers on a hot path that never change it. */
  getShared(t: StoredType, namespace: string | undefined, name: string): ReadonlyKubeObject | undefined {
    return this.stored(t, namespace, name);
  }

  mustGet(t: StoredType, namespace: string | undefined, name: string): KubeObject {
    const found = this.get(t, namespace, name);
    if (!found) throw notFound(t, name);
    return found;
  }

  list(t: StoredType, namespace?: string): KubeObject[] {
    return this.inOrder(t, namespace).map((obj) => structuredClone(obj));
  }

  /** The stored objects themselves, not copies, in `list`'s order: for readers on a hot path that never change them. */
  listShared(t: StoredType, namespace?: string): readonly ReadonlyKubeObject[] {
    return this.inOrder(t, namespace);
  }

  private stored(t: StoredType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucket(t).get(objectKey(t.namespaced ? namespace : undefined, name));
  }

  /** A kind's objects by namespace/name, sorted once per change of the kind rather than per read. */
  private inOrder(t: StoredType, namespace: string | undefined): readonly KubeObject[] {
    const key = typeKeyOf(t);
    let all = this.sorted.get(key);
    if (!all) {
      all = [...this.bucket(t).values()].sort((a, b) =>
        objectKey(a.metadata.namespace, a.metadata.name).localeCompare(objectKey(b.metadata.namespace, b.metadata.name)),
      );
      this.sorted.set(key, all);
    }
    return !namespace || !t.namespaced ? all : all.filter((obj) => obj.metadata.namespace === namespace);
  }

  create(t: StoredType, input: KubeObject): KubeObject {
    const obj = structuredClone(input);
    if (!t.namespaced) delete obj.metadata.namespace;
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    const bucket = this.bucket(t);
    if (bucket.has(key)) throw alreadyExists(t, obj.metadata.name);
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = kubeTimestamp();
    obj.metadata.generation = 1;
    obj.metadata.resourceVersion = String(++this.version);
    delete obj.metadata.deletionTimestamp;
    bucket.set(key, obj);
    this.commit(t, 'ADDED', obj);
    return structuredClone(obj);
  }

  /**
   * Replaces an object. A resourceVersion in `input` must match the stored one (409 otherwise);
   * identity fields are kept from the stored object.
   */
  update(t: StoredType, input: KubeObject): KubeObject {
    const bucket = this.bucket(t);
    const key = objectKey(t.namespaced ? input.metadata.namespace : undefined, input.metadata.name);
    const current = bucket.get(key);
    if (!current) throw notFound(t, input.metadata.name);
    const wanted = input.metadata.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(t, input.metadata.name);
    const obj = structuredClone(input);
    if (!t.namespaced) delete obj.metadata.namespace;
    obj.metadata.uid = current.metadata.uid;
    obj.metadata.creationTimestamp = current.metadata.creationTimestamp;
    obj.metadata.generation = (current.metadata.generation ?? 1) + (specPart(obj) === specPart(current) ? 0 : 1);
    if (
      JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: '' } }) ===
      JSON.stringify({ ...current, metadata: { ...current.metadata, resourceVersion: '' } })
    ) {
      // A no-op write keeps its resourceVersion and wakes no watcher, as on a real server.
      return structuredClone(current);
    }
    obj.metadata.resourceVersion = String(++this.version);
    bucket.set(key, obj);
    this.commit(t, 'MODIFIED', obj);
    return structuredClone(obj);
  }

  delete(t: StoredType, namespace: string | undefined, name: string): KubeObject {
    const bucket = this.bucket(t);
    const key = objectKey(t.namespaced ? namespace : undefined, name);
    const current = bucket.get(key);
    if (!current) throw notFound(t, name);
    bucket.delete(key);
    const obj = structuredClone(current);
    obj.metadata.resourceVersion = String(++this.version);
    obj.metadata.deletionTimestamp ??= kubeTimestamp();
    this.commit(t, 'DELETED', obj);
    return structuredClone(obj);
  }

  /** Drops a whole kind (when its CRD goes away), announcing each object as deleted. */
  dropKind(t: StoredType): void {
    for (const obj of this.list(t)) this.delete(t, obj.metadata.namespace, obj.metadata.name);
    this.kinds.delete(typeKeyOf(t));
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes of a kind after `resourceVersion`, or a 410 Expired error when history no longer reaches back. */
  changesSince(t: StoredType, resourceVersion: number): StoreEvent[] {
    const oldest = this.history[0]?.resourceVersion ?? this.version + 1;
    if (resourceVersion < oldest - 1 && this.history.length >= HISTORY_LIMIT) {
      throw new ApiError(410, 'Expired', `too old resource version: ${resourceVersion} (${oldest - 1})`);
    }
    const key = typeKeyOf(t);
    return this.history.filter((e) => e.typeKey === key && e.resourceVersion > resourceVersion);
  }

  private commit(t: StoredType, type: ChangeType, obj: KubeObject): void {
    // Before any listener runs: a listener may list the kind it hears about.
    this.sorted.delete(typeKeyOf(t));
    const event: StoreEvent = { type, object: obj, typeKey: typeKeyOf(t), resourceVersion: this.version };
    this.history.push(event);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    this.pending.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        for (const listener of [...this.listeners]) {
          try {
            listener(next);
          } catch (error) {
            // A failing listener must not undo a committed write nor starve the others.
            process.emitWarning(`meshspec sim: store listener failed: ${(error as Error).message}`);
          }
        }
      }
    } finally {
      this.dispatching = false;
    }
  }
}
