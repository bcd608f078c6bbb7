import { describe, expect, it } from 'vitest';
import { applyConfiguration, applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';

const deployment = () => ({
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
  spec: {
    replicas: 1,
    template: {
      spec: {
        containers: [
          { name: 'app', image: 'app:v1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 8080 }] },
          { name: 'log', image: 'log:v1' },
        ],
      },
    },
  },
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add, replace, remove, move, copy and test', () => {
    const out = applyJsonPatch(deployment(), [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/metadata/labels/version', value: 'v2' },
      { op: 'remove', path: '/metadata/labels/tier' },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'x', image: 'x' } },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copied' },
      { op: 'move', from: '/metadata/labels/copied', path: '/metadata/labels/moved' },
    ]) as any;
    expect(out.spec.replicas).toBe(3);
    expect(out.metadata.labels).toEqual({ app: 'web', version: 'v2', moved: 'web' });
    expect(out.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'log', 'x']);
  });

  it('escapes ~1 and ~0 in pointers', () => {
    const out = applyJsonPatch({ metadata: { labels: {} } }, [{ op: 'add', path: '/metadata/labels/istio.io~1rev', value: 'a' }]) as any;
    expect(out.metadata.labels['istio.io/rev']).toBe('a');
  });

  it('answers a failed test with 422 and a missing path with 400, leaving the input untouched', () => {
    const input = deployment();
    expect(() => applyJsonPatch(input, [{ op: 'test', path: '/spec/replicas', value: 2 }])).toThrow(
      /testing value \/spec\/replicas failed: expected 2, found 1/,
    );
    expect(() => applyJsonPatch(input, [{ op: 'replace', path: '/spec/nope/x', value: 2 }])).toThrow(/path \/spec\/nope\/x does not exist/);
    expect(() => applyJsonPatch(input, [{ op: 'jump', path: '/a' }])).toThrow(/unknown op "jump"/);
    expect(() => applyJsonPatch(input, { op: 'add' })).toThrow(/must be an array/);
    expect(input.spec.replicas).toBe(1);
  });
});

describe('merge patch (RFC 7386)', () => {
  it('merges objects, deletes nulls and replaces lists', () => {
    const out = applyMergePatch(deployment(), {
      metadata: { labels: { tier: null, v: '2' } },
      spec: { template: { spec: { containers: [{ name: 'only' }] } } },
    }) as any;
    expect(out.metadata.labels).toEqual({ app: 'web', v: '2' });
    expect(out.spec.template.spec.containers).toEqual([{ name: 'only' }]);
  });
});

describe('strategic merge patch', () => {
  it('merges containers by name and honours $patch: delete', () => {
    const out = applyStrategicMergePatch(deployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'app', image: 'app:v2' },
              { name: 'log', $patch: 'delete' },
              { name: 'new', image: 'n' },
            ],
          },
        },
      },
    }) as any;
    const containers = out.spec.template.spec.containers;
    expect(containers.map((c: any) => `${c.name}:${c.image}`)).toEqual(['app:app:v2', 'new:n']);
    expect(containers[0].env).toEqual([{ name: 'A', value: '1' }]);
  });
});

describe('server-side apply merge', () => {
  it('merges keyed lists for built-in kinds and removes what the same manager no longer applies', () => {
    const first = {
      metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'app:v1',
                env: [
                  { name: 'A', value: '1' },
                  { name: 'B', value: '2' },
                ],
              },
            ],
          },
        },
      },
    };
    const live = applyConfiguration({ metadata: { name: 'web', uid: 'u' }, status: { ready: 1 } }, first, undefined, true) as any;
    const second = {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'app:v2', env: [{ name: 'A', value: '1' }] }] } } },
    };
    const out = applyConfiguration(live, second, first, true) as any;
    expect(out.metadata).toEqual({ name: 'web', uid: 'u', labels: { app: 'web' } });
    expect(out.spec.template.spec.containers).toEqual([{ name: 'app', image: 'app:v2', env: [{ name: 'A', value: '1' }] }]);
    expect(out.status).toEqual({ ready: 1 });
  });

  it('replaces lists of custom resources as a whole', () => {
    const live = {
      spec: {
        http: [
          { name: 'a', route: [1] },
          { name: 'b', route: [2] },
        ],
      },
    };
    const out = applyConfiguration(live, { spec: { http: [{ name: 'b', route: [3] }] } }, undefined, false) as any;
    expect(out.spec.http).toEqual([{ name: 'b', route: [3] }]);
  });
});
