/**
 * Deletion as a real control plane does it, in-process (no kubelet: pods here are not bound to a
 * node, so they go at once): finalizers, namespace termination, and the garbage collector's
 * Background, Foreground and Orphan propagation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterApi } from '../apiserver/api.js';
import { ResourceRegistry } from '../apiserver/registry.js';
import { bootstrapCluster } from '../bootstrap.js';
import { ApiError } from '../store/errors.js';
import { ObjectStore, type StoreEvent } from '../store/store.js';
import { startControllers } from './index.js';

let api: ClusterApi;
let stopControllers: () => void;
let events: StoreEvent[];

const configMaps = () => api.type('', 'ConfigMap');
const namespaces = () => api.type('', 'Namespace');
const deployments = () => api.type('apps', 'Deployment');
const replicaSets = () => api.type('apps', 'ReplicaSet');
const pods = () => api.type('', 'Pod');
/** Lets the controllers (work queues on setImmediate) catch up. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

function caught(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

function createNamespace(name: string): void {
  api.create(namespaces(), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

function createDeployment(namespace: string, name: string): void {
  api.create(deployments(), namespace, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
    },
  });
}

beforeEach(() => {
  api = new ClusterApi(new ObjectStore(), new ResourceRegistry());
  bootstrapCluster(api, 'v1.36.0-meshspec-sim');
  stopControllers = startControllers(api, 'CA');
  createNamespace('app');
  events = [];
  api.store.subscribe((event) => events.push(event));
});

afterEach(() => stopControllers());

describe('finalizers', () => {
  it('keep a deleted object, marked, until the last one is removed; then watchers see it go', () => {
    api.create(configMaps(), 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/a', 'example.com/b'] } });
    const marked = api.delete(configMaps(), 'app', 'held');
    expect(marked.metadata).toMatchObject({
      deletionTimestamp: expect.any(String),
      deletionGracePeriodSeconds: 0,
      finalizers: ['example.com/a', 'example.com/b'],
    });
    expect(api.get(configMaps(), 'app', 'held').metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);

    const refused = caught(() =>
      api.patch(configMaps(), 'app', 'held', 'merge', { metadata: { finalizers: ['example.com/a', 'example.com/b', 'example.com/new'] } }),
    );
    expect(refused).toMatchObject({
      code: 422,
      message: expect.stringContaining('no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/new"}'),
    });
    api.patch(configMaps(), 'app', 'held', 'merge', { metadata: { deletionTimestamp: null } });
    expect(api.get(configMaps(), 'app', 'held').metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);

    api.patch(configMaps(), 'app', 'held', 'json', [{ op: 'remove', path: '/metadata/finalizers/0' }]);
    expect(api.store.get(configMaps(), 'app', 'held')).toBeDefined();
    api.patch(configMaps(), 'app', 'held', 'merge', { metadata: { finalizers: null } });
    expect(api.store.get(configMaps(), 'app', 'held')).toBeUndefined();
    const seen = events.filter((e) => e.object.metadata.name === 'held').map((e) => `${e.type}${e.object.metadata.deletionTimestamp ? ' deleting' : ''}`);
    expect(seen[0]).toBe('ADDED');
    expect(seen.slice(1, -1)).toEqual(expect.arrayContaining(['MODIFIED deleting']));
    expect(seen.slice(1, -1).every((s) => s === 'MODIFIED deleting')).toBe(true);
    expect(seen.at(-1)).toBe('DELETED deleting');
  });
});

describe('namespace deletion', () => {
  it('terminates the namespace, refuses new content, deletes its content and waits for finalizers, naming what remains', async () => {
    api.create(configMaps(), 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' } });
    api.create(configMaps(), 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    const answered = api.delete(namespaces(), undefined, 'app');
    expect(answered).toMatchObject({
      status: { phase: 'Terminating' },
      spec: { finalizers: ['kubernetes'] },
      metadata: { deletionTimestamp: expect.any(String) },
    });

    const refused = caught(() => api.create(configMaps(), 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } }));
    expect(refused.toStatus()).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'configmaps "late" is forbidden: unable to create new content in namespace app because it is being terminated',
      details: { causes: [{ reason: 'NamespaceTerminating', message: 'namespace app is being terminated', field: 'metadata.namespace' }] },
    });

    await settle();
    expect(api.list(configMaps(), 'app').map((c) => c.metadata.name)).toEqual(['held']);
    const ns = api.get(namespaces(), undefined, 'app');
    expect(ns.status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'NamespaceContentRemaining',
          status: 'True',
          message: 'Some resources are remaining: configmaps. has 1 resource instances',
        }),
        expect.objectContaining({
          type: 'NamespaceFinalizersRemaining',
          status: 'True',
          message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
        }),
      ]),
    );

    api.patch(configMaps(), 'app', 'held', 'merge', { metadata: { finalizers: null } });
    await settle();
    expect(api.store.get(namespaces(), undefined, 'app')).toBeUndefined();
    const nsEvents = events.filter((e) => e.typeKey === '/Namespace').map((e) => e.type);
    expect(nsEvents[0]).toBe('MODIFIED');
    expect(nsEvents.at(-1)).toBe('DELETED');
  });

  it('goes at once when the kubernetes finalizer is removed by hand (PUT /finalize), once its other finalizers are gone', async () => {
    api.create(configMaps(), 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    api.delete(namespaces(), undefined, 'app');
    await settle();
    const ns = api.get(namespaces(), undefined, 'app');
    api.update(namespaces(), undefined, 'app', { ...ns, spec: { finalizers: [] } });
    await settle();
    expect(api.store.get(namespaces(), undefined, 'app')).toBeUndefined();
  });
});

describe('propagation policies', () => {
  async function deploymentWithPods(): Promise<void> {
    createDeployment('app', 'web');
    await settle();
    expect(api.list(pods(), 'app')).toHaveLength(2);
  }

  it('Background: the owner goes at once, its replica set and pods after it', async () => {
    await deploymentWithPods();
    expect(api.delete(deployments(), 'app', 'web', { propagationPolicy: 'Background' }).metadata.finalizers ?? []).toEqual([]);
    expect(api.store.get(deployments(), 'app', 'web')).toBeUndefined();
    await settle();
    expect([...api.list(replicaSets(), 'app'), ...api.list(pods(), 'app')]).toEqual([]);
  });

  it('Foreground: the owner stays, marked foregroundDeletion, until its dependents are gone', async () => {
    await deploymentWithPods();
    const marked = api.delete(deployments(), 'app', 'web', { propagationPolicy: 'Foreground' });
    expect(marked.metadata).toMatchObject({ finalizers: ['foregroundDeletion'], deletionTimestamp: expect.any(String) });
    await settle();
    expect([...api.list(replicaSets(), 'app'), ...api.list(pods(), 'app'), ...api.list(deployments(), 'app')]).toEqual([]);
    const order = events.filter((e) => e.type === 'DELETED' && e.typeKey !== '/Event').map((e) => e.object.kind);
    expect(order.indexOf('Deployment')).toBe(order.length - 1);
    expect(order.lastIndexOf('Pod')).toBeLessThan(order.indexOf('ReplicaSet'));
  });

  it('Orphan: the owner goes and its replica set stays, no longer owned, with its pods', async () => {
    await deploymentWithPods();
    api.delete(deployments(), 'app', 'web', { propagationPolicy: 'Orphan' });
    await settle();
    expect(api.store.get(deployments(), 'app', 'web')).toBeUndefined();
    const [rs] = api.list(replicaSets(), 'app');
    expect(rs.metadata.ownerReferences).toBeUndefined();
    expect(api.list(pods(), 'app')).toHaveLength(2);
  });
});
