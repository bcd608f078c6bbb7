/** A namespace in the emulated mesh: istiod's validation, sidecar injection by namespace label, and deletion with its contents. */
import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ISTIO_VERSION } from '../istio/releases.js';
import { core, apps, objects, detached, until, deployment, createNamespace, readyPods, useTestCluster } from './__tests__/cluster.js';

useTestCluster();
// The invalid route is created outside the meshed namespace.
beforeAll(() => createNamespace('apps1'));

describe('a meshed namespace on the embedded cluster', () => {
  it("checks Istio objects against their CRD schema, then as istiod's webhook, and injects native sidecars per namespace label", async () => {
    const route = (weights: number[], destination: Record<string, unknown> = { host: 'web' }) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: `r${weights.join('-')}`, namespace: 'apps1' },
      spec: { hosts: ['web'], http: [{ route: weights.map((weight, i) => ({ destination: { ...destination, subset: `v${i}` }, weight })) }] },
    });
    await objects.create(route([90, 20]));
    // kubernetes/apiserver@v0.36.3 statuserror.go: a webhook denial without a code is a 400.
    await expect(objects.create(route([0, 0]))).rejects.toMatchObject({
      code: 400,
      body: expect.stringContaining(
        '"message":"admission webhook \\"validation.istio.io\\" denied the request: configuration is invalid: total destination weight = 0"',
      ),
    });
    await expect(objects.create(route([1], {}))).rejects.toMatchObject({
      code: 422,
      body: expect.stringContaining('VirtualService.networking.istio.io \\"r1\\" is invalid: spec.http[0].route[0].destination.host: Required value'),
    });
    await createNamespace('meshed', { 'istio-injection': 'enabled' });
    await core.createNamespacedConfigMap({ namespace: 'meshed', body: { metadata: { name: 'settings' }, data: { greeting: 'hi' } } });
    await objects.patch(deployment('meshed', 'web', 1), undefined, undefined, 'meshspec-test', true, k8s.PatchStrategy.ServerSideApply);
    const [pod] = await readyPods('meshed', 'web', 1);
    // The node's kubelet is >= 1.33 and istiod runs with ENABLE_NATIVE_SIDECARS unset (auto): native, as on kind.
    expect(pod.spec!.containers.map((c) => c.name)).toEqual(['app']);
    expect(pod.spec!.initContainers!.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['istio-init', undefined],
      ['istio-proxy', 'Always'],
    ]);
    expect(pod.spec!.initContainers![1].image).toBe(`docker.io/istio/proxyv2:${DEFAULT_ISTIO_VERSION}`);
    expect(pod.metadata!.labels!['service.istio.io/canonical-name']).toBe('web');
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
