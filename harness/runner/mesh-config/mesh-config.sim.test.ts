/**
 * Config in effect on a running sim, through the same path as on kind: apply and delete steps
 * note the change, the wait reads the sim's istiod over a port-forward to its monitoring port.
 * The sim writes no status on Istio objects (Istio 1.24+ writes none), pushes only to the proxies
 * a change can reach, and refuses its debug endpoints to the API server's service proxy.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../istio/debug.js';
import { createKubeClients, createScenarioNamespace, parseManifests, waitForPods } from '../../kube/index.js';
import { readyWorkloadPod } from '../../kube/pods.js';
import { forwardFromPod } from '../../traffic/echo-pod.js';
import type { KubeClients } from '../../kube/types.js';
import { createDataPlane } from '../../mesh/index.js';
import { startSim, type SimCluster } from '../../sim/index.js';
import { simHandle, stepContextOn } from '../__tests__/sim.js';
import { applyAndRecord } from '../steps/apply/index.js';
import { deleteOperation } from '../steps/delete/index.js';
import type { StepContext } from '../types.js';
import { IstiodDebug } from './istiod.js';
import { MeshConfigTracker } from './index.js';

const client = (name: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - {name: app, image: meshspec/echo:dev, args: ["--service", "${name}"], ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 8080}]
`;
/** Every request to `name` answered with `status` by the caller's sidecar. */
const abort = (name: string, status: number) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}}
spec:
  hosts: [${name}]
  http:
  - fault: {abort: {httpStatus: ${status}, percentage: {value: 100}}}
    route: [{destination: {host: ${name}}}]
`;
const route = (name: string, extra = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}}
spec:
  hosts: [${name}]${extra}
  http:
  - route: [{destination: {host: ${name}}}]
`;

interface Mesh {
  sim: SimCluster;
  kube: KubeClients;
  tracker: MeshConfigTracker;
  context(namespace: string): StepContext;
  close(): Promise<void>;
}

async function startMesh(pushDelayMs?: number): Promise<Mesh> {
  const sim = await startSim({ istioProfile: 'demo', dataPlane: (host) => createDataPlane(host, { log: () => undefined, pushDelayMs }) });
  const cluster = simHandle(sim, 'run-mesh-config-test');
  const kube = createKubeClients(cluster);
  const tracker = new MeshConfigTracker(kube);
  return {
    sim,
    kube,
    tracker,
    context: (namespace) =>
      stepContextOn(cluster, kube, namespace, 20_000, { meshConfig: tracker, meshSynced: () => tracker.waitInEffect({ deadline: Date.now() + 20_000 }) }),
    close: async () => {
      await tracker.close();
      await sim.stop();
    },
  };
}

async function meshedNamespace(mesh: Mesh, name: string): Promise<string> {
  const namespace = await createScenarioNamespace(mesh.kube, { name, mesh: 'sidecar' }, 'run-mesh-config-test');
  await applyAndRecord(parseManifests(client(name), 'inline.yaml'), namespace, mesh.context(namespace));
  await waitForPods(mesh.kube, namespace, `app=${name}`, { ready: true, sidecar: true }, { deadline: Date.now() + 20_000 });
  return namespace;
}

/** The proxies' newest cluster nonce, as the sim's istiod reports it. */
async function clusterNonces(mesh: Mesh): Promise<Map<string, string | undefined>> {
  const istiod = new IstiodDebug(mesh.kube);
  try {
    const [pod] = await istiod.pods();
    const { body } = await istiod.get<SyncStatus[]>(pod!, '/debug/syncz');
    return new Map(body.map((p) => [p.proxy!, p.cluster_sent]));
  } finally {
    await istiod.close();
  }
}

