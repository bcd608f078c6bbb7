/** The sim's API server as clients see it: discovery, authentication, errors, watches, server-side apply, custom resources. */
import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMAGE, kc, core, objects, until, raw, deployment, createNamespace, useTestCluster } from './__tests__/cluster.js';

useTestCluster();
beforeAll(() => createNamespace('apps1'));

describe('the embedded API server', () => {
  it('serves version and discovery with short names and subresources, and answers 401 without the token', async () => {
    // The default Istio release on the newest Kubernetes it supports, as kind would run it.
    expect((await raw('GET', '/version')).body).toMatchObject({ major: '1', minor: '36', gitVersion: 'v1.36.0-meshspec-sim' });
    expect((await core.readNode({ name: 'meshspec-sim' })).status!.nodeInfo!.kubeletVersion).toBe('v1.36.0-meshspec-sim');
    const v1 = (await raw('GET', '/api/v1')).body;
    const pods = v1.resources.find((r: any) => r.name === 'pods');
    expect(pods).toMatchObject({ namespaced: true, kind: 'Pod', shortNames: ['po'] });
    expect(v1.resources.map((r: any) => r.name)).toEqual(expect.arrayContaining(['pods/log', 'pods/proxy', 'services/proxy', 'namespaces']));
    const networking = (await raw('GET', '/apis/networking.istio.io/v1beta1')).body;
    expect(networking.resources.find((r: any) => r.name === 'virtualservices')).toMatchObject({ shortNames: ['vs'], namespaced: true });
    const denied = await raw('GET', '/api/v1/namespaces', undefined, {}, false);
    expect(denied).toMatchObject({ status: 401, body: { kind: 'Status', reason: 'Unauthorized', code: 401 } });
  });

  it('answers bad requests with Status objects and never crashes', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: 'apps1', body: { metadata: { name: 'c1' }, data: { a: '1' } } });
    await core.replaceNamespacedConfigMap({ namespace: 'apps1', name: 'c1', body: { ...cm, data: { a: '2' } } });
    await expect(core.replaceNamespacedConfigMap({ namespace: 'apps1', name: 'c1', body: { ...cm, data: { a: '3' } } })).rejects.toMatchObject({ code: 409 });
    await expect(core.createNamespacedConfigMap({ namespace: 'apps1', body: { metadata: { name: 'c1' } } })).rejects.toMatchObject({ code: 409 });
    const mismatch = deployment('apps1', 'bad', 1);
    (mismatch.spec as any).selector.matchLabels = { app: 'other' };
    const invalid = await raw('POST', '/apis/apps/v1/namespaces/apps1/deployments', JSON.stringify(mismatch), { 'content-type': 'application/json' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.details.causes).toEqual([expect.objectContaining({ field: 'spec.template.metadata.labels' })]);
    expect((await raw('GET', '/apis/example.com/v1/namespaces/apps1/widgets')).body).toMatchObject({ code: 404, reason: 'NotFound' });
    expect((await raw('POST', '/api/v1/namespaces/apps1/configmaps', '{"metadata":', { 'content-type': 'application/json' })).body).toMatchObject({
      code: 400,
      reason: 'BadRequest',
    });
    expect(
      (await raw('POST', '/api/v1/namespaces/apps1/configmaps', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { 'content-type': 'application/json' })).body.message,
    ).toMatch(/not valid UTF-8/);
    expect((await raw('POST', '/api/v1/namespaces/apps1/configmaps', 'x'.repeat(3 * 1024 * 1024 + 1), { 'content-type': 'application/json' })).status).toBe(
      413,
    );
    expect((await raw('POST', '/api/v1/namespaces/apps1/configmaps', '{}', { 'content-type': 'application/vnd.kubernetes.protobuf' })).body).toMatchObject({
      code: 400,
      message: 'the protobuf request body is malformed',
    });
    expect((await raw('PATCH', '/api/v1/namespaces/apps1/configmaps/c1', '{}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await raw('GET', '/api/v1/pods?labelSelector=bad%20key%3Dx')).status).toBe(400);
    const malformed = [
      ['/api/v1/namespaces/apps1/pods', { metadata: { name: 'p', labels: 'x' }, spec: { containers: [{ name: 'c', image: 'i' }] } }, 'metadata.labels'],
      ['/api/v1/namespaces/apps1/pods', { metadata: { name: 'p' }, spec: { containers: 7 } }, 'spec.containers'],
      [
        '/api/v1/namespaces/apps1/pods',
        { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: IMAGE, args: 'x', env: [{}] }] } },
        'spec.containers[0].args',
      ],
      ['/api/v1/namespaces/apps1/services', { metadata: { name: 's' }, spec: { ports: 'http', selector: ['a'] } }, 'spec.selector'],
      ['/api/v1/namespaces/apps1/services', { metadata: { name: 'S_1' }, spec: { ports: [{ port: 70000 }] } }, 'metadata.name'],
      ['/api/v1/namespaces/apps1/configmaps', { metadata: { name: 12 }, data: { a: 1 } }, 'metadata.name'],
      ['/api/v1/namespaces/apps1/configmaps', { metadata: { name: 'c2' }, data: { a: 1 } }, 'data[a]'],
    ] as const;
    for (const [path, body, field] of malformed) {
      const answer = await raw('POST', path, JSON.stringify(body), { 'content-type': 'application/json' });
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.details.causes.map((c: any) => c.field)).toContain(field);
    }
    expect((await raw('POST', '/api/v1/namespaces/apps1/configmaps', '[1,2]', { 'content-type': 'application/json' })).body).toMatchObject({
      code: 400,
      message: 'the request body must be a ConfigMap object',
    });
    expect((await raw('GET', '/healthz')).body).toBe('ok');
  });

  it('watches from a resourceVersion with label selectors', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'apps1' });
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const request = await watch.watch(
      '/api/v1/namespaces/apps1/configmaps',
      { resourceVersion: list.metadata!.resourceVersion, labelSelector: 'watched in (yes)' },
      (type, obj) => events.push(`${type} ${obj.metadata.name}`),
      () => undefined,
    );
    await core.createNamespacedConfigMap({ namespace: 'apps1', body: { metadata: { name: 'w1', labels: { watched: 'yes' } } } });
    await core.createNamespacedConfigMap({ namespace: 'apps1', body: { metadata: { name: 'w2' } } });
    await core.patchNamespacedConfigMap(
      { namespace: 'apps1', name: 'w1', body: { metadata: { labels: { watched: 'no' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await until('events', async () => events.length >= 2);
    request.abort();
    expect(events).toEqual(['ADDED w1', 'DELETED w1']);
  });

  it('loses no write when many clients apply and watch at once', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'apps1' });
    const added = new Set<string>();
    const watch = new k8s.Watch(kc);
    const request = await watch.watch(
      '/api/v1/namespaces/apps1/configmaps',
      { resourceVersion: list.metadata!.resourceVersion, labelSelector: 'load=yes' },
      (type, obj) => {
        if (type === 'ADDED') added.add(obj.metadata.name);
      },
      () => undefined,
    );
    await core.createNamespacedConfigMap({ namespace: 'apps1', body: { metadata: { name: 'shared' }, data: {} } });
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) =>
        core.createNamespacedConfigMap({ namespace: 'apps1', body: { metadata: { name: `load-${i}`, labels: { load: 'yes' } } } }),
      ),
      ...Array.from({ length: 20 }, (_, i) =>
        objects.patch(
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'apps1' }, data: { [`k${i}`]: String(i) } },
          undefined,
          undefined,
          `client-${i}`,
          false,
          k8s.PatchStrategy.ServerSideApply,
        ),
      ),
    ]);
    await until('all watch events', async () => added.size === 40);
    request.abort();
    expect(Object.keys((await core.readNamespacedConfigMap({ namespace: 'apps1', name: 'shared' })).data ?? {})).toHaveLength(20);
  });

  it('reports apply conflicts between field managers unless the apply forces', async () => {
    const cm = (value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned', namespace: 'apps1' }, data: { mode: value } });
    const apply = (manager: string, value: string, force: boolean) =>
      objects.patch(cm(value), undefined, undefined, manager, force, k8s.PatchStrategy.ServerSideApply);
    await apply('team-a', 'one', false);
    await expect(apply('team-b', 'two', false)).rejects.toMatchObject({ code: 409, body: expect.stringContaining('conflict with \\"team-a\\": .data.mode') });
    await apply('team-b', 'two', true);
    await expect(apply('team-a', 'one', false)).rejects.toMatchObject({ code: 409, body: expect.stringContaining('conflict with \\"team-b\\"') });
    await apply('team-b', 'two', false);
    expect((await core.readNamespacedConfigMap({ namespace: 'apps1', name: 'owned' })).data).toEqual({ mode: 'two' });
  });

  it('serves custom resources once their CRD is applied', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      },
    };
    await objects.create(crd);
    const established = await objects.read({ apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name: crd.metadata.name } });
    expect((established as any).status.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Established', status: 'True' })]));
    await objects.create({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'apps1' },
      spec: { size: 2 },
    } as k8s.KubernetesObject);
    expect(((await objects.list('example.com/v1', 'Widget', 'apps1')) as any).items.map((w: any) => w.spec.size)).toEqual([2]);
    await objects.delete({ apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name: crd.metadata.name } });
    expect((await raw('GET', '/apis/example.com/v1/namespaces/apps1/widgets')).status).toBe(404);
  });
});
