import { describe, expect, it } from 'vitest';
import type { ApiError } from './errors.js';
import { ObjectStore, type StoreEvent } from './store.js';
import type { ReadonlyKubeObject } from './types.js';

// Checked by tsc, not run: shared objects are read-only all the way down, so these writes do not compile.
// biome-ignore lint/suspicious/noExportsInTest: exported only so that tsc checks it without the test calling it
export function writeToShared(o: ReadonlyKubeObject): void {
  // @ts-expect-error: metadata is read-only
  o.metadata.labels!.app = 'changed';
  // @ts-expect-error: spec too
  o.spec!.ports = [];
}

const cm = { group: '', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const obj = (name: string, data: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data });

describe('ObjectStore', () => {
  it('assigns identity and a monotonic resourceVersion, and answers 409 on a stale update', () => {
    const store = new ObjectStore();
    const created = store.create(cm, obj('a'));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const updated = store.update(cm, { ...created, data: { k: 'v' } });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(updated.metadata.generation).toBe(2);
    expect(() => store.update(cm, { ...created, data: { k: 'stale' } })).toThrowError(expect.objectContaining({ code: 409, reason: 'Conflict' }) as ApiError);
    expect(() => store.create(cm, obj('a'))).toThrowError(expect.objectContaining({ code: 409, reason: 'AlreadyExists' }) as ApiError);
  });

  it('keeps generation on metadata-only changes and skips no-op writes', () => {
    const store = new ObjectStore();
    const created = store.create(cm, obj('a'));
    const labelled = store.update(cm, { ...created, metadata: { ...created.metadata, labels: { x: 'y' } } });
    expect(labelled.metadata.generation).toBe(1);
    const again = store.update(cm, labelled);
    expect(again.metadata.resourceVersion).toBe(labelled.metadata.resourceVersion);
  });

  it('delivers events in commit order even when a listener writes', () => {
    const store = new ObjectStore();
    const seen: string[] = [];
    store.subscribe((e: StoreEvent) => {
      if (e.type === 'ADDED' && e.object.metadata.name === 'a') store.create(cm, obj('b'));
    });
    store.subscribe((e: StoreEvent) => seen.push(`${e.type} ${e.object.metadata.name}`));
    store.create(cm, obj('a'));
    expect(seen).toEqual(['ADDED a', 'ADDED b']);
  });

  it('replays changes after a resourceVersion', () => {
    const store = new ObjectStore();
    const a = store.create(cm, obj('a'));
    store.create(cm, obj('b'));
    store.delete(cm, 'ns', 'a');
    const changes = store.changesSince(cm, Number(a.metadata.resourceVersion));
    expect(changes.map((c) => `${c.type} ${c.object.metadata.name}`)).toEqual(['ADDED b', 'DELETED a']);
  });

  it('hands out copies, so callers cannot change stored state', () => {
    const store = new ObjectStore();
    store.create(cm, obj('a', { k: 'v' }));
    const copy = store.get(cm, 'ns', 'a')!;
    (copy.data as Record<string, string>).k = 'changed';
    expect(store.get(cm, 'ns', 'a')!.data).toEqual({ k: 'v' });
  });

  it('shares its own objects read-only, in list order, and replaces them on write instead of changing them', () => {
    const store = new ObjectStore();
    store.create(cm, obj('b'));
    store.create(cm, obj('a', { k: 'v' }));
    const shared = store.getShared(cm, 'ns', 'a')!;
    expect(store.listShared(cm, 'ns')[0]).toBe(shared);
    expect(store.listShared(cm).map((o) => o.metadata.name)).toEqual(['a', 'b']);

    const listed: string[][] = [];
    store.subscribe(() => listed.push(store.listShared(cm, 'ns').map((o) => `${o.metadata.name}=${JSON.stringify(o.data)}`)));
    store.update(cm, { ...store.get(cm, 'ns', 'a')!, data: { k: 'changed' } });
    store.delete(cm, 'ns', 'b');

    // What was handed out before the write is as it was; readers after it, listeners included, see the write.
    expect(shared.data).toEqual({ k: 'v' });
    expect(store.getShared(cm, 'ns', 'a')!.data).toEqual({ k: 'changed' });
    expect(listed).toEqual([['a={"k":"changed"}', 'b={}'], ['a={"k":"changed"}']]);
  });
});
