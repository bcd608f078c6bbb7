/**
 * The whole kind provider, with the fake docker/kind/istioctl on PATH and a running sim standing
 * in for the cluster kind would create (the fake kind hands out the sim's kubeconfig).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportKindLogsIfUnhealthy, kindProvider } from '../../harness/providers/kind/index.js';
import { sourceHash } from '../../harness/providers/kind/echo-image.js';
import { nodeImageKubernetes, resolveIstioVersion } from '../../harness/providers/istio/versions.js';
import { ProviderError, type Addon, type ProgressReporter, type ProviderOptions } from '../../harness/contract/cluster.js';
import { startSim, type SimCluster } from '../../harness/sim/index.js';
import { FakeWorld, FAKES_DIR } from './fake-world.js';

const ROOT = process.cwd();
const VERSION = '1.30.5';
/** What a node of the node image for VERSION reports: v1.36.4. */
const NODE_KUBERNETES = nodeImageKubernetes(resolveIstioVersion(VERSION).release.nodeImage);
const KIND_COREFILE = '.:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n    reload\n}\n';
const MARKER = { name: 'meshspec-cluster', namespace: 'kube-public' };
/** A kind-registry as kind's guide runs it: 5000/tcp published on 127.0.0.1:5001 (kind-with-registry.sh). */
const GUIDE_PORTS = { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '5001' }] };

let sim: SimCluster;
let core: CoreV1Api;
let apps: AppsV1Api;
let world: FakeWorld;
let cache: string;
let lines: string[];
const savedCache = process.env.MESHSPEC_CACHE;

/** Istio's samples/addons/prometheus.yaml in short: its objects, with the one container the sim can run. */
const PROMETHEUS_YAML = `apiVersion: v1
kind: ServiceAccount
metadata: { name: prometheus, namespace: istio-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: prometheus }
rules: [{ apiGroups: [""], resources: [pods, services, endpoints], verbs: [get, list, watch] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: prometheus }
subjects: [{ kind: ServiceAccount, name: prometheus, namespace: istio-system }]
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: prometheus }
---
apiVersion: v1
kind: Service
metadata: { name: prometheus, namespace: istio-system }
spec:
  selector: { app.kubernetes.io/name: prometheus }
  ports: [{ name: http, port: 9090, targetPort: 9090 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: prometheus, namespace: istio-system }
spec:
  replicas: 1
  selector: { matchLabels: { app.kubernetes.io/name: prometheus } }
  template:
    metadata: { labels: { app.kubernetes.io/name: prometheus, sidecar.istio.io/inject: "false" } }
    spec:
      serviceAccountName: prometheus
      containers: [{ name: prometheus-server, image: docker.io/prom/prometheus:v3.7.3, ports: [{ containerPort: 9090 }] }]
`;
/** Stands in for raw.githubusercontent.com/istio/istio; records the paths asked for. */
let addonServer: Server;
const addonRequests: string[] = [];
const savedAddonsUrl = process.env.MESHSPEC_ISTIO_ADDONS_URL;

const progress: ProgressReporter = {
  phase: (name) => ({
    done: (detail) => lines.push(`${name}: ${detail ?? 'done'}`),
    fail: (error) => lines.push(`${name} failed: ${(error as Error).message.split('\n')[0]}`),
    update: () => {},
  }),
  info: (message) => lines.push(message),
};

function options(reuse: boolean, addons: Addon[] = [], settings: ProviderOptions['settings'] = {}): ProviderOptions {
  return {
    runId: 'run-1',
    istioVersion: VERSION,
    profiles: ['default', 'demo'],
    addons,
    reuse,
    artifactsDir: join(cache, 'artifacts'),
    rootDir: ROOT,
    progress,
    settings,
  };
}

async function corefile(): Promise<string | undefined> {
  return (await core.readNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system' })).data?.Corefile;
}

/** kind's CoreDNS, which the provider restarts after changing the Corefile. The sim runs only a few images: istio/pilot's stands in for CoreDNS's. */
async function createCoreDnsDeployment(): Promise<void> {
  const labels = { 'k8s-app': 'kube-dns' };
  await apps.createNamespacedDeployment({
    namespace: 'kube-system',
    body: {
      metadata: { name: 'coredns', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'coredns', image: 'docker.io/istio/pilot:coredns-stand-in' }] } },
      },
    },
  });
}

