/**
 * The embedded cluster end to end through @kubernetes/client-node, as the harness uses it: a
 * pass-through data plane (no mesh) and a fixture app standing in for the echo app.
 */
import { request } from 'node:https';
import { connect, createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataPlane } from '../mesh/types.js';
import { createPassthroughDataPlane, startSim, type SimCluster } from './index.js';

const FIXTURE = fileURLToPath(new URL('./kubelet/__fixtures__/echo-fixture.mjs', import.meta.url));
const IMAGE = 'localhost:5001/meshspec/echo:dev';

let sim: SimCluster;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let objects: k8s.KubernetesObjectApi;
/** The app addresses each pod was attached with: the kubelet keeps their ports current. */
const attached = new Map<string, { host: string; port: number }[]>();
const detached: string[] = [];

/** The pass-through data plane, recording which app addresses each pod got and which pods were detached. */
function recordingDataPlane(host: Parameters<typeof createPassthroughDataPlane>[0]): DataPlane {
  const inner = createPassthroughDataPlane(host);
  return {
    ...inner,
    async attachPod(attachment) {
      attached.set(`${attachment.pod.metadata.namespace}/${attachment.pod.metadata.name}`, [...attachment.appPorts.values()]);
      return inner.attachPod(attachment);
    },
    async detachPod(namespace, name) {
      detached.push(`${namespace}/${name}`);
      return inner.detachPod(namespace, name);
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP server on a loopback port, once that port is free. */
function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A raw HTTPS request to the API server: for what client-node will not send (no token, broken bodies). */
function raw(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}, withToken = true): Promise<{ status: number; body: any }> {
  const user = kc.getCurrentUser()!;
  const cluster = kc.getCurrentCluster()!;
  const url = new URL(path, cluster.server);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, ca: Buffer.from(cluster.caData!, 'base64'), headers: { ...(withToken ? { authorization: `Bearer ${user.token}` } : {}), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text.startsWith('{') ? JSON.parse(text) : text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function deployment(namespace: string, name: string, replicas: number, image = IMAGE): k8s.KubernetesObject & Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, version: 'v1' } },
        spec: {
          containers: [{
            name: 'app',
            image,
            args: ['--version', '$(VERSION)'],
            ports: [{ containerPort: 8080, name: 'http' }],
            env: [
              { name: 'VERSION', value: 'v1' },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'MY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
            ],
          }],
        },
      },
    },
  };
}

async function createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  await core.createNamespace({ body: { metadata: { name, labels } } });
}

async function readyPods(namespace: string, app: string, count: number): Promise<k8s.V1Pod[]> {
  return until(`${count} ready ${app} pods`, async () => {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
    const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === count && pods.length === count && ready;
  });
}

beforeAll(async () => {
  sim = await startSim({ istioProfile: 'demo', echoEntry: FIXTURE, dataPlane: recordingDataPlane });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
});

afterAll(async () => {
  await sim?.stop();
});

