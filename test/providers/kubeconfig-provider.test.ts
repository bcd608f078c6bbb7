/** The kubeconfig provider for real, against a running sim through its kubeconfig. */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigProvider } from '../../harness/providers/kubeconfig/index.js';
import { installSimAddons } from '../../harness/providers/sim/addons.js';
import { ProviderError, type Addon, type ProgressReporter, type ProviderOptions } from '../../harness/providers/types.js';
import { EXTERNAL_HOST, EXTERNAL_IP, startSim, type SimCluster } from '../../harness/sim/index.js';
import { NODE_IP } from '../../harness/sim/kubelet/kubelet.js';
import { FakeWorld, FAKES_DIR } from './fake-world.js';

let sim: SimCluster;
let core: CoreV1Api;
const lines: string[] = [];

const progress: ProgressReporter = {
  phase: (name) => ({
    done: (detail) => lines.push(`${name}: ${detail ?? 'done'}`),
    fail: (error) => lines.push(`${name} failed: ${(error as Error).message}`),
    update: () => {},
  }),
  info: (message) => lines.push(message),
};

function options(settings: ProviderOptions['settings'], runId = 'run-now', addons: Addon[] = []): ProviderOptions {
  return { runId, profiles: ['demo'], addons, reuse: false, artifactsDir: '/tmp/meshspec-artifacts', rootDir: process.cwd(), progress, settings };
}

/** The sim's kubeconfig with its context renamed, as if it were some other cluster. */
function kubeconfigWithContext(name: string): string {
  const path = join(sim.kubeconfigPath, '..', `${name}.kubeconfig`);
  writeFileSync(path, readFileSync(sim.kubeconfigPath, 'utf8').replaceAll(sim.context, name));
  return path;
}

beforeAll(async () => {
  sim = await startSim({ istioProfile: 'demo' });
  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
}, 90_000);
afterAll(() => sim?.stop());

describe('kubeconfig provider on the sim', () => {
  it('runs on the sim context and reports its Istio and ingress', async () => {
    const handle = await kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath }));
    expect(handle).toMatchObject({
      provider: 'kubeconfig',
      kubeconfig: sim.kubeconfigPath,
      context: 'meshspec-sim',
      istio: { version: sim.istioVersion, profile: 'demo' },
      imageRewrites: {},
    });
    // The sim's gateway Service is a LoadBalancer without an address: the NodePort on the node's address it is.
    const gateway = await core.readNamespacedService({ namespace: 'istio-system', name: 'istio-ingressgateway' });
    const nodePort = gateway.spec!.ports!.find((p) => p.port === 80)!.nodePort!;
    expect(handle.ingress).toEqual({ http: `http://${NODE_IP}:${nodePort}` });
    // That address reaches the ingress gateway: no Gateway claims the host, so Envoy answers 404.
    const response = await fetch(`${handle.ingress!.http}/`);
    expect(response.status).toBe(404);
    expect(response.headers.get('server')).toBe('istio-envoy');
    // The sim publishes its service outside the cluster in kube-public/meshspec-external.
    expect(handle.variables).toEqual({ EXTERNAL_HOST, EXTERNAL_IP });
    expect(lines.some((line) => line.startsWith('where the time went'))).toBe(true);
  });

  it('refuses a context that is neither kind nor sim, naming the flag that allows it', async () => {
    const kubeconfig = kubeconfigWithContext('prod-cluster');
    const error = await kubeconfigProvider().setup(options({ kubeconfig })).catch((e: unknown) => e);
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
    await expect(kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath, context: 'nope' })))
      .rejects.toThrow(expect.objectContaining({ message: expect.stringContaining('has no context "nope"'), hint: 'Pick one with --context NAME (it has: meshspec-sim).' }));
  });

  it('requires the addons the scenarios use on an Istio it did not install, naming the missing ones and how to install them', async () => {
    const error = (await kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath }, 'run-now', ['kiali', 'jaeger'])).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe('The scenarios use the addons kiali, jaeger, but kiali, jaeger are not installed in context "meshspec-sim" (no Service of that name in istio-system).');
    expect(error.hint).toBe([
      'Install them from the Istio release (samples/addons/<name>.yaml), e.g.',
      `kubectl apply -f https://raw.githubusercontent.com/istio/istio/${sim.istioVersion}/samples/addons/kiali.yaml`,
      `kubectl apply -f https://raw.githubusercontent.com/istio/istio/${sim.istioVersion}/samples/addons/jaeger.yaml`,
    ].join('\n'));

    await installSimAddons(sim, ['kiali'], 'test-setup');
    await expect(kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath }, 'run-now', ['kiali', 'jaeger'])))
      .rejects.toThrow('but jaeger is not installed');
    lines.length = 0;
    await kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath }, 'run-now', ['kiali']));
    expect(lines).toContain('addons kiali: present');
  });

  it('removes namespaces earlier runs left behind and nothing else', async () => {
    const create = (name: string, labels?: Record<string, string>) => core.createNamespace({ body: { metadata: { name, labels } } });
    await create('left-by-crash', { 'meshspec.dev/run': 'run-before' });
    await create('this-run', { 'meshspec.dev/run': 'run-now' });
    await create('users-own');

    await kubeconfigProvider().setup(options({ kubeconfig: sim.kubeconfigPath }));

    const remaining = async (name: string) => {
      try {
        const ns = await core.readNamespace({ name });
        return ns.status?.phase ?? 'Active';
      } catch {
        return 'gone';
      }
    };
    expect(['gone', 'Terminating']).toContain(await remaining('left-by-crash'));
    expect(await remaining('this-run')).toBe('Active');
    expect(await remaining('users-own')).toBe('Active');
    expect(lines).toContain('stale namespaces: removed left-by-crash');
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
        spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.29.9' }] } } },
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
        const error = (await kubeconfigProvider().setup({ ...options({ kubeconfig: bare.kubeconfigPath, installIstio }), istioVersion: '1.30.5' })
          .catch((e: unknown) => e)) as ProviderError;
        expect(error).toBeInstanceOf(ProviderError);
        expect(error.message).toBe('Istio runs in context "meshspec-sim" as a revision only (istiod-1-29-9 in istio-system), without the istiod Deployment of a default install that meshspec runs on; meshspec leaves it alone.');
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

  it('stops with how to install Istio or let meshspec do it', async () => {
    const error = (await kubeconfigProvider().setup(options({ kubeconfig: bare.kubeconfigPath })).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe('Istio is not installed in context "meshspec-sim" (no istiod deployment in istio-system).');
    expect(error.hint).toContain('--install-istio');
  });
});