async function removeMarker(): Promise<void> {
  await core.deleteNamespacedConfigMap(MARKER).catch(() => undefined);
}

const ISTIOD = { name: 'istiod', namespace: 'istio-system' };

async function istiodImage(): Promise<string | undefined> {
  return (await apps.readNamespacedDeployment(ISTIOD)).spec?.template.spec?.containers[0]?.image;
}

/** The Kubernetes the cluster's node reports (the fake kind sets that of the node image when it creates the cluster). */
async function setNodeKubernetes(version: string): Promise<void> {
  const [node] = (await core.listNode()).items;
  await core.patchNodeStatus({ name: node.metadata!.name!, body: [{ op: 'replace', path: '/status/nodeInfo/kubeletVersion', value: version }] });
}

/** What an install (the fake istioctl's, or one of the user's) left on the cluster: istiod on this image. */
async function setIstiodImage(image: string): Promise<void> {
  if ((await istiodImage()) === image) return;
  await apps.patchNamespacedDeployment({ ...ISTIOD, body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }] });
}

beforeAll(async () => {
  sim = await startSim({ istioProfile: 'demo' });
  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: 'kube-system', body: { metadata: { name: 'coredns' }, data: { Corefile: KIND_COREFILE } } });
  apps = kc.makeApiClient(AppsV1Api);
  await createCoreDnsDeployment();
  addonServer = createServer((req, res) => {
    addonRequests.push(req.url!);
    if (req.url === `/istio/${VERSION}/samples/addons/prometheus.yaml`) return res.writeHead(200).end(PROMETHEUS_YAML);
    res.writeHead(404).end('404: Not Found');
  });
  await new Promise<void>((resolve) => addonServer.listen(0, '127.0.0.1', resolve));
  process.env.MESHSPEC_ISTIO_ADDONS_URL = `http://127.0.0.1:${(addonServer.address() as AddressInfo).port}/istio`;
}, 90_000);
afterAll(async () => {
  if (savedAddonsUrl === undefined) delete process.env.MESHSPEC_ISTIO_ADDONS_URL;
  else process.env.MESHSPEC_ISTIO_ADDONS_URL = savedAddonsUrl;
  await new Promise<void>((resolve) => addonServer.close(() => resolve()));
  await sim?.stop();
});

beforeEach(async () => {
  lines = [];
  cache = mkdtempSync(join(tmpdir(), 'meshspec-cache-'));
  process.env.MESHSPEC_CACHE = cache;
  // istioctl already in the cache (the download has its own tests): the fake, for this version.
  mkdirSync(join(cache, 'istio', VERSION), { recursive: true });
  writeFileSync(join(cache, 'istio', VERSION, 'istioctl'), `#!/bin/sh\nexec "${join(FAKES_DIR, 'istioctl')}" "$@"\n`);
  chmodSync(join(cache, 'istio', VERSION, 'istioctl'), 0o755);
  world = new FakeWorld({ kubeconfigSource: sim.kubeconfigPath, kubeconfigContext: sim.context, simIstiodImage: `docker.io/istio/pilot:${sim.istioVersion}` });
  await removeMarker();
  // The sim stands for the cluster kind creates, which runs no Istio of the version under test:
  // its own istiod (another version) comes back in place of what an earlier test installed.
  await setIstiodImage(`docker.io/istio/pilot:${sim.istioVersion}`);
  await setNodeKubernetes(NODE_KUBERNETES);
});
afterEach(() => {
  world.dispose();
  if (savedCache === undefined) delete process.env.MESHSPEC_CACHE;
  else process.env.MESHSPEC_CACHE = savedCache;
});

