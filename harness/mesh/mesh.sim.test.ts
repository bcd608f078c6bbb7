/**
 * The issue's "done when", on the embedded cluster with this data plane: echo pods started by
 * the sim's kubelet with injected sidecars, Istio objects applied through the API server and
 * waited for through the sim's istiod debug endpoints (the runner's config-in-effect wait), traffic sent from a pod through the API server's
 * pod proxy, and the ingress reached on the host port the sim reports.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_PORT, type ForwardRequest, type ForwardedResult } from '../../apps/echo/src/protocol.js';
import { applyManifests } from '../kube/apply.js';
import { createKubeClients } from '../kube/clients.js';
import { parseManifests } from '../kube/manifests.js';
import { createScenarioNamespace } from '../kube/namespaces.js';
import { waitForPods } from '../kube/waits/index.js';
import type { KubeClients } from '../kube/types.js';
import { EXTERNAL_HOST, startSim, type SimCluster } from '../sim/index.js';
import { readyWorkloadPod } from '../kube/pods.js';
import { forwardFromPod, requestLogOf } from '../traffic/echo-pod.js';
import { MeshConfigTracker } from '../runner/mesh-config/index.js';
import { createDataPlane } from './index.js';

const RUN_ID = 'mesh-sim-test';
const appDir = fileURLToPath(new URL('../../apps/echo/', import.meta.url));
const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

let buildDir: string;
let sim: SimCluster;
let kube: KubeClients;
let namespace: string;
let client: V1Pod;
let meshConfig: MeshConfigTracker;

/** An echo Deployment as manifests/ writes them: downward API env, and the control port out of inbound capture unless `captured`. */
const echo = (name: string, app: string, version: string, extraArgs: string[] = [], options: { captured?: boolean; injected?: boolean } = {}) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${app}, version: ${version}}}
  template:
    metadata:
      labels: {app: ${app}, version: ${version}${options.injected === false ? ', sidecar.istio.io/inject: "false"' : ''}}
      ${options.captured ? '' : `annotations: {traffic.sidecar.istio.io/excludeInboundPorts: "${CONTROL_PORT}"}`}
    spec:
      containers:
      - name: echo
        image: meshspec/echo
        args: [--service, ${app}, --version, ${version}${extraArgs.map((a) => `, "${a}"`).join('')}]
        ports: [{name: http, containerPort: 8080}]
        env:
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
---
`;
const service = (name: string) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 8080, targetPort: 8080}]
---
`;

async function apply(yaml: string, into = namespace): Promise<void> {
  const deadline = Date.now() + 30_000;
  const manifests = parseManifests(yaml, 'inline.yaml');
  const noted = await meshConfig.beforeChange(
    manifests.map(({ object }) => ({
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name,
      namespace: object.metadata.namespace ?? into,
    })),
    { deadline },
  );
  await noted({
    changed: await applyManifests(kube, manifests, {
      namespace: into,
      fieldManager: 'meshspec',
      imageRewrites: {},
      owner: { runId: RUN_ID, namespace: into },
      deadline,
    }),
  });
  await meshConfig.waitInEffect({ deadline });
}

async function send(request: Omit<ForwardRequest, 'count'> & { count?: number }): Promise<ForwardedResult[]> {
  return (await forwardFromPod(kube, client, { count: 1, ...request })).results;
}

const count = (results: ForwardedResult[], test: (r: ForwardedResult) => boolean) => results.filter(test).length;

beforeAll(async () => {
  // Built alone, as the image is, so this test does not depend on the whole repository building.
  buildDir = await mkdtemp(join(tmpdir(), 'mesh-sim-echo-'));
  await cp(join(appDir, 'package.json'), join(buildDir, 'package.json'));
  await promisify(execFile)(process.execPath, [tsc, '-p', join(appDir, 'tsconfig.json'), '--outDir', join(buildDir, 'dist')]);
  sim = await startSim({
    istioProfile: 'demo',
    echoEntry: join(buildDir, 'dist/main.js'),
    dataPlane: (host) => createDataPlane(host, { log: () => undefined }),
  });
  kube = createKubeClients({ kubeconfig: sim.kubeconfigPath, context: sim.context });
  meshConfig = new MeshConfigTracker(kube);
  namespace = await createScenarioNamespace(kube, { name: 'mesh', mesh: 'sidecar' }, RUN_ID);
  await apply(
    service('backend') +
      service('flaky') +
      echo('client', 'client', 'v1') +
      echo('backend-v1', 'backend', 'v1') +
      echo('backend-v2', 'backend', 'v2') +
      echo('flaky', 'flaky', 'v1', ['-fail-percent=70']) +
      `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: backend}
spec:
  host: backend
  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`,
  );
  const deadline = { deadline: Date.now() + 60_000 };
  for (const app of ['client', 'backend', 'flaky']) await waitForPods(kube, namespace, `app=${app}`, { ready: true }, deadline);
  client = await readyWorkloadPod(kube, namespace, 'client');
}, 120_000);

afterAll(async () => {
  await meshConfig?.close();
  await sim?.stop();
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
});

