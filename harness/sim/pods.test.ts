/** Workloads on the sim: pods run as processes, with endpoints, proxies, logs, NodePorts, restarts, rollouts and graceful deletion. */
import { connect, type Server } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  IMAGE,
  kc,
  core,
  apps,
  objects,
  attached,
  detached,
  until,
  listenOn,
  raw,
  deployment,
  createNamespace,
  readyPods,
  useTestCluster,
} from './__tests__/cluster.js';

useTestCluster();

describe('pods on the embedded cluster', () => {
  it('runs a Deployment as ready processes with env resolved, endpoints, proxy and logs', async () => {
    await createNamespace('apps1');
    await core.createNamespacedConfigMap({ namespace: 'apps1', body: { metadata: { name: 'settings' }, data: { greeting: 'hello' } } });
    await objects.patch(deployment('apps1', 'web', 2), undefined, undefined, 'meshspec-test', true, k8s.PatchStrategy.ServerSideApply);
    await core.createNamespacedService({
      namespace: 'apps1',
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    });
    const pods = await readyPods('apps1', 'web', 2);
    expect(pods[0].metadata!.name).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}$/);
    expect(pods[0].metadata!.labels!['pod-template-hash']).toBeTruthy();
    expect(pods[0].status!.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    const deploy = await until('deployment available', async () => {
      const d = await apps.readNamespacedDeployment({ namespace: 'apps1', name: 'web' });
      return d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') && d.status?.readyReplicas === 2 && d;
    });
    expect(deploy.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    const endpoints = await until('endpoints', async () => {
      const ep = await core.readNamespacedEndpoints({ namespace: 'apps1', name: 'web' });
      return ep.subsets?.[0]?.addresses?.length === 2 && ep;
    });
    expect(endpoints.subsets![0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);

    const name = pods[0].metadata!.name!;
    const viaPod = await raw('POST', `/api/v1/namespaces/apps1/pods/${name}:8080/proxy/some/path?q=1`, 'payload', {
      'content-type': 'text/plain',
      'x-custom': 'yes',
    });
    expect(viaPod.body).toMatchObject({
      pod: name,
      namespace: 'apps1',
      method: 'POST',
      path: '/some/path',
      query: '?q=1',
      body: 'payload',
      args: ['--version', 'v1'],
    });
    expect(viaPod.body.headers['x-custom']).toBe('yes');
    expect(viaPod.body.headers.authorization).toBeUndefined();
    // What the manifest asks for, and the hostname the runtime exports; no POD_IP of the sim's own.
    expect(viaPod.body.env).toEqual({ VERSION: 'v1', MY_POD_IP: pods[0].status!.podIP, FROM_CM: 'hello', HOSTNAME: name });
    // strategy.go ResourceLocation dials PORT as given: a container port's name is not looked up on the pod.
    const namedPort = await raw('GET', `/api/v1/namespaces/apps1/pods/${name}:web/proxy/`);
    expect(namedPort).toMatchObject({
      status: 503,
      body: { message: 'error trying to reach service: dial tcp: lookup tcp/web: unknown port', reason: 'ServiceUnavailable' },
    });
    const viaService = await raw('GET', '/api/v1/namespaces/apps1/services/web:http/proxy/');
    expect(['apps1']).toContain(viaService.body.namespace);
    const log = await core.readNamespacedPodLog({ namespace: 'apps1', name, tailLines: 1 });
    expect(log).toBe(`fixture listening on ${attached.get(`apps1/${name}`)![0].port} as ${name}\n`);
  });

  it('serves NodePorts on this machine, allocating ports that are free here, and warns about one in use', async () => {
    await core.createNamespacedService({
      namespace: 'apps1',
      body: { metadata: { name: 'web-node' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    });
    const nodePort = (await core.readNamespacedService({ namespace: 'apps1', name: 'web-node' })).spec!.ports![0].nodePort!;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    const node = await core.readNode({ name: 'meshspec-sim' });
    expect(node.status!.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    const answer = await (await fetch(`http://127.0.0.1:${nodePort}/via-node-port`)).json();
    expect(answer).toMatchObject({ namespace: 'apps1', path: '/via-node-port' });

    let squatter: Server | undefined;
    let taken = 0;
    while (!squatter) {
      taken = 30000 + Math.floor(Math.random() * 2768);
      squatter = await listenOn(taken);
    }
    try {
      await core.createNamespacedService({
        namespace: 'apps1',
        body: {
          metadata: { name: 'web-taken' },
          spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', nodePort: taken }] },
        },
      });
      const warning = await until('NodePortUnavailable event', async () =>
        (await core.listNamespacedEvent({ namespace: 'apps1', fieldSelector: 'involvedObject.name=web-taken' })).items.find(
          (e) => e.reason === 'NodePortUnavailable',
        ),
      );
      expect(warning.message).toContain(`nodePort ${taken} of Service apps1/web-taken is in use on this machine`);
    } finally {
      squatter.close();
    }
  });

  it('restarts a container whose process exits, counting restarts and keeping the previous log', async () => {
    const [pod] = await readyPods('apps1', 'web', 2);
    const name = pod.metadata!.name!;
    const address = attached.get(`apps1/${name}`)![0];
    const oldPort = address.port;
    await raw('GET', `/api/v1/namespaces/apps1/pods/${name}/proxy/exit?code=3`);
    // Another process (e.g. a data-plane listener) may take the old port while the container is
    // in back-off: the restart must come up on another port, not crash-loop on EADDRINUSE.
    const squatter = await until('the old port', () => listenOn(oldPort));
    try {
      const restarted = await until('restart', async () => {
        const p = await core.readNamespacedPod({ namespace: 'apps1', name });
        const status = p.status?.containerStatuses?.[0];
        return status?.restartCount === 1 && status.ready && status;
      });
      expect(restarted.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
      expect(address.port).not.toBe(oldPort);
      const viaPod = await raw('GET', `/api/v1/namespaces/apps1/pods/${name}:8080/proxy/after-restart`);
      expect(viaPod).toMatchObject({ status: 200, body: { pod: name, path: '/after-restart' } });
    } finally {
      squatter.close();
    }
    const previous = await core.readNamespacedPodLog({ namespace: 'apps1', name, previous: true });
    expect(previous).toContain(`fixture listening on ${oldPort}`);
  });

  it('rolls out a template change and scales down, stopping removed pods', async () => {
    const before = (await readyPods('apps1', 'web', 2)).map((p) => p.metadata!.name);
    const oldPort = attached.get(`apps1/${before[0]}`)![0].port;
    await apps.patchNamespacedDeployment(
      { namespace: 'apps1', name: 'web', body: { spec: { replicas: 1, template: { metadata: { labels: { app: 'web', version: 'v2' } } } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const after = await until('rollout', async () => {
      const pods = await readyPods('apps1', 'web', 1);
      return pods[0].metadata!.labels!.version === 'v2' && pods;
    });
    expect(before).not.toContain(after[0].metadata!.name);
    await until('old pods detached', async () => before.every((n) => detached.includes(`apps1/${n}`)));
    await until(
      'old process gone',
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(oldPort, '127.0.0.1');
          socket.on('connect', () => {
            socket.destroy();
            resolve(false);
          });
          socket.on('error', () => resolve(true));
        }),
    );
    const rs = await apps.listNamespacedReplicaSet({ namespace: 'apps1' });
    expect(rs.items.map((r) => r.spec!.replicas).sort()).toEqual([0, 1]);
  });

  it('follows a container log until its pod is deleted', async () => {
    const [pod] = await readyPods('apps1', 'web', 1);
    const name = pod.metadata!.name!;
    const followed = raw('GET', `/api/v1/namespaces/apps1/pods/${name}/log?follow=true`);
    await new Promise((r) => setTimeout(r, 100));
    await core.deleteNamespacedPod({ namespace: 'apps1', name });
    expect((await followed).body).toContain(`as ${name}`);
  });

  it('keeps a pod with an image it cannot run Pending, with an event that suggests the kind provider', async () => {
    await core.createNamespacedPod({
      namespace: 'apps1',
      body: { metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
    });
    const event = await until('warning event', async () =>
      (await core.listNamespacedEvent({ namespace: 'apps1', fieldSelector: 'involvedObject.name=nginx' })).items.find((e) => e.type === 'Warning'),
    );
    expect(event.message).toMatch(/cannot run image "nginx:1\.27".*--provider kind/);
    expect((await core.readNamespacedPod({ namespace: 'apps1', name: 'nginx' })).status!.phase).toBe('Pending');
  });

  it('deletes a pod gracefully: marked with its grace period, SIGTERM, SIGKILL when the grace period is over, then gone', async () => {
    const pod = (name: string, env: Record<string, string>) => ({
      metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'app', image: IMAGE, env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }],
      },
    });
    await core.createNamespacedPod({ namespace: 'apps1', body: pod('polite', {}) });
    await core.createNamespacedPod({ namespace: 'apps1', body: pod('stubborn', { IGNORE_SIGTERM: '1' }) });
    // Ready: their SIGTERM handlers are installed.
    await until(
      'both ready',
      async () =>
        (await core.listNamespacedPod({ namespace: 'apps1' })).items.filter(
          (p) => ['polite', 'stubborn'].includes(p.metadata!.name!) && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length === 2,
    );
    const exits = new Map<string, number | undefined>();
    const watch = await new k8s.Watch(kc).watch(
      '/api/v1/namespaces/apps1/pods',
      {},
      (type, obj: k8s.V1Pod) => {
        const name = obj.metadata!.name!;
        if (!['polite', 'stubborn'].includes(name)) return;
        if (type === 'MODIFIED' && obj.status?.containerStatuses?.[0]?.state?.terminated)
          exits.set(name, obj.status.containerStatuses[0].state.terminated.exitCode);
        if (type === 'DELETED') exits.set(`${name} DELETED`, 0);
      },
      () => undefined,
    );
    try {
      const marked = await core.deleteNamespacedPod({ namespace: 'apps1', name: 'stubborn' });
      expect(marked.metadata).toMatchObject({ deletionGracePeriodSeconds: 1, deletionTimestamp: expect.anything() });
      expect((await core.readNamespacedPod({ namespace: 'apps1', name: 'stubborn' })).metadata!.deletionTimestamp).toBeTruthy();
      await core.deleteNamespacedPod({ namespace: 'apps1', name: 'polite' });
      await until('both gone', async () => exits.has('polite DELETED') && exits.has('stubborn DELETED'));
      // The polite one stopped on SIGTERM (exit 0); the stubborn one was killed (128 + SIGKILL).
      expect(exits.get('polite')).toBe(0);
      expect(exits.get('stubborn')).toBe(137);
      const killing = (await core.listNamespacedEvent({ namespace: 'apps1', fieldSelector: 'involvedObject.name=stubborn' })).items.find(
        (e) => e.reason === 'Killing',
      );
      expect(killing?.message).toBe('Stopping container app');
    } finally {
      watch.abort();
    }
  });
});