describe('the embedded cluster', () => {
  it('serves version and discovery with short names and subresources, and answers 401 without the token', async () => {
    expect((await raw('GET', '/version')).body.gitVersion).toMatch(/^v1\.32/);
    const v1 = (await raw('GET', '/api/v1')).body;
    const pods = v1.resources.find((r: any) => r.name === 'pods');
    expect(pods).toMatchObject({ namespaced: true, kind: 'Pod', shortNames: ['po'] });
    expect(v1.resources.map((r: any) => r.name)).toEqual(expect.arrayContaining(['pods/log', 'pods/proxy', 'services/proxy', 'namespaces']));
    const networking = (await raw('GET', '/apis/networking.istio.io/v1beta1')).body;
    expect(networking.resources.find((r: any) => r.name === 'virtualservices')).toMatchObject({ shortNames: ['vs'], namespaced: true });
    const denied = await raw('GET', '/api/v1/namespaces', undefined, {}, false);
    expect(denied).toMatchObject({ status: 401, body: { kind: 'Status', reason: 'Unauthorized', code: 401 } });
  });

  it('runs a Deployment as ready processes with env resolved, endpoints, proxy and logs', async () => {
    await createNamespace('apps1');
    await core.createNamespacedConfigMap({ namespace: 'apps1', body: { metadata: { name: 'settings' }, data: { greeting: 'hello' } } });
    await objects.patch(deployment('apps1', 'web', 2), undefined, undefined, 'meshspec-test', true, k8s.PatchStrategy.ServerSideApply);
    await core.createNamespacedService({ namespace: 'apps1', body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } });
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
    const viaPod = await raw('POST', `/api/v1/namespaces/apps1/pods/${name}:8080/proxy/some/path?q=1`, 'payload', { 'content-type': 'text/plain', 'x-custom': 'yes' });
    expect(viaPod.body).toMatchObject({ pod: name, namespace: 'apps1', method: 'POST', path: '/some/path', query: '?q=1', body: 'payload', args: ['--version', 'v1'] });
    expect(viaPod.body.headers['x-custom']).toBe('yes');
    expect(viaPod.body.headers.authorization).toBeUndefined();
    // What the manifest asks for, and the hostname the runtime exports; no POD_IP of the sim's own.
    expect(viaPod.body.env).toEqual({ VERSION: 'v1', MY_POD_IP: pods[0].status!.podIP, FROM_CM: 'hello', HOSTNAME: name });
    const viaService = await raw('GET', '/api/v1/namespaces/apps1/services/web:http/proxy/');
    expect(['apps1']).toContain(viaService.body.namespace);
    const log = await core.readNamespacedPodLog({ namespace: 'apps1', name, tailLines: 1 });
    expect(log).toBe(`fixture listening on ${attached.get(`apps1/${name}`)![0].port} as ${name}\n`);
  });

  it('serves NodePorts on this machine, allocating ports that are free here, and warns about one in use', async () => {
    await core.createNamespacedService({ namespace: 'apps1', body: { metadata: { name: 'web-node' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } });
    const nodePort = (await core.readNamespacedService({ namespace: 'apps1', name: 'web-node' })).spec!.ports![0].nodePort!;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    const node = await core.readNode({ name: 'meshspec-sim' });
    expect(node.status!.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    const answer = await (await fetch(`http://127.0.0.1:${nodePort}/via-node-port`)).json();
    expect(answer).toMatchObject({ namespace: 'apps1', path: '/via-node-port' });

    let squatter: Server | undefined;
    let taken = 0;
    while (!squatter) squatter = await listenOn((taken = 30000 + Math.floor(Math.random() * 2768)));
    try {
      await core.createNamespacedService({ namespace: 'apps1', body: { metadata: { name: 'web-taken' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', nodePort: taken }] } } });
      const warning = await until('NodePortUnavailable event', async () =>
        (await core.listNamespacedEvent({ namespace: 'apps1', fieldSelector: 'involvedObject.name=web-taken' })).items.find((e) => e.reason === 'NodePortUnavailable'));
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
    // Another process takes the old port while the container is in back-off, as a data-plane
    // listener once did (EADDRINUSE crash loop): the restart must come up elsewhere.
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
    await until('old process gone', () => new Promise<boolean>((resolve) => {
      const socket = connect(oldPort, '127.0.0.1');
      socket.on('connect', () => (socket.destroy(), resolve(false)));
      socket.on('error', () => resolve(true));
    }));
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
    expect((await raw('POST', '/api/v1/namespaces/apps1/configmaps', '{"metadata":', { 'content-type': 'application/json' })).body).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect((await raw('POST', '/api/v1/namespaces/apps1/configmaps', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { 'content-type': 'application/json' })).body.message).toMatch(/not valid UTF-8/);
    expect((await raw('POST', '/api/v1/namespaces/apps1/configmaps', 'x'.repeat(3 * 1024 * 1024 + 1), { 'content-type': 'application/json' })).status).toBe(413);
    expect((await raw('POST', '/api/v1/namespaces/apps1/configmaps', '{}', { 'content-type': 'application/vnd.kubernetes.protobuf' })).body).toMatchObject({ code: 400, message: 'the protobuf request body is malformed' });
    expect((await raw('PATCH', '/api/v1/namespaces/apps1/configmaps/c1', '{}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await raw('GET', '/api/v1/pods?labelSelector=bad%20key%3Dx')).status).toBe(400);
    const malformed = [
      ['/api/v1/namespaces/apps1/pods', { metadata: { name: 'p', labels: 'x' }, spec: { containers: [{ name: 'c', image: 'i' }] } }, 'metadata.labels'],
      ['/api/v1/namespaces/apps1/pods', { metadata: { name: 'p' }, spec: { containers: 7 } }, 'spec.containers'],
      ['/api/v1/namespaces/apps1/pods', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: IMAGE, args: 'x', env: [{}] }] } }, 'spec.containers[0].args'],
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
    expect((await raw('POST', '/api/v1/namespaces/apps1/configmaps', '[1,2]', { 'content-type': 'application/json' })).body).toMatchObject({ code: 400, message: 'the request body must be a ConfigMap object' });
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
    await core.patchNamespacedConfigMap({ namespace: 'apps1', name: 'w1', body: { metadata: { labels: { watched: 'no' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await until('events', async () => events.length >= 2);
    request.abort();
    expect(events).toEqual(['ADDED w1', 'DELETED w1']);
  });

  it('loses no write when many clients apply and watch at once', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'apps1' });
    const added = new Set<string>();
    const watch = new k8s.Watch(kc);
    const request = await watch.watch('/api/v1/namespaces/apps1/configmaps', { resourceVersion: list.metadata!.resourceVersion, labelSelector: 'load=yes' }, (type, obj) => {
      if (type === 'ADDED') added.add(obj.metadata.name);
    }, () => undefined);
    await core.createNamespacedConfigMap({ namespace: 'apps1', body: { metadata: { name: 'shared' }, data: {} } });
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => core.createNamespacedConfigMap({ namespace: 'apps1', body: { metadata: { name: `load-${i}`, labels: { load: 'yes' } } } })),
      ...Array.from({ length: 20 }, (_, i) =>
        objects.patch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'apps1' }, data: { [`k${i}`]: String(i) } }, undefined, undefined, `client-${i}`, false, k8s.PatchStrategy.ServerSideApply)),
    ]);
    await until('all watch events', async () => added.size === 40);
    request.abort();
    expect(Object.keys((await core.readNamespacedConfigMap({ namespace: 'apps1', name: 'shared' })).data ?? {})).toHaveLength(20);
  });

  it('reports apply conflicts between field managers unless the apply forces', async () => {
    const cm = (value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned', namespace: 'apps1' }, data: { mode: value } });
    const apply = (manager: string, value: string, force: boolean) => objects.patch(cm(value), undefined, undefined, manager, force, k8s.PatchStrategy.ServerSideApply);
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
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
    };
    await objects.create(crd);
    const established = await objects.read({ apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name: crd.metadata.name } });
    expect((established as any).status.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Established', status: 'True' })]));
    await objects.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'apps1' }, spec: { size: 2 } } as k8s.KubernetesObject);
    expect(((await objects.list('example.com/v1', 'Widget', 'apps1')) as any).items.map((w: any) => w.spec.size)).toEqual([2]);
    await objects.delete({ apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name: crd.metadata.name } });
    expect((await raw('GET', '/apis/example.com/v1/namespaces/apps1/widgets')).status).toBe(404);
  });

  it('validates Istio objects like istiod and injects sidecars per namespace label', async () => {
    const badRoute = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'apps1' }, spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web', subset: 'v1' }, weight: 50 }, { destination: { host: 'web', subset: 'v2' }, weight: 40 }] }] } };
    await expect(objects.create(badRoute)).rejects.toMatchObject({ code: 422, body: expect.stringContaining('total destination weight 90 != 100') });
    await createNamespace('meshed', { 'istio-injection': 'enabled' });
    await core.createNamespacedConfigMap({ namespace: 'meshed', body: { metadata: { name: 'settings' }, data: { greeting: 'hi' } } });
    await objects.patch(deployment('meshed', 'web', 1), undefined, undefined, 'meshspec-test', true, k8s.PatchStrategy.ServerSideApply);
    const [pod] = await readyPods('meshed', 'web', 1);
    expect(pod.spec!.containers.map((c) => c.name)).toEqual(['app', 'istio-proxy']);
    expect(pod.metadata!.annotations!['sidecar.istio.io/status']).toBeTruthy();
    expect(pod.status!.containerStatuses!.every((c) => c.ready)).toBe(true);
  });

  it('keeps a pod with an image it cannot run Pending, with an event that suggests the kind provider', async () => {
    await core.createNamespacedPod({ namespace: 'apps1', body: { metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } });
    const event = await until('warning event', async () => (await core.listNamespacedEvent({ namespace: 'apps1', fieldSelector: 'involvedObject.name=nginx' })).items.find((e) => e.type === 'Warning'));
    expect(event.message).toMatch(/cannot run image "nginx:1\.27".*--provider kind/);
    expect((await core.readNamespacedPod({ namespace: 'apps1', name: 'nginx' })).status!.phase).toBe('Pending');
  });

  it('deletes a pod gracefully: marked with its grace period, SIGTERM, SIGKILL when the grace period is over, then gone', async () => {
    const pod = (name: string, env: Record<string, string>) => ({
      metadata: { name },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: IMAGE, env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }] },
    });
    await core.createNamespacedPod({ namespace: 'apps1', body: pod('polite', {}) });
    await core.createNamespacedPod({ namespace: 'apps1', body: pod('stubborn', { IGNORE_SIGTERM: '1' }) });
    // Ready: their SIGTERM handlers are installed.
    await until('both ready', async () => (await core.listNamespacedPod({ namespace: 'apps1' })).items.filter((p) => ['polite', 'stubborn'].includes(p.metadata!.name!) && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 2);
    const exits = new Map<string, number | undefined>();
    const watch = await new k8s.Watch(kc).watch('/api/v1/namespaces/apps1/pods', {}, (type, obj: k8s.V1Pod) => {
      const name = obj.metadata!.name!;
      if (!['polite', 'stubborn'].includes(name)) return;
      if (type === 'MODIFIED' && obj.status?.containerStatuses?.[0]?.state?.terminated) exits.set(name, obj.status.containerStatuses[0].state.terminated.exitCode);
      if (type === 'DELETED') exits.set(`${name} DELETED`, 0);
    }, () => undefined);
    try {
      const marked = await core.deleteNamespacedPod({ namespace: 'apps1', name: 'stubborn' });
      expect(marked.metadata).toMatchObject({ deletionGracePeriodSeconds: 1, deletionTimestamp: expect.anything() });
      expect((await core.readNamespacedPod({ namespace: 'apps1', name: 'stubborn' })).metadata!.deletionTimestamp).toBeTruthy();
      await core.deleteNamespacedPod({ namespace: 'apps1', name: 'polite' });
      await until('both gone', async () => exits.has('polite DELETED') && exits.has('stubborn DELETED'));
      // The polite one stopped on SIGTERM (exit 0); the stubborn one was killed (128 + SIGKILL).
      expect(exits.get('polite')).toBe(0);
      expect(exits.get('stubborn')).toBe(137);
      const killing = (await core.listNamespacedEvent({ namespace: 'apps1', fieldSelector: 'involvedObject.name=stubborn' })).items.find((e) => e.reason === 'Killing');
      expect(killing?.message).toBe('Stopping container app');
    } finally {
      watch.abort();
    }
  });

  it('deletes a namespace with its contents and stops its processes', async () => {
    const pods = (await core.listNamespacedPod({ namespace: 'meshed' })).items.map((p) => `meshed/${p.metadata!.name}`);
    const terminating = await core.deleteNamespace({ name: 'meshed' });
    expect((terminating as k8s.V1Namespace).status?.phase).toBe('Terminating');
    await until('namespace gone', () => core.readNamespace({ name: 'meshed' }).then(() => false, (error) => error.code === 404));
    expect((await apps.listDeploymentForAllNamespaces({ fieldSelector: 'metadata.namespace=meshed' })).items).toEqual([]);
    await until('pods detached', async () => pods.every((p) => detached.includes(p)));
    await expect(core.deleteNamespace({ name: 'default' })).rejects.toMatchObject({ code: 403 });
  });
});