/** A VirtualService named for its host with one HTTP route, `body` (YAML indented as under `- `). */
const route = (host: string, body: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${host}}
spec:
  hosts: [${host}]
  http:
  - ${body}
`;
const backendRoute = (body: string) => route('backend', body);

describe('the data plane on the embedded cluster', () => {
  it('injected pods talk over mTLS: the server sees X-Forwarded-Client-Cert', async () => {
    const [result] = await send({ url: 'http://backend:8080/' });
    expect(result!.status).toBe(200);
    expect((result!.body as { headers: Record<string, string> }).headers['x-forwarded-client-cert']).toContain(
      `URI=spiffe://cluster.local/ns/${namespace}/sa/default`,
    );
  });

  it('routes 75/25 by weight over subsets', async () => {
    await apply(
      backendRoute(`route:
    - {destination: {host: backend, subset: v1}, weight: 75}
    - {destination: {host: backend, subset: v2}, weight: 25}`),
    );
    const results = await send({ url: 'http://backend:8080/', count: 200, concurrency: 8 });
    expect(count(results, (r) => r.status === 200)).toBe(200);
    // Binomial(200, 0.25): 50 +- 6.1; 25..75 is beyond 4 sigma.
    const v2 = count(results, (r) => r.version === 'v2');
    expect(v2).toBeGreaterThan(25);
    expect(v2).toBeLessThan(75);
  });

  it('injects a 3 s delay into about half of the requests (fixedDelay 3s, percent 50)', async () => {
    await apply(
      backendRoute(`fault: {delay: {fixedDelay: 3s, percent: 50}}
    route: [{destination: {host: backend, subset: v1}}]`),
    );
    const results = await send({ url: 'http://backend:8080/', count: 16, concurrency: 16 });
    const delayed = count(results, (r) => r.latencyMs >= 2900);
    // Binomial(16, 0.5): all or none with probability 3e-5.
    expect(delayed).toBeGreaterThan(0);
    expect(delayed).toBeLessThan(16);
    expect(count(results, (r) => r.latencyMs < 2000)).toBe(16 - delayed);
  }, 20_000);

  it('aborts with 500', async () => {
    await apply(
      backendRoute(`fault: {abort: {httpStatus: 500, percentage: {value: 100}}}
    route: [{destination: {host: backend, subset: v1}}]`),
    );
    const results = await send({ url: 'http://backend:8080/', count: 5 });
    expect(results.map((r) => r.status)).toEqual([500, 500, 500, 500, 500]);
  });

  it('retries a 70%-failing backend into success (attempts 20, retryOn 5xx)', async () => {
    const before = count(await send({ url: 'http://flaky:8080/', count: 40, concurrency: 4 }), (r) => r.status === 500);
    expect(before).toBeGreaterThan(10);
    await apply(
      route(
        'flaky',
        `retries: {attempts: 20, perTryTimeout: 2s, retryOn: 5xx}
    route: [{destination: {host: flaky}}]`,
      ),
    );
    const results = await send({ url: 'http://flaky:8080/', count: 40, concurrency: 4 });
    expect(count(results, (r) => r.status === 200)).toBeGreaterThanOrEqual(39);
  });

  it('mirrors to v2 while v1 answers; v2 logs a copy of each request', async () => {
    await apply(
      backendRoute(`route: [{destination: {host: backend, subset: v1}, weight: 100}]
    mirror: {host: backend, subset: v2}`),
    );
    const results = await send({ url: 'http://backend:8080/', count: 10, idPrefix: 'mirror-test-' });
    expect(new Set(results.map((r) => r.version))).toEqual(new Set(['v1']));
    const v2 = await readyWorkloadPod(kube, namespace, 'backend-v2');
    await expect.poll(async () => (await requestLogOf(kube, v2)).entries.filter((e) => e.id.startsWith('mirror-test-')).length, { timeout: 5000 }).toBe(10);
  });

  it('serves a host-matched ingress route and answers 404 for an unmatched path or host', async () => {
    await apply(`
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: backend-gateway}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [backend.example.com]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: backend-ingress}
spec:
  hosts: [backend.example.com]
  gateways: [backend-gateway]
  http:
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: backend, subset: v2, port: {number: 8080}}}]
`);
    const ingress = sim.ingress();
    expect(ingress).not.toBeNull();
    const get = (path: string, host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get({ host: ingress!.host, port: ingress!.port, path, headers: { host } }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          })
          .on('error', reject);
      });
    const matched = await get('/api/notes', 'backend.example.com');
    expect(matched.status).toBe(200);
    expect(JSON.parse(matched.body)).toMatchObject({ version: 'v2', namespace });
    expect((await get('/other', 'backend.example.com')).status).toBe(404);
    expect((await get('/api/notes', 'elsewhere.example.com')).status).toBe(404);
  });

  it('blocks an external host under REGISTRY_ONLY (502) until a ServiceEntry allows it', async () => {
    await apply(`
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`);
    expect((await send({ url: `http://${EXTERNAL_HOST}/` }))[0]!.status).toBe(502);
    await apply(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external}
spec:
  hosts: [${EXTERNAL_HOST}]
  location: MESH_EXTERNAL
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
`);
    const [allowed] = await send({ url: `http://${EXTERNAL_HOST}/` });
    // The external echo runs with kind's arguments (--service external, no --version): version v1.
    expect(allowed).toMatchObject({ status: 200, version: 'v1' });
  });

  it('circuit breaking: maxConnections 1 with 2 and 3 concurrent clients gives both 200 and 503', async () => {
    await apply(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: flaky}
spec:
  host: flaky
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 1}, http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}}
---${route('flaky', 'route: [{destination: {host: flaky}}]')}`);
    for (const concurrency of [2, 3]) {
      const results = await send({ url: 'http://flaky:8080/?status=200', count: 30, concurrency });
      expect(
        count(results, (r) => r.status === 200),
        `${concurrency} clients`,
      ).toBeGreaterThan(0);
      expect(
        count(results, (r) => r.status === 503),
        `${concurrency} clients`,
      ).toBeGreaterThan(0);
    }
  });
});

/**
 * What Istio's mutual TLS migration task and the workshop apply: STRICT for the whole namespace, with
 * no per-workload exception. The harness still reaches its client, because the client's pod keeps the
 * echo control port out of inbound capture with traffic.sidecar.istio.io/excludeInboundPorts
 * (istio/istio@1.29.6, 1.30.3, 1.31.0-rc.0: manifests/charts/istio-control/istio-discovery/files/
 * injection-template.yaml renders it into istio-init's `-d`; tools/istio-iptables/pkg/capture/run.go
 * returns those ports before the inbound redirect), while the app's port stays captured and refuses
 * every plaintext caller.
 */
describe('namespace-wide STRICT mTLS on the embedded cluster', () => {
  let strict: string;
  const podOf = (app: string) => readyWorkloadPod(kube, strict, app);

  beforeAll(async () => {
    strict = await createScenarioNamespace(kube, { name: 'strict', mesh: 'sidecar' }, RUN_ID);
    await apply(
      service('backend') +
        echo('client', 'client', 'v1') +
        echo('backend', 'backend', 'v1') +
        echo('captured', 'captured', 'v1', [], { captured: true }) +
        echo('legacy', 'legacy', 'v1', [], { injected: false }) +
        `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default}
