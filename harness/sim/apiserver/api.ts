/**
 * The cluster's write path, shared by HTTP clients and the sim's own controllers: defaults,
 * admission (mutating, then validating), the store, server-side apply, CRD registration, and
 * deletion by the registry's rules (deletion.ts). Who removes finalizers, and what a deletion
 * cascades to, is the controllers' work (namespace content, garbage collection, the kubelet), as
 * on a real control plane.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, badRequest, forbidden, invalid, notFound, type StatusCause } from '../store/errors.js';
import { applyConfiguration, applyPatch } from '../store/patch.js';
import { kubeTimestamp as now, type ObjectStore } from '../store/store.js';
import type { KubeObject } from '../store/types.js';
import { dropTypeDependentFields, ServiceAllocator } from './allocator.js';
import { applyBuiltinDefaults, validateBuiltin, validateMetadata, validateShape } from './builtins.js';
import { customType, establishedStatus } from './crd.js';
import { checkPreconditions, finalizersOf, graceOf, gracePeriodOf, keepDeletionState, PROPAGATION_FINALIZERS, type DeleteOptions } from './deletion.js';
import { isSameEvent, newEvent, type EventType } from './events.js';
import { applyConflict, FieldManagers } from './field-managers.js';
import { unknownFields } from './fields.js';
import type { ResourceRegistry, ResourceType } from './registry.js';

type Operation = 'CREATE' | 'UPDATE';

interface AdmissionRequest {
  operation: Operation;
  type: ResourceType;
  object: KubeObject;
  oldObject?: KubeObject;
  /** Where a plugin adds warnings for the client (admission webhooks' `warnings`). */
  warnings: string[];
}

/** A step of the admission chain, like a webhook: mutate first, then validate. */
export interface AdmissionPlugin {
  mutate?(request: AdmissionRequest): void;
  /** Problems found; any answers 422 (or the ApiError thrown). */
  validate?(request: AdmissionRequest): StatusCause[];
}

interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Unknown fields: Strict refuses them (400), Warn (default) drops them with a warning, Ignore drops them. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Collects warnings for the client (sent as `Warning` headers). */
  warnings?: string[];
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

interface PatchOptions extends WriteOptions {
  force?: boolean;
  subresource?: 'status';
}

