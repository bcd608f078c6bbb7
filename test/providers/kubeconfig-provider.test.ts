/** The kubeconfig provider for real, against a running sim through its kubeconfig. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClients, createScenarioNamespace, removeStaleNamespaces, RUN_LABEL, RUN_LEASE_NAMESPACE, runLeaseName } from '../../harness/kube/index.js';
import { kubeconfigProvider } from '../../harness/providers/kubeconfig/index.js';
import { installSimAddons } from '../../harness/providers/sim/addons.js';
import type { KubeClients } from '../../harness/kube/types.js';
import { ProviderError, type Addon, type ProgressReporter, type ProviderOptions } from '../../harness/contract/cluster.js';
import { EXTERNAL_HOST, EXTERNAL_IP, startSim, type SimCluster } from '../../harness/sim/index.js';
import { NODE_IP } from '../../harness/sim/kubelet/kubelet.js';
import { FakeWorld, FAKES_DIR } from './fake-world.js';
import { fetchOnceListening, listenOnGatewayPort80 } from './gateway-listener.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

let sim: SimCluster;
let core: CoreV1Api;
let leases: CoordinationV1Api;
let kube: KubeClients;
const lines: string[] = [];

const progress: ProgressReporter = {
  phase: (name) => ({
    done: (detail) => lines.push(`${name}: ${detail ?? 'done'}`),
    fail: (error) => lines.push(`${name} failed: ${(error as Error).message}`),
    update: () => {},
  }),
  info: (message) => lines.push(message),
};

/** The sim runs the echo app of any tag without pulling it: `--echo-image meshspec/echo:dev`. */
function options(settings: ProviderOptions['settings'], runId = 'run-now', addons: Addon[] = []): ProviderOptions {
  return {
    runId,
    profiles: ['demo'],
    addons,
    reuse: false,
    artifactsDir: '/tmp/meshspec-artifacts',
    rootDir: process.cwd(),
    progress,
    settings: { echoImage: 'meshspec/echo:dev', ...settings },
  };
}

/** The sim's kubeconfig with its context renamed, as if it were some other cluster. */
function kubeconfigWithContext(name: string): string {
  const path = join(sim.kubeconfigPath, '..', `${name}.kubeconfig`);
  writeFileSync(path, readFileSync(sim.kubeconfigPath, 'utf8').replaceAll(sim.context, name));
  return path;
}

