/** A namespace in the emulated mesh: istiod's validation, sidecar injection by namespace label, and deletion with its contents. */
import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { core, apps, objects, detached, until, deployment, createNamespace, readyPods, useTestCluster } from './__tests__/cluster.js';

useTestCluster();
// The invalid route is created outside the meshed namespace.
beforeAll(() => createNamespace('apps1'));

describe('a meshed namespace on the embedded cluster', () => {
  it('validates Istio objects like istiod and injects sidecars per namespace label', async () => {
    const badRoute = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'r', namespace: 'apps1' },
      spec: {
        hosts: ['web'],
        http: [
          {
            route: [
              { destination: { host: 'web', subset: 'v1' }, weight: 50 },
              { destination: { host: 'web', subset: 'v2' }, weight: 40 },
            ],
          },
        ],
      },
    };
    await expect(objects.create(badRoute)).rejects.toMatchObject({ code: 422, body: expect.stringContaining('total destination weight 90 != 100') });
    await createNamespace('meshed', { 'istio-injection': 'enabled' });
    await core.createNamespacedConfigMap({ namespace: 'meshed', body: { metadata: { name: 'settings' }, data: { greeting: 'hi' } } });
    await objects.patch(deployment('meshed', 'web', 1), undefined, undefined, 'meshspec-test', true, k8s.PatchStrategy.ServerSideApply);
    const [pod] = await readyPods('meshed', 'web', 1);
    expect(pod.spec!.containers.map((c) => c.name)).toEqual(['app', 'istio-proxy']);
    expect(pod.metadata!.annotations!['sidecar.istio.io/status']).toBeTruthy();
    expect(pod.status!.containerStatuses!.every((c) => c.ready)).toBe(true);
  });

  it('deletes a namespace with its contents and stops its processes', async () => {
    const pods = (await core.listNamespacedPod({ namespace: 'meshed' })).items.map((p) => `meshed/${p.metadata!.name}`);
    const terminating = await core.deleteNamespace({ name: 'meshed' });
    expect((terminating as k8s.V1Namespace).status?.phase).toBe('Terminating');
    await until('namespace gone', () =>
      core.readNamespace({ name: 'meshed' }).then(
        () => false,
        (error) => error.code === 404,
      ),
    );
    expect((await apps.listDeploymentForAllNamespaces({ fieldSelector: 'metadata.namespace=meshed' })).items).toEqual([]);
    await until('pods detached', async () => pods.every((p) => detached.includes(p)));
    await expect(core.deleteNamespace({ name: 'default' })).rejects.toMatchObject({ code: 403 });
  });
});