spec:
  mtls: {mode: STRICT}
`,
      strict,
    );
    const deadline = { deadline: Date.now() + 60_000 };
    for (const app of ['client', 'backend', 'captured', 'legacy']) await waitForPods(kube, strict, `app=${app}`, { ready: true }, deadline);
  }, 90_000);

  it('the harness reaches the client through the API server, and the client reaches the backend over mTLS', async () => {
    const { results, from } = await forwardFromPod(kube, await podOf('client'), { url: 'http://backend:8080/', count: 5 });
    expect(from).toMatchObject({ namespace: strict, version: 'v1' });
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect((results[0]!.body as { headers: Record<string, string> }).headers['x-forwarded-client-cert']).toContain(
      `URI=spiffe://cluster.local/ns/${strict}/sa/default`,
    );
  });

  it('a plaintext client outside the mesh is refused on the app port: the connection is reset', async () => {
    const [refused] = (await forwardFromPod(kube, await podOf('legacy'), { url: 'http://backend:8080/', count: 1, timeoutMs: 5000 })).results;
    expect(refused).toMatchObject({ status: 0 });
    expect(refused!.error).toMatch(/ECONNRESET|socket hang up/);
  });

  it("the API server's plaintext pod proxy is refused on the captured app port", async () => {
    const backend = await podOf('backend');
    await expect(kube.core.connectGetNamespacedPodProxyWithPath({ name: `${backend.metadata!.name}:8080`, namespace: strict, path: '' })).rejects.toMatchObject(
      { code: 503 },
    );
  });

  it('a pod whose excludeInboundPorts Istio cannot read is refused by the injector webhook', async () => {
    const body = {
      metadata: { name: 'bad-ports', annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': '*' } },
      spec: { containers: [{ name: 'echo', image: 'meshspec/echo' }] },
    };
    const refused = await kube.core.createNamespacedPod({ namespace: strict, body }).then(
      () => undefined,
      (error: unknown) => error as { code: number; body: string },
    );
    expect(refused?.code).toBe(400);
    expect(JSON.parse(refused!.body).message).toMatch(
      /^admission webhook "namespace\.sidecar-injector\.istio\.io" denied the request: failed to run injection template: 1 error occurred:\n\t\* invalid value '\*' for annotation 'traffic\.sidecar\.istio\.io\/excludeInboundPorts'/,
    );
  });

  it('a pod whose sidecar captures the control port cannot be driven, and the error says which annotation to add', async () => {
    await expect(forwardFromPod(kube, await podOf('captured'), { url: 'http://backend:8080/', count: 1 })).rejects.toThrow(
      `its sidecar captures that port, where a STRICT PeerAuthentication or an AuthorizationPolicy refuses the API server's plaintext call: add the annotation traffic.sidecar.istio.io/excludeInboundPorts: "${CONTROL_PORT}" to the pod template`,
    );
  });
});
