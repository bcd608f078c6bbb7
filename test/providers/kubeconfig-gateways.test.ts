/**
 * The kubeconfig provider finding ingress gateways that istioctl did not install in istio-system,
 * against a running sim with the minimal profile (istiod, no gateway) to which gateways are added
 * as the istio/gateway Helm chart renders them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kubeconfigProvider } from '../../harness/providers/kubeconfig/index.js';
import { ProviderError, type ProgressReporter, type ProviderOptions } from '../../harness/contract/cluster.js';
import { startSim, type SimCluster } from '../../harness/sim/index.js';

let sim: SimCluster;
let core: CoreV1Api;
let apps: AppsV1Api;
const lines: string[] = [];
const progress: ProgressReporter = {
  phase: (name) => ({ done: (detail) => lines.push(`${name}: ${detail ?? 'done'}`), fail: () => {}, update: () => {} }),
  info: (message) => lines.push(message),
};

const savedDownloads = { MESHSPEC_CACHE: process.env.MESHSPEC_CACHE, MESHSPEC_ISTIO_DOWNLOAD_URL: process.env.MESHSPEC_ISTIO_DOWNLOAD_URL };
beforeAll(async () => {
  // The provider fetches istioctl of the Istio it finds: offline here, it notes the failure and goes on.
  process.env.MESHSPEC_CACHE = mkdtempSync(join(tmpdir(), 'meshspec-cache-'));
  process.env.MESHSPEC_ISTIO_DOWNLOAD_URL = 'http://127.0.0.1:1/releases';
  sim = await startSim({ istioProfile: 'minimal' });
  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  for (const name of ['istio-ingress', 'edge']) await core.createNamespace({ body: { metadata: { name } } });
}, 90_000);
afterAll(async () => {
  await sim?.stop();
  for (const [name, value] of Object.entries(savedDownloads)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(() => {
  lines.length = 0;
});

function options(settings: ProviderOptions['settings'] = {}): ProviderOptions {
  return {
    runId: 'run-gateways',
    profiles: ['demo'],
    addons: [],
    reuse: false,
    artifactsDir: '/tmp/meshspec-artifacts',
    rootDir: process.cwd(),
    progress,
    settings: { kubeconfig: sim.kubeconfigPath, echoImage: 'meshspec/echo:dev', ...settings },
  };
}

async function setup(settings: ProviderOptions['settings'] = {}) {
  const provider = kubeconfigProvider();
  const handle = await provider.setup(options(settings));
  await provider.teardown();
  return handle;
}

/**
 * `helm install <release> istio/gateway -n <namespace> --set autoscaling.enabled=false --set replicaCount=0`
 * as the chart renders it at 1.29.6, 1.30.3 and 1.31.0-rc.0 (istio/istio manifests/charts/gateway/templates:
 * _helpers.tpl gateway.name and gateway.selectorLabels, deployment.yaml, service.yaml; values.yaml service
 * type LoadBalancer with ports 15021, 80 -> 80, 443 -> 443). No replicas: the sim does not emulate the
 * gateway injection template, and the provider only needs the objects.
 */
async function helmGateway(namespace: string, release: string): Promise<void> {
  const selector = { app: release, istio: release.replace(/^istio-/, '') };
  const labels = {
    'app.kubernetes.io/name': release,
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/part-of': 'istio',
    'app.kubernetes.io/version': '1.30.3',
    'helm.sh/chart': 'gateway-1.30.3',
    ...selector,
    'istio.io/dataplane-mode': 'none',
  };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: release, labels },
      spec: {
        replicas: 0,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            annotations: {
              'prometheus.io/port': '15020',
              'prometheus.io/scrape': 'true',
              'prometheus.io/path': '/stats/prometheus',
              'inject.istio.io/templates': 'gateway',
              'sidecar.istio.io/inject': 'true',
            },
            labels: { 'sidecar.istio.io/inject': 'true', ...selector, 'app.kubernetes.io/name': release, 'istio.io/dataplane-mode': 'none' },
          },
          spec: { serviceAccountName: release, containers: [{ name: 'istio-proxy', image: 'auto' }] },
        },
      },
    },
  });
  await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name: release, labels },
      spec: {
        type: 'LoadBalancer',
        selector,
        ports: [
          { name: 'status-port', port: 15021, protocol: 'TCP', targetPort: 15021 },
          { name: 'http2', port: 80, protocol: 'TCP', targetPort: 80 },
          { name: 'https', port: 443, protocol: 'TCP', targetPort: 443 },
        ],
      },
    },
  });
}