const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(length: number): string {
  return [...randomBytes(length)].map((b) => NAME_SUFFIX_ALPHABET[b % NAME_SUFFIX_ALPHABET.length]).join('');
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class ClusterApi {
  private readonly admission: AdmissionPlugin[] = [];
  private readonly allocator = new ServiceAllocator();
  private readonly fieldManagers = new FieldManagers();

  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
  ) {
    store.subscribe((event) => {
      if (event.type === 'DELETED') this.fieldManagers.forget(event.object.metadata.uid!);
    });
  }

  addAdmission(plugin: AdmissionPlugin): void {
    this.admission.push(plugin);
  }

  /** Where Services get node ports from when they name none: ports the node (this machine) has free. */
  useNodePortSource(freeNodePort: (inUse: ReadonlySet<number>) => number | undefined): void {
    this.allocator.freeNodePort = freeNodePort;
  }

  /** The type of a kind, or the 404 a real server gives for an unknown resource. */
  type(group: string, kind: string): ResourceType {
    const t = this.registry.byKind(group, kind);
    if (!t) throw new ApiError(404, 'NotFound', `no matches for kind "${kind}" in group "${group}"`);
    return t;
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    return this.store.mustGet(t, namespace, name);
  }

  list(t: ResourceType, namespace?: string): KubeObject[] {
    return this.store.list(t, namespace);
  }

  create(t: ResourceType, namespace: string | undefined, input: unknown, options: WriteOptions = {}): KubeObject {
    const obj = this.checkBody(t, namespace, input);
    if (t.namespaced) this.checkNamespaceWritable(t, obj.metadata.name ?? '', obj.metadata.namespace!);
    if (!obj.metadata.name && typeof obj.metadata.generateName === 'string' && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix(5)}`;
    }
    for (const field of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'generation'] as const) delete obj.metadata[field];
    this.prepare(t, 'CREATE', obj, undefined, options);
    if (options.dryRun) return { ...obj, metadata: { ...obj.metadata, uid: 'dry-run', creationTimestamp: now() } };
    const created = this.store.create(t, obj);
    if (t.kind === 'CustomResourceDefinition') this.registerCrd(created);
    return this.store.get(t, created.metadata.namespace, created.metadata.name) ?? created;
  }

  /** PUT: replaces the object (or only its status with `subresource: 'status'`). */
  update(t: ResourceType, namespace: string | undefined, name: string, input: unknown, options: PatchOptions = {}): KubeObject {
    const obj = this.checkBody(t, namespace, input);
    if (obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    const current = this.store.mustGet(t, namespace, name);
    return this.commitUpdate(t, current, obj, options);
  }

  updateStatus(t: ResourceType, obj: KubeObject): KubeObject {
    return this.update(t, obj.metadata.namespace, obj.metadata.name, obj, { subresource: 'status' });
  }

  patch(t: ResourceType, namespace: string | undefined, name: string, type: PatchType, patch: unknown, options: PatchOptions = {}): KubeObject {
    const current = this.store.get(t, namespace, name);
    if (type === 'apply') return this.apply(t, namespace, name, current, patch, options);
    if (!current) throw notFound(t, name);
    if (type === 'strategic' && t.custom) {
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        'strategic merge patch is not supported for custom resources - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
    const patched = applyPatch(current, type, patch);
    if (!isObject(patched) || !isObject(patched.metadata)) throw badRequest("the patch removed the object's metadata");
    // A patch only conflicts when it carries a resourceVersion of its own.
    const patchVersion = type === 'json' ? (patched as KubeObject).metadata.resourceVersion : (patch as any)?.metadata?.resourceVersion;
    (patched as KubeObject).metadata.resourceVersion = patchVersion ?? current.metadata.resourceVersion;
    return this.commitUpdate(t, current, patched as KubeObject, options);
  }

  delete(t: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): KubeObject {
    const current = this.store.mustGet(t, namespace, name);
    checkPreconditions(current, options.preconditions);
    const isNamespace = t.kind === 'Namespace' && !t.group;
    if (isNamespace && PROTECTED_NAMESPACES.has(name)) throw forbidden(t, name, 'this namespace may not be deleted');
    if (options.dryRun) return current;
    if (isNamespace) return this.deleteNamespace(current);
    const grace = gracePeriodOf(t, current, options);
    const finalizers = [...finalizersOf(current)];
    const deleting = Boolean(current.metadata.deletionTimestamp);
    const policyFinalizer = PROPAGATION_FINALIZERS[options.propagationPolicy ?? 'Background'];
    if (!deleting && policyFinalizer && !finalizers.includes(policyFinalizer)) finalizers.push(policyFinalizer);
    if (finalizers.length === 0 && grace === 0) return this.remove(t, current);
    // Already on its way, and this request would not make it go sooner.
    if (deleting && graceOf(current) <= grace) return current;
    return this.store.update(t, {
      ...current,
      metadata: {
        ...current.metadata,
        finalizers: finalizers.length ? finalizers : undefined,
        deletionTimestamp: now(new Date(Date.now() + grace * 1000)),
        deletionGracePeriodSeconds: grace,
      },
    });
  }

  /** Creates or aggregates an Event about `regarding`, as components report notable things. */
  recordEvent(regarding: KubeObject, type: EventType, reason: string, message: string, component: string): void {
    const events = this.type('', 'Event');
    const namespace = regarding.metadata.namespace ?? 'default';
    const same = this.store.list(events, namespace).find((e) => isSameEvent(e, regarding, reason, message));
    if (same) {
      this.store.update(events, { ...same, count: ((same.count as number) ?? 1) + 1, lastTimestamp: now() });
      return;
    }
    // Refused in a namespace being deleted, as the server refuses the component's write.
    if (this.store.get(this.type('', 'Namespace'), undefined, namespace)?.status?.phase !== 'Active') return;
    this.store.create(events, newEvent(regarding, type, reason, message, component));
  }

  private apply(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    current: KubeObject | undefined,
    patch: unknown,
    options: PatchOptions,
  ): KubeObject {
    if (!options.fieldManager) throw badRequest('PATCH requests with apply patch type must set fieldManager (e.g. ?fieldManager=kubectl)');
    const applied = this.checkBody(t, namespace, patch);
    if (applied.metadata.name !== name) throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    const manager = options.fieldManager;
    if (!current) {
      const created = this.create(t, namespace, applied, options);
      if (!options.dryRun) this.fieldManagers.remember(created.metadata.uid!, manager, applied);
      return created;
    }
    const uid = current.metadata.uid!;
    const keyedLists = !t.custom;
    const conflicts = this.fieldManagers.conflicts(uid, manager, applied, keyedLists);
    if (conflicts.length > 0 && !options.force) throw applyConflict(t, name, conflicts);
    const merged = applyConfiguration(current, applied, this.fieldManagers.previous(uid, manager), keyedLists) as KubeObject;
    merged.metadata.resourceVersion = applied.metadata.resourceVersion ?? current.metadata.resourceVersion;
    const updated = this.commitUpdate(t, current, merged, options);
    if (!options.dryRun) {
      this.fieldManagers.takeOver(uid, conflicts, keyedLists);
      this.fieldManagers.remember(uid, manager, applied);
    }
    return updated;
  }

  private commitUpdate(t: ResourceType, current: KubeObject, input: KubeObject, options: PatchOptions): KubeObject {
    let next = input;
    if (options.subresource === 'status') {
      next = { ...current, status: input.status, metadata: { ...current.metadata, resourceVersion: input.metadata.resourceVersion } };
    } else if (t.subresources.includes('status')) {
      next = { ...input, status: current.status };
    }
    next.metadata.namespace = current.metadata.namespace;
    keepDeletionState(t, current, next);
    if (options.subresource !== 'status') this.prepare(t, 'UPDATE', next, current, options);
    if (options.dryRun) return next;
    // The last finalizer of an object whose deletion is due (grace period over) is removed: it goes
    // instead of being updated, so watchers see DELETED, as from the real registry.
    const due = current.metadata.deletionTimestamp && graceOf(current) === 0 && !(t.kind === 'Namespace' && !t.group);
    if (due && finalizersOf(current).length > 0 && finalizersOf(next).length === 0) return this.remove(t, current);
    const updated = this.store.update(t, next);
    if (t.kind === 'CustomResourceDefinition') this.registerCrd(updated);
    return updated;
  }

  /** Takes an object out of the store: the end of every deletion. */
  private remove(t: ResourceType, obj: KubeObject): KubeObject {
    const deleted = this.store.delete(t, obj.metadata.namespace, obj.metadata.name);
    if (t.kind === 'CustomResourceDefinition') this.unregisterCrd(deleted);
    return deleted;
  }

  /** Defaults, mutating admission, validation; throws 422 with every problem found. */
  private prepare(t: ResourceType, operation: Operation, obj: KubeObject, oldObject: KubeObject | undefined, options: WriteOptions): void {
    const shape = validateShape(obj);
    if (shape.length > 0) throw invalid(t, String(obj.metadata.name ?? ''), shape);
    const strict = options.fieldValidation === 'Strict';
    const unknown = unknownFields(t.group, t.kind, obj, !strict);
    if (unknown.length > 0 && strict) {
      const version = String(obj.apiVersion).split('/').pop();
      throw badRequest(
        `${t.kind} in version "${version}" cannot be handled as a ${t.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`,
      );
    }
    if (options.fieldValidation !== 'Ignore') for (const field of unknown) options.warnings?.push(`unknown field "${field}"`);
    if (!t.custom) applyBuiltinDefaults(t.group, t.kind, obj);
    const warnings = options.warnings ?? [];
    for (const plugin of this.admission) plugin.mutate?.({ operation, type: t, object: obj, oldObject, warnings });
    if (t.kind === 'Service' && !t.group && oldObject) dropTypeDependentFields(obj, oldObject);
    const causes = [...validateMetadata(t.kind, obj), ...(t.custom ? [] : validateBuiltin(t.group, t.kind, obj))];
    if (causes.length === 0)
      for (const plugin of this.admission) causes.push(...(plugin.validate?.({ operation, type: t, object: obj, oldObject, warnings }) ?? []));
    if (causes.length > 0) throw invalid(t, String(obj.metadata.name ?? ''), causes);
    // Addresses are handed out only to valid Services.
    if (t.kind === 'Service' && !t.group) {
      const others = this.store.list(t).filter((s) => s.metadata.uid !== oldObject?.metadata.uid);
      this.allocator.assign(obj, oldObject, others);
    }
  }

  /** Checks a request body is an object of the URL's kind and namespace; returns a copy. */
  private checkBody(t: ResourceType, namespace: string | undefined, input: unknown): KubeObject {
    if (!isObject(input)) throw badRequest(`the request body must be a ${t.kind} object`);
    const obj = structuredClone(input) as KubeObject;
    const [group] = typeof obj.apiVersion === 'string' && obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : [''];
    if (obj.kind !== undefined && (obj.kind !== t.kind || group !== t.group)) {
      throw badRequest(`the body is a ${String(obj.kind)} (${String(obj.apiVersion)}) but the URL is for ${t.plural}${t.group ? `.${t.group}` : ''}`);
    }
    obj.kind = t.kind;
    obj.apiVersion ??= t.group ? `${t.group}/${t.versions[0]}` : t.versions[0];
    if (!isObject(obj.metadata)) obj.metadata = {} as KubeObject['metadata'];
    if (t.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace ?? obj.metadata.namespace;
      if (!obj.metadata.namespace) throw badRequest(`${t.kind} is namespaced: the request needs a namespace`);
    } else delete obj.metadata.namespace;
    return obj;
  }

  /** The NamespaceLifecycle admission plugin: nothing new in a namespace that is missing or being deleted. */
  private checkNamespaceWritable(t: ResourceType, name: string, namespace: string): void {
    const ns = this.store.get(this.type('', 'Namespace'), undefined, namespace);
    if (!ns) throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
    if (ns.status?.phase === 'Terminating') {
      throw forbidden(t, name, `unable to create new content in namespace ${namespace} because it is being terminated`, [
        { reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
  }

  /**
   * The first delete marks the namespace Terminating; the namespace controller empties it, removes
   * its `kubernetes` finalizer and deletes it again, which removes it once no finalizer is left.
   */
  private deleteNamespace(ns: KubeObject): KubeObject {
    const t = this.type('', 'Namespace');
    if (!ns.metadata.deletionTimestamp) {
      return this.store.update(t, {
        ...ns,
        status: { ...ns.status, phase: 'Terminating' },
        metadata: { ...ns.metadata, deletionTimestamp: now(), deletionGracePeriodSeconds: 0 },
      });
    }
    if (ns.spec?.finalizers?.length || finalizersOf(ns).length) return ns;
    return this.remove(t, ns);
  }

  private registerCrd(crd: KubeObject): void {
    const type = customType(crd);
    const existing = this.registry.byKind(type.group, type.kind);
    if (existing && !existing.custom) return;
    this.registry.putCustom(type);
    const status = establishedStatus(crd);
    if (JSON.stringify(crd.status?.acceptedNames) !== JSON.stringify(status.acceptedNames) || !crd.status?.conditions) {
      this.store.update(this.type('apiextensions.k8s.io', 'CustomResourceDefinition'), { ...crd, status });
    }
  }

  private unregisterCrd(crd: KubeObject): void {
    const type = this.registry.removeCustom(crd.spec?.group, crd.spec?.names?.kind);
    if (type) this.store.dropKind(type);
  }
}
