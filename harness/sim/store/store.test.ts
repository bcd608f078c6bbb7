import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { ObjectStore, type StoreEvent } from './store.js';

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
});