// The provider fetches istioctl of the Istio it finds: offline here, from an empty cache.
const savedDownloads = { MESHSPEC_CACHE: process.env.MESHSPEC_CACHE, MESHSPEC_ISTIO_DOWNLOAD_URL: process.env.MESHSPEC_ISTIO_DOWNLOAD_URL };
beforeAll(() => {
  process.env.MESHSPEC_CACHE = mkdtempSync(join(tmpdir(), 'meshspec-cache-'));
  process.env.MESHSPEC_ISTIO_DOWNLOAD_URL = 'http://127.0.0.1:1/releases';
});
afterAll(() => {
  for (const [name, value] of Object.entries(savedDownloads)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeAll(async () => {
  sim = await startSim({ istioProfile: 'demo' });
  await listenOnGatewayPort80(sim.kubeconfigPath);
  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  leases = kc.makeApiClient(CoordinationV1Api);
  kube = createKubeClients({ kubeconfig: sim.kubeconfigPath, context: sim.context });
}, 90_000);
afterAll(() => sim?.stop());

/** The Lease run `runId` would hold, last renewed at `renewedAtMs`. */
async function writeLease(runId: string, renewedAtMs: number): Promise<void> {
  await leases.createNamespacedLease({
    namespace: RUN_LEASE_NAMESPACE,
    body: {
      metadata: { name: runLeaseName(runId), labels: { [RUN_LABEL]: runId } },
      spec: { holderIdentity: 'meshspec@elsewhere:1', leaseDurationSeconds: 60, renewTime: new V1MicroTime(renewedAtMs) },
    },
  });
}

async function leaseNames(): Promise<string[]> {
  const { items } = await leases.listNamespacedLease({ namespace: RUN_LEASE_NAMESPACE, labelSelector: RUN_LABEL });
  return items.map((lease) => lease.metadata!.name!);
}

/** A namespace's phase, or 'gone'. */
async function phaseOf(name: string): Promise<string> {
  try {
    return (await core.readNamespace({ name })).status?.phase ?? 'Active';
  } catch {
    return 'gone';
  }
}

describe('kubeconfig provider on the sim', () => {
  it('runs on the sim context and reports its Istio and ingress', async () => {
    const handle = await kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath }));
    expect(handle).toMatchObject({
      provider: 'kubeconfig',
      kubeconfig: sim.kubeconfigPath,
      context: 'meshspec-sim',
      istio: { version: sim.istioVersion, profile: 'demo' },
      imageRewrites: { 'meshspec/echo': 'meshspec/echo:dev' },
    });
    // The sim's gateway Service is a LoadBalancer without an address: the NodePort on the node's address it is.
    const gateway = await core.readNamespacedService({ namespace: 'istio-system', name: 'istio-ingressgateway' });
    const nodePort = gateway.spec!.ports!.find((p) => p.port === 80)!.nodePort!;
    expect(handle.ingress).toEqual({ http: `http://${NODE_IP}:${nodePort}` });
    // That address reaches the ingress gateway: no Gateway claims the host, so Envoy answers 404.
    const response = await fetchOnceListening(`${handle.ingress!.http}/`);
    expect(response.status).toBe(404);
    expect(response.headers.get('server')).toBe('istio-envoy');
    // The sim publishes its service outside the cluster in kube-public/meshspec-external.
    expect(handle.variables).toEqual({ EXTERNAL_HOST, EXTERNAL_IP });
    expect(lines.some((line) => line.startsWith('where the time went'))).toBe(true);
  });

  it('checks kubectl, which exec steps run, before it touches the cluster, and names the fix', async () => {
    const world = new FakeWorld();
    try {
      lines.length = 0;
      const provider = kubeconfigProvider();
      await provider.setup(options({ kubeconfig: sim.kubeconfigPath }));
      await provider.teardown();
      expect(lines[0]).toBe('prerequisites: kubectl v1.36.4');
      expect(world.argsOf('kubectl')).toEqual([['version', '--client', '--output=json']]);

      lines.length = 0;
      process.env.PATH = mkdtempSync(join(tmpdir(), 'meshspec-no-kubectl-'));
      const error = (await kubeconfigProvider()
        .setup(options({ kubeconfig: sim.kubeconfigPath, context: 'no-such-context' }))
        .catch((e: unknown) => e)) as ProviderError;
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.message).toBe('- kubectl was not found (looked for `kubectl` on PATH).');
      expect(error.hint).toContain('https://kubernetes.io/docs/tasks/tools/#kubectl');
      expect(lines.some((line) => line.startsWith('context'))).toBe(false);
    } finally {
      world.dispose();
    }
  });

  it("reads the version of an istiod pinned by digest from its tag, or from its Deployment's labels, never from the digest", async () => {
    const apps = createKubeClients({ kubeconfig: sim.kubeconfigPath, context: sim.context }).kc.makeApiClient(AppsV1Api);
    const original = await apps.readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
    const pinned = async (image: string, labels: Record<string, string>) => {
      const current = await apps.readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
      current.metadata!.labels = { ...original.metadata!.labels, ...labels };
      current.spec!.template.spec!.containers[0]!.image = image;
      await apps.replaceNamespacedDeployment({ name: 'istiod', namespace: 'istio-system', body: current });
      lines.length = 0;
      return kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath }));
    };
    const digest = 'sha256:0d7fa5f0c9a8b1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e';
    try {
      expect((await pinned(`docker.io/istio/pilot:1.30.3@${digest}`, {})).istio.version).toBe('1.30.3');
      expect((await pinned(`docker.io/istio/pilot@${digest}`, { 'operator.istio.io/version': '1.30.3' })).istio.version).toBe('1.30.3');
      const unknown = await pinned(`docker.io/istio/pilot@${digest}`, {});
      expect(unknown.istio.version).toBe('unknown');
      expect(lines).toContain(
        `Istio's version is unknown: istiod's image "docker.io/istio/pilot@${digest}" has no tag, and its Deployment has no label operator.istio.io/version or app.kubernetes.io/version. To run istioctl steps, give meshspec the istioctl of the installed Istio: --istioctl PATH.`,
      );
    } finally {
      const current = await apps.readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
      current.metadata!.labels = original.metadata!.labels;
      current.spec!.template.spec!.containers[0]!.image = original.spec!.template.spec!.containers[0]!.image;
      await apps.replaceNamespacedDeployment({ name: 'istiod', namespace: 'istio-system', body: current });
    }
  });

  it('refuses to start without --echo-image, before touching the cluster, with the build that fixes it', async () => {
    const before = (await leaseNames()).length;
    lines.length = 0;
    const error = (await kubeconfigProvider()
      .setup(options({ kubeconfig: sim.kubeconfigPath, echoImage: undefined }))
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      'The kubeconfig provider needs to know where the cluster pulls the echo app from: the manifests run meshspec/echo:dev, which is built from apps/echo and published in no registry, so its pods would never start (ImagePullBackOff).',
    );
    expect(error.hint).toContain('docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/meshspec-echo:TAG --push apps/echo');
    expect(error.hint).toContain('meshspec run --provider kubeconfig --echo-image REGISTRY/meshspec-echo:TAG');
    // No phase ran: no context read, no Lease held.
    expect(lines).toEqual([]);
    expect((await leaseNames()).length).toBe(before);
  });

  it('refuses a context that is neither kind nor sim, naming the flag that allows it', async () => {
    const kubeconfig = kubeconfigWithContext('prod-cluster');
    const error = await kubeconfigProvider()
      .setup(options({ kubeconfig }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toContain('Refusing to run against context "prod-cluster"');
    expect((error as ProviderError).hint).toBe('If this cluster is meant for tests, allow it: --allow-context prod-cluster');
  });

  it('runs on a context that was allowed explicitly', async () => {
    const kubeconfig = kubeconfigWithContext('staging');
    const handle = await kubeconfigProvider().setup(options({ kubeconfig, allowContext: 'other,staging' }));
    expect(handle.context).toBe('staging');
  });

  it('names the contexts a kubeconfig has when the asked one is missing', async () => {
    await expect(kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath, context: 'nope' }))).rejects.toThrow(
      expect.objectContaining({ message: expect.stringContaining('has no context "nope"'), hint: 'Pick one with --context NAME (it has: meshspec-sim).' }),
    );
  });

  it('requires the addons the scenarios use on an Istio it did not install, naming the missing ones and how to install them', async () => {
    const error = (await kubeconfigProvider()
      .setup(options({ kubeconfig: sim.kubeconfigPath }, 'run-now', ['kiali', 'jaeger']))
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      'The scenarios use the addons kiali, jaeger, but kiali, jaeger are not installed in context "meshspec-sim" (no Service of that name in istio-system).',
    );
    expect(error.hint).toBe(
      [
        'Install them from the Istio release (samples/addons/<name>.yaml), e.g.',
        `kubectl apply -f https://raw.githubusercontent.com/istio/istio/${sim.istioVersion}/samples/addons/kiali.yaml`,
        `kubectl apply -f https://raw.githubusercontent.com/istio/istio/${sim.istioVersion}/samples/addons/jaeger.yaml`,
      ].join('\n'),
    );

    await installSimAddons(sim, ['kiali'], 'test-setup');
    await expect(kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath }, 'run-now', ['kiali', 'jaeger']))).rejects.toThrow(
      'but jaeger is not installed',
    );
    lines.length = 0;
    await kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath }, 'run-now', ['kiali']));
    expect(lines).toContain('addons kiali: present');
  });

  it("keeps a young namespace of an ended run, removes that run's expired Lease, and leaves the rest alone", async () => {
    const create = (name: string, labels?: Record<string, string>) => core.createNamespace({ body: { metadata: { name, labels } } });
    await writeLease('run-before', Date.now() - 60 * 60_000);
    await create('left-by-crash', { [RUN_LABEL]: 'run-before' });
    await create('this-run', { [RUN_LABEL]: 'run-now' });
    await create('users-own');
    lines.length = 0;

    const provider = kubeconfigProvider();
    await provider.setup(options({ kubeconfig: sim.kubeconfigPath }));
    await provider.teardown();

    // Younger than the grace period: a run whose Lease is not written yet looks the same.
    expect(await phaseOf('left-by-crash')).toBe('Active');
    expect(await phaseOf('this-run')).toBe('Active');
    expect(await phaseOf('users-own')).toBe('Active');
    expect(lines).toContain(`stale namespaces: removed Lease ${RUN_LEASE_NAMESPACE}/meshspec-run-run-before`);
    expect(await leaseNames()).not.toContain('meshspec-run-run-before');
  });
});