describe('config in effect on sim', () => {
  let mesh: Mesh;
  let shop: string;
  let other: string;

  beforeAll(async () => {
    mesh = await startMesh();
    shop = await meshedNamespace(mesh, 'shop');
    other = await meshedNamespace(mesh, 'other');
  }, 60_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('ends once every proxy took the change up, and the VirtualService carries no status', async () => {
    const ctx = mesh.context(shop);
    await applyAndRecord(parseManifests(route('shop'), 'inline.yaml'), undefined, ctx);
    await ctx.meshSynced();
    await applyAndRecord(parseManifests(route('shop', '\n  gateways: [mesh]'), 'inline.yaml'), undefined, ctx);
    await ctx.meshSynced();
    const vs = (await mesh.kube.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: shop,
      plural: 'virtualservices',
      name: 'shop',
    })) as { metadata: { generation: number }; status?: unknown };
    expect(vs.metadata.generation).toBe(2);
    expect(vs.status).toBeUndefined();
  });

  it('does not wait for a proxy the change cannot reach, which istiod does not push to', async () => {
    // A Sidecar in "other" imports only its own namespace, and the route below is exported to "shop" only.
    const otherCtx = mesh.context(other);
    await applyAndRecord(
      parseManifests('apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default}\nspec:\n  egress: [{hosts: ["./*"]}]\n', 'inline.yaml'),
      undefined,
      otherCtx,
    );
    await otherCtx.meshSynced();
    const before = await clusterNonces(mesh);
    const ctx = mesh.context(shop);
    await applyAndRecord(parseManifests(route('local', '\n  exportTo: ["."]'), 'inline.yaml'), undefined, ctx);
    await ctx.meshSynced();
    const after = await clusterNonces(mesh);
    const otherProxy = [...after.keys()].find((id) => id.endsWith(`.${other}`))!;
    const shopProxy = [...after.keys()].find((id) => id.endsWith(`.${shop}`))!;
    expect(after.get(otherProxy)).toBe(before.get(otherProxy));
    expect(after.get(shopProxy)).not.toBe(before.get(shopProxy));
  });

  it("ends only once the change is in effect, while another namespace's changes keep istiod pushing", async () => {
    const shopCtx = mesh.context(shop);
    const otherCtx = mesh.context(other);
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        await applyAndRecord(parseManifests(abort('other', 500 + (i % 50)), 'inline.yaml'), undefined, otherCtx);
        await new Promise((resolve) => setTimeout(resolve, 20 + (i % 4) * 20));
      }
    })();
    try {
      const pod = await readyWorkloadPod(mesh.kube, shop, 'shop');
      for (let i = 0; i < 15; i++) {
        const status = 400 + i;
        await applyAndRecord(parseManifests(abort('shop', status), 'inline.yaml'), undefined, shopCtx);
        await shopCtx.meshSynced();
        const { results } = await forwardFromPod(mesh.kube, pod, { url: 'http://shop:8080/', count: 1 });
        expect(results[0]!.status).toBe(status);
      }
    } finally {
      churning = false;
      await churn;
    }
  });

  it('ends after a deletion once istiod no longer holds the object and the proxies were pushed', async () => {
    const ctx = mesh.context(shop);
    await deleteOperation.exec({ delete: 'virtualservice/shop' }, ctx);
    await ctx.meshSynced();
  });

  it("does not serve its debug endpoints through the API server's service proxy: istiod answers 401 to callers not on localhost", async () => {
    const response = await mesh.kube.core
      .connectGetNamespacedServiceProxyWithPath({ name: 'istiod:15014', namespace: 'istio-system', path: 'debug/syncz' })
      .catch((error: { code?: number }) => error);
    expect((response as { code?: number }).code).toBe(401);
  });
});

describe('config in effect on sim, with the push held back', () => {
  let mesh: Mesh;
  let shop: string;

  beforeAll(async () => {
    mesh = await startMesh(600_000);
    shop = await meshedNamespace(mesh, 'held');
  }, 60_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('times out naming each proxy that istiod has not pushed the change to', async () => {
    const ctx = mesh.context(shop);
    await applyAndRecord(parseManifests(route('held'), 'inline.yaml'), undefined, ctx);
    const error = await mesh.tracker.waitInEffect({ deadline: Date.now() + 1_500 }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^timed out after \d+\.\ds waiting for the mesh to put 1 change\(s\) into effect; last seen: 1 not in effect yet: VirtualService\/held in namespace held-\w+: \d+ proxy\(ies\) behind: /,
    );
    expect(message).toMatch(
      new RegExp(`held-[\\w-]+\\.${shop} \\(istiod istiod-[\\w-]+\\) has had neither a push nor a new scope from istiod since the change`),
    );
    expect(message).toMatch(/istio-ingressgateway-[\w-]+\.istio-system \(istiod istiod-[\w-]+\) has had no push from istiod since the change/);
    expect(message).toMatch(/If the mesh needs longer to take the change up, set timeout: on the step \(or the scenario\)$/);
  });
});
