/**
 * The kubeconfig provider reaching the ingress gateway through a port-forward, against a running sim
 * whose gateway Service is made ClusterIP (or whose address is declared unreachable).
 */
import { connect } from 'node:net';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigProvider } from '../../harness/providers/kubeconfig/index.js';
import { discoverIngress } from '../../harness/providers/kubeconfig/ingress.js';
import { findIstioGateways } from '../../harness/providers/kubeconfig/istio.js';
import { kubeClients } from '../../harness/providers/setup/kube.js';
import type { ProgressReporter, ProviderOptions } from '../../harness/contract/cluster.js';
import { startSim, type SimCluster } from '../../harness/sim/index.js';
import { fetchOnceListening, listenOnGatewayPort80 } from './gateway-listener.js';

let sim: SimCluster;
let core: CoreV1Api;
const lines: string[] = [];
const progress: ProgressReporter = {
  phase: (name) => ({ done: (detail) => lines.push(`${name}: ${detail ?? 'done'}`), fail: () => {}, update: () => {} }),
  info: (message) => lines.push(message),
};
const GATEWAY = { namespace: 'istio-system', name: 'istio-ingressgateway' };

const savedDownloads = { MESHSPEC_CACHE: process.env.MESHSPEC_CACHE, MESHSPEC_ISTIO_DOWNLOAD_URL: process.env.MESHSPEC_ISTIO_DOWNLOAD_URL };
beforeAll(async () => {
  // The provider fetches istioctl of the Istio it finds: offline here, it notes the failure and goes on.
  process.env.MESHSPEC_ISTIO_DOWNLOAD_URL = 'http://127.0.0.1:1/releases';
  sim = await startSim({ istioProfile: 'demo' });
  await listenOnGatewayPort80(sim.kubeconfigPath);
  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
}, 90_000);
afterAll(async () => {
  await sim?.stop();
  for (const [name, value] of Object.entries(savedDownloads)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function options(): ProviderOptions {
  return {
    runId: 'run-pf',
    profiles: ['demo'],
    addons: [],
    reuse: false,
    artifactsDir: '/tmp/meshspec-artifacts',
    rootDir: process.cwd(),
    progress,
    settings: { kubeconfig: sim.kubeconfigPath, echoImage: 'meshspec/echo:dev' },
  };
}

/** A request for a host no Gateway claims: the gateway's Envoy answers 404 itself. */
async function askGateway(base: string): Promise<{ status: number; server: string | null }> {
  const response = await fetchOnceListening(`${base}/`, { headers: { host: 'nobody.example.com' } });
  await response.arrayBuffer();
  return { status: response.status, server: response.headers.get('server') };
}

function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const readyGatewayPods = async (): Promise<V1Pod[]> =>
  (await core.listNamespacedPod({ namespace: GATEWAY.namespace, labelSelector: 'istio=ingressgateway' })).items.filter(
    (p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );

describe('ingress through a port-forward', () => {
  it('forwards to a Ready gateway pod when the address does not take connections', async () => {
    const kube = kubeClients(sim.kubeconfigPath, sim.context);
    const found = await discoverIngress(kube, (await findIstioGateways(kube, undefined)).ingress, async () => 'connect ETIMEDOUT');
    try {
      expect(found.target?.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(found.summary).toMatch(
        /a port-forward to pod istio-ingressgateway-\S+ \(http:\/\/127\.0\.0\.1:\d+ is not reachable from this machine \(connect ETIMEDOUT\)\)$/,
      );
      expect(await askGateway(found.target!.http)).toEqual({ status: 404, server: 'istio-envoy' });
    } finally {
      await found.close();
    }
    expect(await refused(found.target!.http)).toBe(true);
  });

  it('on a ClusterIP gateway Service, the provider forwards, follows a replaced pod, and closes the listener at teardown', async () => {
    const service = await core.readNamespacedService(GATEWAY);
    await core.replaceNamespacedService({
      ...GATEWAY,
      body: { ...service, spec: { ...service.spec, type: 'ClusterIP', ports: service.spec!.ports!.map(({ nodePort: _, ...port }) => port) } },
    });
    const provider = kubeconfigProvider();
    const handle = await provider.setup(options());
    try {
      const url = handle.ingress!.http;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^ingress: http:\/\/127\.0\.0\.1:\d+, a port-forward to pod istio-ingressgateway-\S+ \(Service ClusterIP without a load balancer address/,
        ),
      );
      expect(await askGateway(url)).toEqual({ status: 404, server: 'istio-envoy' });

      // The gateway pod is replaced: new connections go to the new one.
      const [old] = await readyGatewayPods();
      await core.deleteNamespacedPod({ namespace: GATEWAY.namespace, name: old.metadata!.name!, gracePeriodSeconds: 0 });
      await expect
        .poll(async () => (await readyGatewayPods()).map((p) => p.metadata!.name), { timeout: 30_000, interval: 200 })
        .toEqual([expect.not.stringMatching(`^${old.metadata!.name}$`)]);
      expect(await askGateway(url)).toEqual({ status: 404, server: 'istio-envoy' });
    } finally {
      await provider.teardown();
    }
    expect(await refused(handle.ingress!.http)).toBe(true);
  }, 60_000);
});