describe('runs sharing one cluster', () => {
  it('starting a second run leaves the namespaces of a live first run alone, also once they are past the grace period', async () => {
    const first = kubeconfigProvider();
    await first.setup(options({ kubeconfig: sim.kubeconfigPath }, 'run-first'));
    const firstNamespace = await createScenarioNamespace(kube, { name: 'first', mesh: 'none' }, 'run-first');
    const leaselessNamespace = await createScenarioNamespace(kube, { name: 'leaseless', mesh: 'none' }, 'run-without-lease');
    expect(await leaseNames()).toContain('meshspec-run-run-first');
    if (existsSync(KUBECTL)) {
      const { stdout } = await execa(KUBECTL, ['--kubeconfig', sim.kubeconfigPath, 'get', 'leases', '-A']);
      expect(stdout).toMatch(new RegExp(`^${RUN_LEASE_NAMESPACE}\\s+meshspec-run-run-first\\s+meshspec@\\S+:${process.pid}\\s+\\d+s$`, 'm'));
    }

    lines.length = 0;
    const second = kubeconfigProvider();
    await second.setup(options({ kubeconfig: sim.kubeconfigPath }, 'run-second'));
    expect(lines.find((line) => line.startsWith('run lease: '))).toBe(`run lease: ${RUN_LEASE_NAMESPACE}/meshspec-run-run-second, renewed every 20 s`);
    expect(await phaseOf(firstNamespace)).toBe('Active');

    // As if both namespaces were past the grace period: only the Lease tells them apart.
    const cleanup = await removeStaleNamespaces(kube, 'run-second', { namespaceGraceMs: 0 });
    expect(cleanup.namespaces).toContain(leaselessNamespace);
    expect(cleanup.namespaces).not.toContain(firstNamespace);
    expect(await phaseOf(firstNamespace)).toBe('Active');

    await first.teardown();
    await second.teardown();
    expect(await leaseNames()).not.toContain('meshspec-run-run-first');
    expect(await leaseNames()).not.toContain('meshspec-run-run-second');
    // Once the first run ended, its namespace is a leftover like any other.
    expect((await removeStaleNamespaces(kube, 'run-third', { namespaceGraceMs: 0 })).namespaces).toContain(firstNamespace);
  });

  it('removes the namespaces and the Lease of a run whose Lease expired', async () => {
    await writeLease('run-expired', Date.now() - 10 * 60_000);
    const leftover = await createScenarioNamespace(kube, { name: 'expired', mesh: 'none' }, 'run-expired');
    // Renewed a moment ago: within its duration, that run is alive.
    await writeLease('run-renewed', Date.now() - 5_000);
    const alive = await createScenarioNamespace(kube, { name: 'renewed', mesh: 'none' }, 'run-renewed');

    const cleanup = await removeStaleNamespaces(kube, 'run-now', { namespaceGraceMs: 0 });

    expect(cleanup.namespaces).toContain(leftover);
    expect(cleanup.leases).toContain('meshspec-run-run-expired');
    expect(cleanup.summary).toContain(`${leftover}, `);
    expect(['gone', 'Terminating']).toContain(await phaseOf(leftover));
    expect(await leaseNames()).not.toContain('meshspec-run-run-expired');
    expect(await phaseOf(alive)).toBe('Active');
    expect(await leaseNames()).toContain('meshspec-run-run-renewed');
  });

  it('refuses a Lease time without six fractional digits, as a real API server does', async () => {
    const body = { metadata: { name: 'millis' }, spec: { renewTime: new Date().toISOString() as unknown as V1MicroTime } };
    await expect(leases.createNamespacedLease({ namespace: RUN_LEASE_NAMESPACE, body })).rejects.toThrow(/spec\.renewTime/);
  });
});