describe('kind provider', () => {
  it('brings everything up on a fresh machine and removes what it made at the end', async () => {
    const provider = kindProvider();
    const handle = await provider.setup(options(false));
    const kubeconfig = join(cache, 'kind', 'meshspec', 'kubeconfig');
    const echoTag = await sourceHash(join(ROOT, 'apps', 'echo'));

    expect(handle).toEqual({
      provider: 'kind',
      runId: 'run-1',
      kubeconfig,
      context: 'kind-meshspec',
      istio: { version: VERSION, profile: 'demo', istioctl: join(cache, 'istio', VERSION, 'istioctl'), ambient: false },
      ingress: { http: 'http://127.0.0.1:30080' },
      imageRewrites: { 'meshspec/echo': `localhost:5001/meshspec/echo:${echoTag}` },
      variables: { EXTERNAL_HOST: 'external.meshspec.test', EXTERNAL_IP: world.state().containers['meshspec-external'].ip },
      artifactsDir: join(cache, 'artifacts'),
    });
    expect(world.argsOf('kind', 'create', 'cluster')).toEqual([
      [
        'create',
        'cluster',
        '--name',
        'meshspec',
        '--config',
        join(ROOT, 'clusters', 'kind.yaml'),
        '--image',
        resolveIstioVersion(VERSION).release.nodeImage,
        '--kubeconfig',
        kubeconfig,
        '--wait',
        '120s',
      ],
    ]);
    expect(world.argsOf('istioctl')).toEqual([
      [
        'install',
        '-y',
        '--set',
        'profile=demo',
        '--set',
        'hub=docker.io/istio',
        '-f',
        join(ROOT, 'clusters', 'istio-overlay.yaml'),
        '--context',
        'kind-meshspec',
      ],
    ]);
    // Not registry.istio.io/release, the hub istioctl 1.30 embeds, which Istio retires.
    expect(await istiodImage()).toBe(`docker.io/istio/pilot:${VERSION}`);
    expect(world.calls('istioctl').map((call) => call.KUBECONFIG)).toEqual([kubeconfig]);
    expect(world.argsOf('docker', 'push')).toEqual([['push', `localhost:5001/meshspec/echo:${echoTag}`]]);
    expect(world.state().containers['kind-registry'].networks).toEqual(['bridge', 'kind']);
    expect((await core.readNamespacedConfigMap({ name: 'local-registry-hosting', namespace: 'kube-public' })).data).toEqual({
      'localRegistryHosting.v1': 'host: "localhost:5001"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n',
    });
    expect(await corefile()).toContain(`${handle.variables.EXTERNAL_IP} external.meshspec.test`);
    expect((await core.readNamespacedConfigMap({ name: 'meshspec-external', namespace: 'kube-public' })).data).toEqual({
      host: 'external.meshspec.test',
      ip: handle.variables.EXTERNAL_IP,
      port: '80',
    });
    const coredns = await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
    expect(coredns.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
    expect(lines).toContain('Istio 1.30.5 (demo): installed');
    expect(lines).toContain('prerequisites: Docker engine 29.0.1, kind 0.33.0, kubectl v1.36.4');
    expect(lines.at(-1)).toMatch(/^where the time went \(\d+\.\ds\): /);

    await provider.teardown();
    expect(world.argsOf('kind', 'delete')).toEqual([['delete', 'cluster', '--name', 'meshspec', '--kubeconfig', kubeconfig]]);
    expect(world.state().clusters).toEqual([]);
    expect(Object.keys(world.state().containers)).toEqual([]);
  });

  it('with --reuse takes the existing cluster, registry and image, and keeps them', async () => {
    const first = kindProvider();
    await first.setup(options(true));
    await first.teardown();
    expect(await corefile()).toBe(KIND_COREFILE);
    const callsBefore = world.calls().length;

    const second = kindProvider();
    await second.setup(options(true));
    const secondCalls = world
      .calls()
      .slice(callsBefore)
      .map((c) => `${c.tool} ${c.args.slice(0, 2).join(' ')}`);
    expect(secondCalls).not.toContain('kind create cluster');
    expect(secondCalls).not.toContain('docker build -t');
    expect(secondCalls).toContain('kind export kubeconfig');
    expect(secondCalls).not.toContain('kind delete cluster');
    expect(secondCalls).not.toContain('istioctl install -y');
    expect(lines).toContain('registry: reusing kind-registry on localhost:5001');
    expect(lines).toContain(`Istio ${VERSION} (demo): already installed`);
    await second.teardown();

    expect(world.argsOf('kind', 'delete')).toEqual([]);
    expect(world.state().clusters).toEqual(['meshspec']);
    expect(Object.keys(world.state().containers).sort()).toEqual(['kind-registry', 'meshspec-external']);
    expect(await corefile()).toBe(KIND_COREFILE);
  });

  it.each([
    ['another Kubernetes', () => setNodeKubernetes('v1.35.8'), 'node meshspec-sim runs Kubernetes v1.35.8, not v1.36.4 (the node image for Istio 1.30)'],
    ['another Istio', () => setIstiodImage('docker.io/istio/pilot:1.29.8-distroless'), 'it runs Istio 1.29.8, not 1.30.5'],
    [
      'Istio from the hub Istio retires',
      () => setIstiodImage(`registry.istio.io/release/pilot:${VERSION}`),
      'its Istio images come from registry.istio.io/release, not docker.io/istio',
    ],
  ])(
    'with --reuse recreates its own cluster that runs %s, and says why',
    async (_what, change, reason) => {
      const first = kindProvider();
      await first.setup(options(true));
      await first.teardown();
      await change();
      const callsBefore = world.calls().length;
      lines = [];

      const second = kindProvider();
      const handle = await second.setup(options(true));
      try {
        const calls = world
          .calls()
          .slice(callsBefore)
          .map((c) => `${c.tool} ${c.args.slice(0, 2).join(' ')}`);
        expect(calls.filter((call) => /^kind (delete|create) cluster$/.test(call))).toEqual(['kind delete cluster', 'kind create cluster']);
        expect(lines).toContain(`kind cluster "meshspec" (meshspec's) is recreated: ${reason}.`);
        expect(lines).toContain(`Istio ${VERSION} (demo): installed`);
        expect(await istiodImage()).toBe(`docker.io/istio/pilot:${VERSION}`);
        expect((await core.readNamespacedConfigMap(MARKER)).metadata?.labels).toEqual({ 'meshspec.dev/owned': 'true' });
        expect(handle.istio.version).toBe(VERSION);
      } finally {
        await second.teardown();
      }
      expect(world.state().clusters).toEqual(['meshspec']);
    },
    90_000,
  );

  it("with --reuse refuses a cluster of the user's that runs another Istio, and changes nothing on it", async () => {
    world.update({ clusters: ['meshspec'], networks: ['bridge', 'kind'] });
    await setIstiodImage('docker.io/istio/pilot:1.29.8');
    const error = (await kindProvider()
      .setup(options(true))
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      'The kind cluster "meshspec" was not created by meshspec, which runs on it only as it is (--reuse), but it runs Istio 1.29.8, and this run is for Istio 1.30.5.',
    );
    expect(error.hint).toBe(
      'Run with --istio 1.29.8 to use the Istio it has. Or delete it yourself (kind delete cluster --name meshspec) and let meshspec create its own.',
    );
    expect(world.argsOf('kind', 'delete')).toEqual([]);
    expect(world.argsOf('kind', 'create')).toEqual([]);
    expect(world.argsOf('istioctl')).toEqual([]);
    expect(world.state().clusters).toEqual(['meshspec']);
    expect(await istiodImage()).toBe('docker.io/istio/pilot:1.29.8');
    await expect(core.readNamespacedConfigMap(MARKER)).rejects.toThrow();
  });

  it("with --reuse refuses a cluster of the user's whose Kubernetes the chosen Istio does not support, naming an Istio that does", async () => {
    world.update({ clusters: ['meshspec'], networks: ['bridge', 'kind'] });
    await setIstiodImage(`docker.io/istio/pilot:${VERSION}`);
    await setNodeKubernetes('v1.31.4');
    const error = (await kindProvider()
      .setup(options(true))
      .catch((e: unknown) => e)) as ProviderError;
    expect(error.message).toBe(
      'The kind cluster "meshspec" was not created by meshspec, which runs on it only as it is (--reuse), but its nodes run Kubernetes v1.31.4, which Istio 1.30 does not support (1.32 to 1.36).',
    );
    expect(error.hint).toBe(
      'Run with an Istio that supports it: --istio 1.29.8 (Kubernetes 1.31 to 1.35). Or delete it yourself (kind delete cluster --name meshspec) and let meshspec create its own.',
    );
    expect(world.argsOf('kind', 'delete')).toEqual([]);
    expect(world.argsOf('istioctl')).toEqual([]);
  });

  it("with --reuse refuses to reinstall the Istio of a cluster of the user's that lacks a gateway the scenarios need", async () => {
    world.update({ clusters: ['meshspec'], networks: ['bridge', 'kind'] });
    await setIstiodImage(`docker.io/istio/pilot:${VERSION}`);
    const egress = { name: 'istio-egressgateway', namespace: 'istio-system' };
    const saved = await apps.readNamespacedDeployment(egress);
    await apps.deleteNamespacedDeployment(egress);
    try {
      const error = (await kindProvider()
        .setup(options(true))
        .catch((e: unknown) => e)) as ProviderError;
      expect(error.message).toBe(
        'The kind cluster "meshspec" was not created by meshspec, which runs on it only as it is (--reuse), but its Istio 1.30.5 has no istio-egressgateway, which the scenarios\' profile demo needs, and adding it would reinstall that Istio.',
      );
      expect(error.hint).toContain('istioctl install --set profile=demo --set hub=docker.io/istio -f clusters/istio-overlay.yaml');
      expect(world.argsOf('istioctl')).toEqual([]);
    } finally {
      await apps.createNamespacedDeployment({
        namespace: egress.namespace,
        body: { metadata: { name: egress.name, labels: saved.metadata?.labels }, spec: saved.spec },
      });
    }
  });

  it('warns that Istio 1.29 is past its end of life, before anything else', async () => {
    world.update({ dockerEngine: 'down' });
    await expect(kindProvider().setup({ ...options(false), istioVersion: '1.29.8' })).rejects.toThrow();
    expect(lines[0]).toBe(
      'warning: Istio 1.29 reached end of life on 2026-10-12: Istio publishes no more fixes for it, security fixes included. meshspec still runs it; move to 1.31 (--istio 1.31.1) when you can.',
    );
  });

  it('gives a kept cluster its Corefile back when restarting CoreDNS fails', async () => {
    world.update({ clusters: ['meshspec'], networks: ['bridge', 'kind'] });
    await setIstiodImage(`docker.io/istio/pilot:${VERSION}`);
    await apps.deleteNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
    try {
      await expect(kindProvider().setup(options(true))).rejects.toThrow();
      expect(lines.some((line) => line.startsWith('external service failed'))).toBe(true);
      expect(await corefile()).toBe(KIND_COREFILE);
    } finally {
      await createCoreDnsDeployment();
    }
  });

  it("applies Istio's samples/addons of the installed version once Istio is ready, downloading each file once", async () => {
    const first = kindProvider();
    await first.setup(options(true, ['prometheus']));
    await first.teardown();
    const cached = join(cache, 'istio', VERSION, 'addons', 'prometheus.yaml');
    expect(readFileSync(cached, 'utf8')).toBe(PROMETHEUS_YAML);
    expect(addonRequests).toEqual([`/istio/${VERSION}/samples/addons/prometheus.yaml`]);
    expect(lines).toContain('addons prometheus: applied prometheus; rolled out');
    const prometheus = await apps.readNamespacedDeployment({ name: 'prometheus', namespace: 'istio-system' });
    expect(prometheus.status?.availableReplicas).toBe(1);
    expect((await core.readNamespacedService({ name: 'prometheus', namespace: 'istio-system' })).spec?.ports?.[0]?.port).toBe(9090);

    // Reused: the addon is there, so nothing is fetched or applied again.
    lines = [];
    const second = kindProvider();
    await second.setup(options(true, ['prometheus']));
    await second.teardown();
    expect(addonRequests).toHaveLength(1);
    expect(lines).toContain('addons prometheus: already installed');

    await apps.deleteNamespacedDeployment({ name: 'prometheus', namespace: 'istio-system' });
    await core.deleteNamespacedService({ name: 'prometheus', namespace: 'istio-system' });
    // Two whole setups, each starting some thirty fake tool processes: on a loaded 2-core machine that outlasts the 30 s default.
  }, 90_000);

  it('names the addon and the Istio version when the release has no such file', async () => {
    const error = (await kindProvider()
      .setup(options(false, ['kiali']))
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toMatch(
      new RegExp(`^Downloading http://127\\.0\\.0\\.1:\\d+/istio/${VERSION.replaceAll('.', '\\.')}/samples/addons/kiali\\.yaml answered HTTP 404\\.$`),
    );
    expect(error.hint).toBe(`Istio ${VERSION} has no samples/addons/kiali.yaml; see https://github.com/istio/istio/tree/${VERSION}/samples/addons.`);
    expect(existsSync(join(cache, 'istio', VERSION, 'addons', 'kiali.yaml'))).toBe(false);
  });

  it('leaves a cluster and registry the user made alone, and says how to use them', async () => {
    world.update({
      clusters: ['meshspec'],
      networks: ['bridge', 'kind'],
      containers: {
        'kind-registry': { running: true, labels: {}, networks: ['bridge', 'kind'], image: 'registry:2', ip: '172.18.0.3', published: GUIDE_PORTS },
      },
    });
    const provider = kindProvider();
    const error = (await provider.setup(options(false)).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe('A kind cluster named "meshspec" exists that meshspec did not create; it is left alone.');
    expect(error.hint).toContain('--reuse');
    expect(world.argsOf('kind', 'delete')).toEqual([]);
    expect(world.argsOf('docker', 'rm')).toEqual([]);
    expect(world.state().containers['kind-registry']).toBeDefined();
  });

  it('pushes to, and points nodes and the KEP-1755 ConfigMap at, the port a kind-registry of other tooling publishes', async () => {
    const published = { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '5050' }] };
    world.update({ containers: { 'kind-registry': { running: true, labels: {}, networks: ['bridge'], image: 'registry:2', ip: '172.18.0.3', published } } });
    const provider = kindProvider();
    const handle = await provider.setup(options(false));
    try {
      const echoTag = await sourceHash(join(ROOT, 'apps', 'echo'));
      expect(handle.imageRewrites).toEqual({ 'meshspec/echo': `localhost:5050/meshspec/echo:${echoTag}` });
      expect(world.argsOf('docker', 'push')).toEqual([['push', `localhost:5050/meshspec/echo:${echoTag}`]]);
      expect(world.argsOf('docker', 'exec', '-i').map((args) => args.at(-1))).toEqual(['/etc/containerd/certs.d/localhost:5050/hosts.toml']);
      expect((await core.readNamespacedConfigMap({ name: 'local-registry-hosting', namespace: 'kube-public' })).data?.['localRegistryHosting.v1']).toMatch(
        /^host: "localhost:5050"\n/,
      );
      expect(lines).toContain('registry: reusing kind-registry on localhost:5050');
    } finally {
      await provider.teardown();
    }
    expect(world.state().containers['kind-registry']).toMatchObject({ running: true, image: 'registry:2' });
  });

  it("stops again a registry of the user's that was stopped before the run", async () => {
    world.update({
      containers: { 'kind-registry': { running: false, labels: {}, networks: ['bridge'], image: 'registry:2', ip: '172.18.0.3', published: GUIDE_PORTS } },
    });
    const provider = kindProvider();
    await provider.setup(options(false));
    expect(world.state().containers['kind-registry'].running).toBe(true);
    await provider.teardown();
    expect(world.state().containers['kind-registry']).toMatchObject({ running: false, image: 'registry:2' });
    expect(world.argsOf('docker', 'rm')).toEqual([['rm', '-f', 'meshspec-external']]);
  });

  it("deletes the cluster it created when setup fails before the cluster is marked as meshspec's", async () => {
    // kind made the cluster, but its API server does not answer: the marker cannot be written.
    const unreachable = join(cache, 'unreachable.kubeconfig');
    writeFileSync(unreachable, readFileSync(sim.kubeconfigPath, 'utf8').replace(sim.server, 'https://127.0.0.1:1'));
    world.update({ kubeconfigSource: unreachable });
    await expect(kindProvider().setup(options(false))).rejects.toThrow();
    expect(world.argsOf('kind', 'delete')).toEqual([
      ['delete', 'cluster', '--name', 'meshspec', '--kubeconfig', join(cache, 'kind', 'meshspec', 'kubeconfig')],
    ]);
    expect(world.state().clusters).toEqual([]);
    expect(Object.keys(world.state().containers)).toEqual([]);
  });

  it('stops before creating anything when the registry port is taken', async () => {
    world.update({ portsTaken: ['127.0.0.1:5001'] });
    await expect(kindProvider().setup(options(false))).rejects.toThrow('Port 127.0.0.1:5001 is taken by something else');
    expect(world.argsOf('kind', 'create')).toEqual([]);
    expect(lines).toContain('registry failed: Port 127.0.0.1:5001 is taken by something else, so the local registry (kind-registry) cannot start.');
  });

  it('checks docker and kind first and names each missing piece', async () => {
    world.update({ dockerEngine: 'down', kindVersion: 'v0.20.0' });
    const error = (await kindProvider()
      .setup(options(false))
      .catch((e: unknown) => e)) as ProviderError;
    expect(error.message.split('\n')).toHaveLength(2);
    expect(error.message).toContain('engine is not reachable');
    expect(error.message).toContain('kind 0.20.0 is older than v0.33.0');
    expect(
      world
        .calls()
        .map((c) => `${c.tool} ${c.args[0]}`)
        .sort(),
    ).toEqual(['docker container', 'docker info', 'kind version', 'kubectl version']);
  });

  it("stops with the prerequisites, before creating anything, when a container of the user's is named meshspec-external", async () => {
    const theirs = { running: true, labels: { app: 'theirs' }, networks: ['bridge'], image: 'nginx', ip: '172.17.0.5' };
    world.update({ containers: { 'meshspec-external': theirs } });
    const error = (await kindProvider()
      .setup(options(false))
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('A container named meshspec-external exists that meshspec did not create');
    expect(error.hint).toContain('docker rm -f meshspec-external');
    expect(lines[0]).toMatch(/^prerequisites failed: - A container named meshspec-external/);
    expect(
      world
        .calls()
        .map((c) => `${c.tool} ${c.args[0]}`)
        .sort(),
    ).toEqual(['docker container', 'docker info', 'kind version', 'kubectl version']);
    expect(world.state().containers).toEqual({ 'meshspec-external': theirs });
  });
});

describe('kind provider with --istioctl', () => {
  const given = join(FAKES_DIR, 'istioctl');
  const savedDownloadUrl = process.env.MESHSPEC_ISTIO_DOWNLOAD_URL;
  beforeEach(() => {
    // Nothing in the cache and no download possible: only the given istioctl can serve.
    rmSync(join(cache, 'istio', VERSION), { recursive: true });
    process.env.MESHSPEC_ISTIO_DOWNLOAD_URL = 'http://127.0.0.1:1/releases';
  });
  afterEach(() => {
    if (savedDownloadUrl === undefined) delete process.env.MESHSPEC_ISTIO_DOWNLOAD_URL;
    else process.env.MESHSPEC_ISTIO_DOWNLOAD_URL = savedDownloadUrl;
  });

  it('installs Istio with the given istioctl, hands it to the steps, and downloads nothing', async () => {
    const provider = kindProvider();
    const handle = await provider.setup(options(false, [], { istioctl: given }));
    try {
      expect(handle.istio).toEqual({ version: VERSION, profile: 'demo', istioctl: given, ambient: false });
      expect(world.argsOf('istioctl', 'install')).toHaveLength(1);
      expect(existsSync(join(cache, 'istio', VERSION))).toBe(false);
      expect(lines.find((line) => line.startsWith('prerequisites: '))).toMatch(
        new RegExp(`, istioctl ${VERSION.replaceAll('.', '\\.')} from --istioctl \\(${given}\\)$`),
      );
      expect(lines.some((line) => line.startsWith(`istioctl ${VERSION}:`))).toBe(false);
    } finally {
      await provider.teardown();
    }
  });

  it("installs the given istioctl's own patch release of the chosen minor, and says so", async () => {
    world.update({ istioctlVersion: '1.30.2' });
    const provider = kindProvider();
    const handle = await provider.setup(options(false, [], { istioctl: given }));
    try {
      expect(handle.istio.version).toBe('1.30.2');
      expect(lines.find((line) => line.startsWith('prerequisites: '))).toContain(
        `, istioctl 1.30.2 from --istioctl (${given}); it installs Istio 1.30.2, not ${VERSION}`,
      );
      expect(lines).toContain('Istio 1.30.2 (demo): installed');
    } finally {
      await provider.teardown();
    }
  });

  it('refuses an istioctl of another minor before creating anything, naming both versions and the fixes', async () => {
    world.update({ istioctlVersion: '1.29.8' });
    const error = (await kindProvider()
      .setup(options(false, [], { istioctl: given }))
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      `- istioctl from --istioctl (${given}) is 1.29.8, but the kind provider is to install Istio ${VERSION}: istioctl installs only its own release.`,
    );
    expect(error.hint).toBe('- Run with --istio 1.29.8 to install the Istio of that istioctl, or give --istioctl an istioctl 1.30.x.');
    expectNothingCreated();
  });

  it('refuses a path that is not executable before creating anything, with the fix', async () => {
    const notExecutable = join(cache, 'istioctl');
    writeFileSync(notExecutable, '#!/bin/sh\n');
    const error = (await kindProvider()
      .setup(options(false, [], { istioctl: notExecutable }))
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(`- --istioctl ${notExecutable} is not executable.`);
    expect(error.hint).toBe(`- Make it executable: chmod +x ${notExecutable}; or leave --istioctl out to let meshspec find or download istioctl.`);
    expectNothingCreated();
  });

  function expectNothingCreated(): void {
    expect(world.argsOf('docker', 'run')).toEqual([]);
    expect(world.argsOf('kind', 'create')).toEqual([]);
    expect(world.state().containers).toEqual({});
  }
});

describe('kind logs on failure', () => {
  const handle = (kubeconfig: string, context: string) => ({
    provider: 'kind' as const,
    runId: 'run-1',
    kubeconfig,
    context,
    istio: { version: VERSION, profile: 'demo' as const, istioctl: null, ambient: false },
    ingress: null,
    imageRewrites: {},
    variables: {},
    artifactsDir: join(cache, 'artifacts'),
  });

  it('leaves a healthy cluster alone', async () => {
    await expect(exportKindLogsIfUnhealthy(handle(sim.kubeconfigPath, sim.context))).resolves.toBeNull();
    expect(world.argsOf('kind', 'export')).toEqual([]);
  });

  it('exports kind logs into the artifacts when the API server does not answer', async () => {
    const unreachable = join(cache, 'unreachable.kubeconfig');
    writeFileSync(unreachable, readFileSync(sim.kubeconfigPath, 'utf8').replace(sim.server, 'https://127.0.0.1:1'));
    const outcome = await exportKindLogsIfUnhealthy(handle(unreachable, sim.context));
    expect(outcome).toMatch(new RegExp(`^cluster unhealthy \\(API server not answering: .+\\); kind logs in ${join(cache, 'artifacts', 'kind-logs')}$`));
    expect(world.argsOf('kind', 'export', 'logs')).toEqual([['export', 'logs', join(cache, 'artifacts', 'kind-logs'), '--name', 'meshspec']]);
  });
});
