/**
 * The embedded cluster for the tests under harness/sim/ that drive it through
 * @kubernetes/client-node, as the harness does: a pass-through data plane (no mesh) that records
 * which pods it attached and detached, and a fixture app standing in for the echo app.
 * `useTestCluster()` starts one sim per test file and fills the bindings below.
 */
import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import type { DataPlane } from '../../mesh/types.js';
import { createPassthroughDataPlane, startSim, type SimCluster } from '../index.js';

const FIXTURE = fileURLToPath(new URL('../kubelet/__fixtures__/echo-fixture.mjs', import.meta.url));
export const IMAGE = 'localhost:5001/meshspec/echo:dev';

let sim: SimCluster;
export let kc: k8s.KubeConfig;
export let core: k8s.CoreV1Api;
export let apps: k8s.AppsV1Api;
export let objects: k8s.KubernetesObjectApi;
/** The app addresses each pod was attached with: the kubelet keeps their ports current. */
export const attached = new Map<string, { host: string; port: number }[]>();
export const detached: string[] = [];

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

export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP server on a loopback port, once that port is free. */
export function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A raw HTTPS request to the API server: for what client-node will not send (no token, broken bodies). */
export function raw(
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
  withToken = true,
): Promise<{ status: number; body: any }> {
  const user = kc.getCurrentUser()!;
  const cluster = kc.getCurrentCluster()!;
  const url = new URL(path, cluster.server);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method,
        ca: Buffer.from(cluster.caData!, 'base64'),
        headers: { ...(withToken ? { authorization: `Bearer ${user.token}` } : {}), ...headers },
      },
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

export function deployment(namespace: string, name: string, replicas: number, image = IMAGE): k8s.KubernetesObject & Record<string, unknown> {
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
          containers: [
            {
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
            },
          ],
        },
      },
    },
  };
}

export async function createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  await core.createNamespace({ body: { metadata: { name, labels } } });
}

export async function readyPods(namespace: string, app: string, count: number): Promise<k8s.V1Pod[]> {
  return until(`${count} ready ${app} pods`, async () => {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
    const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === count && pods.length === count && ready;
  });
}

/** Starts the sim before the file's tests and stops it after them. */
export function useTestCluster(): void {
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
}