describe('ingress gateways found by their labels', () => {
  it('reads a minimal install as minimal, with no ingress', async () => {
    const handle = await setup();
    expect(handle.istio.profile).toBe('minimal');
    expect(handle.ingress).toBeNull();
    expect(lines).toContain(
      'ingress: none: no Istio ingress gateway in any namespace (a Deployment labelled operator.istio.io/component=IngressGateways, or one of the istio/gateway chart; name another with --ingress-gateway NAMESPACE/NAME)',
    );
  });

  it("finds the istio/gateway chart's release in its own namespace, and warns when the tutorials' Gateways do not select it", async () => {
    await helmGateway('istio-ingress', 'istio-ingress');
    const handle = await setup();
    expect(handle.istio.profile).toBe('default');
    expect(lines.find((line) => line.startsWith('Istio: '))).toMatch(/^Istio: \S+ \(default; ingress gateway istio-ingress\/istio-ingress\); /);
    expect(lines).toContain(
      "warning: the ingress gateway istio-ingress/istio-ingress selects pods labelled istio=ingress, but the tutorials' Gateways select istio=ingressgateway, so scenarios that send traffic through the ingress get no route there (404). To fix, install it as the istio/gateway chart's release istio-ingressgateway (or with --set labels.istio=ingressgateway), or name another with --ingress-gateway NAMESPACE/NAME.",
    );
    // Its Service is the address: a LoadBalancer without an address, so its NodePort on the node.
    const service = await core.readNamespacedService({ namespace: 'istio-ingress', name: 'istio-ingress' });
    const nodePort = service.spec!.ports!.find((port) => port.name === 'http2')!.nodePort!;
    expect(lines.find((line) => line.startsWith('ingress: '))).toContain(`:${nodePort}`);
  });

  it("of several, takes the one whose pods are labelled istio=ingressgateway, as the tutorials' Gateways select", async () => {
    await helmGateway('istio-ingress', 'istio-ingressgateway');
    const handle = await setup();
    expect(handle.istio.profile).toBe('default');
    expect(lines).toContain(
      'ingress gateway: istio-ingress/istio-ingressgateway, of istio-ingress/istio-ingress, istio-ingress/istio-ingressgateway, the one whose pods are labelled istio=ingressgateway',
    );
    expect(lines.some((line) => line.startsWith('warning: the ingress gateway'))).toBe(false);
  });

  it('stops when several could be meant, naming them and the setting that chooses, which then does', async () => {
    await helmGateway('edge', 'istio-ingressgateway');
    const error = (await setup().catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      "The cluster has 3 Istio ingress gateways, and 2 of them select pods labelled istio=ingressgateway as the tutorials' Gateways do: " +
        'Service edge/istio-ingressgateway (selector app=istio-ingressgateway,istio=ingressgateway; Deployment edge/istio-ingressgateway); ' +
        'Service istio-ingress/istio-ingress (selector app=istio-ingress,istio=ingress; Deployment istio-ingress/istio-ingress); ' +
        'Service istio-ingress/istio-ingressgateway (selector app=istio-ingressgateway,istio=ingressgateway; Deployment istio-ingress/istio-ingressgateway).',
    );
    expect(error.hint).toBe(
      'Name the one to send ingress traffic to: --ingress-gateway NAMESPACE/NAME of its Service (plugin: settings.ingressGateway), e.g. --ingress-gateway edge/istio-ingressgateway.',
    );

    await setup({ ingressGateway: 'edge/istio-ingressgateway' });
    expect(lines.find((line) => line.startsWith('Istio: '))).toMatch(/\(default; ingress gateway edge\/istio-ingressgateway\); /);
  });

  it('refuses a setting that is not NAMESPACE/NAME, before touching the cluster, or that names no Service', async () => {
    const malformed = (await setup({ ingressGateway: 'istio-ingressgateway' }).catch((e: unknown) => e)) as ProviderError;
    expect(malformed).toBeInstanceOf(ProviderError);
    expect(malformed.message).toBe('--ingress-gateway "istio-ingressgateway" is not NAMESPACE/NAME.');
    expect(lines).toEqual([]);
    await expect(setup({ ingressGateway: 'edge/nope' })).rejects.toThrow('--ingress-gateway edge/nope: there is no Service nope in namespace edge.');
  });

  it('reads an egress gateway of the chart as the demo profile', async () => {
    await helmGateway('edge', 'istio-egressgateway');
    const handle = await setup({ ingressGateway: 'edge/istio-ingressgateway' });
    expect(handle.istio.profile).toBe('demo');
  });
});