describe('kubeconfig provider without Istio', () => {
  let bare: SimCluster;
  beforeAll(async () => {
    bare = await startSim({ istioProfile: 'none' });
  }, 60_000);
  afterAll(() => bare?.stop());

  it('leaves an Istio installed as a revision alone instead of installing a second control plane beside it', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(bare.kubeconfigPath);
    const bareCore = kc.makeApiClient(CoreV1Api);
    const bareApps = kc.makeApiClient(AppsV1Api);
    await bareCore.createNamespace({ body: { metadata: { name: 'istio-system' } } }).catch(() => undefined);
    const labels = { app: 'istiod', 'istio.io/rev': '1-29-9' };
    await bareApps.createNamespacedDeployment({
      namespace: 'istio-system',
      body: {
        metadata: { name: 'istiod-1-29-9', labels },
        spec: {
          replicas: 0,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.29.9' }] } },
        },
      },
    });
    // istioctl in the cache is the fake one, which records the install it is asked for.
    const cache = mkdtempSync(join(tmpdir(), 'meshspec-cache-'));
    const savedCache = process.env.MESHSPEC_CACHE;
    process.env.MESHSPEC_CACHE = cache;
    mkdirSync(join(cache, 'istio', '1.30.5'), { recursive: true });
    writeFileSync(join(cache, 'istio', '1.30.5', 'istioctl'), `#!/bin/sh\nexec "${join(FAKES_DIR, 'istioctl')}" "$@"\n`);
    chmodSync(join(cache, 'istio', '1.30.5', 'istioctl'), 0o755);
    const world = new FakeWorld({ istioInstallFails: true });
    try {
      for (const installIstio of ['true', undefined]) {
        const error = (await kubeconfigProvider()
          .setup({ ...options({ kubeconfig: bare.kubeconfigPath, installIstio }), istioVersion: '1.30.5' })
          .catch((e: unknown) => e)) as ProviderError;
        expect(error).toBeInstanceOf(ProviderError);
        expect(error.message).toBe(
          'Istio runs in context "meshspec-sim" as a revision only (istiod-1-29-9 in istio-system), without the istiod Deployment of a default install that meshspec runs on; meshspec leaves it alone.',
        );
        expect(error.hint).toContain('istioctl install');
      }
      expect(world.argsOf('istioctl')).toEqual([]);
    } finally {
      world.dispose();
      if (savedCache === undefined) delete process.env.MESHSPEC_CACHE;
      else process.env.MESHSPEC_CACHE = savedCache;
      await bareApps.deleteNamespacedDeployment({ name: 'istiod-1-29-9', namespace: 'istio-system' });
    }
  });

  it("installs Istio with an overlay of its own, whose ingress gateway gets a load balancer (not kind's pinned NodePorts)", async () => {
    const cache = mkdtempSync(join(tmpdir(), 'meshspec-cache-'));
    const savedCache = process.env.MESHSPEC_CACHE;
    process.env.MESHSPEC_CACHE = cache;
    mkdirSync(join(cache, 'istio', '1.30.5'), { recursive: true });
    writeFileSync(join(cache, 'istio', '1.30.5', 'istioctl'), `#!/bin/sh\nexec "${join(FAKES_DIR, 'istioctl')}" "$@"\n`);
    chmodSync(join(cache, 'istio', '1.30.5', 'istioctl'), 0o755);
    // The fake istioctl fails the install as istioctl does (it would otherwise leave the sim without istiod to wait for).
    const world = new FakeWorld({ istioInstallFails: true });
    try {
      const error = await kubeconfigProvider()
        .setup({ ...options({ kubeconfig: bare.kubeconfigPath, installIstio: 'true' }), istioVersion: '1.30.5' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(world.argsOf('istioctl', 'install')).toEqual([
        [
          'install',
          '-y',
          '--set',
          'profile=demo',
          '--set',
          'hub=docker.io/istio',
          '-f',
          join(process.cwd(), 'clusters', 'istio-overlay-kubeconfig.yaml'),
          '--context',
          'meshspec-sim',
        ],
      ]);
    } finally {
      world.dispose();
      if (savedCache === undefined) delete process.env.MESHSPEC_CACHE;
      else process.env.MESHSPEC_CACHE = savedCache;
    }
  });

  it('stops with how to install Istio or let meshspec do it', async () => {
    const error = (await kubeconfigProvider()
      .setup(options({ kubeconfig: bare.kubeconfigPath }))
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe('Istio is not installed in context "meshspec-sim" (no istiod deployment in istio-system).');
    expect(error.hint).toContain('--install-istio');
  });
});
