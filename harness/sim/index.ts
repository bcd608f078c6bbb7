/**
 * The embedded cluster: a Kubernetes-compatible API server over HTTPS with a bearer token,
 * controllers, a kubelet whose pods are processes, and Istio's control plane emulated.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ISTIO_VERSION, ISTIO_RELEASES, istioRelease } from '../istio/releases.js';
import type { NativeSidecarMode } from '../istio/injection.js';
import { createDataPlane } from '../mesh/index.js';
import type { DataPlane, ExternalHost, MeshHost } from '../mesh/types.js';
import { ClusterApi, createServerCertificates, ResourceRegistry, SIM_CONTEXT, startApiServer } from './apiserver/index.js';
import { bootstrapCluster } from './bootstrap.js';
import { NodePortProxy, startControllers } from './controllers/index.js';
import { EXTERNAL_CONFIG_MAP, EXTERNAL_HOST, EXTERNAL_IP, EXTERNAL_PORT, startExternalService, type ExternalService } from './external.js';
import { createMeshHost } from './host.js';
import { installIstio, ISTIO_NAMESPACE } from './istio/index.js';
import { Kubelet, schedulerAdmission } from './kubelet/index.js';
import { ObjectStore } from './store/index.js';

export { createPassthroughDataPlane } from './passthrough.js';
export { EXTERNAL_HOST, EXTERNAL_IP };

export type SimIstioProfileOption = 'demo' | 'default' | 'minimal' | 'none';

export interface SimOptions {
  /** Istio to install; default `demo`. `none` leaves Istio out (no CRDs, no injection). */
  istioProfile?: SimIstioProfileOption;
  /** Where to write the kubeconfig; default a new temporary directory. */
  kubeconfigPath?: string;
  /** The Istio release to emulate (images, version), on the newest Kubernetes it supports; default the newest supported release. */
  istioVersion?: string;
  /**
   * istiod's ENABLE_NATIVE_SIDECARS: `auto` (default, Istio's own: native sidecars, since the node's
   * kubelet is >= 1.33), or `true`/`false` to force them on or off, as an install setting it would.
   */
  nativeSidecars?: NativeSidecarMode;
  /** The data plane; default harness/mesh's emulated Istio data plane (createPassthroughDataPlane: none). */
  dataPlane?: (host: MeshHost) => DataPlane;
  /** The echo app's entry point; default `<repo>/dist/apps/echo/src/main.js`. */
  echoEntry?: string;
  /** How long to wait for Istio's deployments to become available; default 60 s. */
  readyTimeoutMs?: number;
}

export interface SimCluster {
  kubeconfigPath: string;
  context: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** Where the ingress gateway's http port answers, once it runs. */
  ingress(): { host: string; port: number } | null;
  /** Hosts outside the cluster (EXTERNAL_HOST / EXTERNAL_IP); empty when the echo app is not built. */
  externalHosts(): ExternalHost[];
  istioVersion: string;
  stop(): Promise<void>;
}

/** The package root: the nearest folder above this module whose package.json is meshspec's (works from the sources and from dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'meshspec') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`meshspec sim: cannot find meshspec's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function defaultEchoEntry(): string {
  return resolve(packageRoot(), 'dist/apps/echo/src/main.js');
}

/** Waits for istiod and the gateways (addons are installed later, by whoever asked for them). */
async function waitForIstio(api: ClusterApi, timeoutMs: number): Promise<void> {
  const deployments = api.type('apps', 'Deployment');
  const pending = () =>
    api
      .list(deployments, ISTIO_NAMESPACE)
      .filter(
        (d) =>
          !(d.status?.conditions?.some((c: any) => c.type === 'Available' && c.status === 'True') && d.status?.observedGeneration === d.metadata.generation),
      );
  const available = () => pending().length === 0;
  if (available()) return;
  await new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new Error(
          `meshspec sim: Istio did not become ready within ${timeoutMs / 1000}s (not available: ${pending()
            .map((d) => d.metadata.name)
            .join(', ')}); see \`kubectl get events -n ${ISTIO_NAMESPACE}\``,
        ),
      );
    }, timeoutMs);
    const unsubscribe = api.store.subscribe(() => {
      if (!available()) return;
      clearTimeout(timer);
      unsubscribe();
      resolvePromise();
    });
  });
}

export async function startSim(options: SimOptions = {}): Promise<SimCluster> {
  const profile = options.istioProfile ?? 'demo';
  const istioVersion = options.istioVersion ?? DEFAULT_ISTIO_VERSION;
  const release = istioRelease(istioVersion);
  if (!release)
    throw new Error(`meshspec sim: Istio ${istioVersion} is not a release meshspec supports (${ISTIO_RELEASES.map((r) => `${r.minor}.x`).join(', ')})`);
  // A kind cluster gets the newest Kubernetes the release supports; so does the sim's node and API server.
  const kubernetesVersion = `v${release.kubernetes[1]}.0-meshspec-sim`;
  const echoEntry = options.echoEntry ?? defaultEchoEntry();
  const createdDir = options.kubeconfigPath ? undefined : await mkdtemp(join(tmpdir(), 'meshspec-sim-'));
  const kubeconfigPath = resolve(options.kubeconfigPath ?? join(createdDir!, 'kubeconfig'));
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
    if (createdDir) await rm(createdDir, { recursive: true, force: true });
  };
  try {
    const api = new ClusterApi(new ObjectStore(), new ResourceRegistry());
    api.addAdmission(schedulerAdmission);
    bootstrapCluster(api, kubernetesVersion);
    let external: ExternalService | undefined;
    if (existsSync(echoEntry)) {
      external = await startExternalService(echoEntry);
      cleanups.push(() => external!.stop());
      api.create(api.type('', 'ConfigMap'), EXTERNAL_CONFIG_MAP.namespace, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { ...EXTERNAL_CONFIG_MAP },
        data: { host: EXTERNAL_HOST, ip: EXTERNAL_IP, port: String(EXTERNAL_PORT) },
      });
    }
    const host = createMeshHost(api, () => external?.hosts() ?? []);
    // Configuration the data plane cannot use is reported where istiod reports it: as events on the object.
    const dataPlane = options.dataPlane
      ? options.dataPlane(host)
      : createDataPlane(host, { onConfigError: (obj, message) => api.recordEvent(obj, 'Warning', 'IstioConfigError', message, 'istiod') });
    await dataPlane.start();
    cleanups.push(() => dataPlane.stop());
    const kubelet = new Kubelet({ api, dataPlane, echoEntry });
    kubelet.start();
    cleanups.push(() => kubelet.stop());
    const nodePorts = new NodePortProxy(api, kubelet);
    await nodePorts.start();
    cleanups.push(() => nodePorts.stop());
    const certificates = await createServerCertificates();
    cleanups.push(startControllers(api, certificates.caPem));
    const server = await startApiServer(api, kubelet, kubernetesVersion, certificates);
    cleanups.push(() => server.close());
    await server.writeKubeconfig(kubeconfigPath);
    if (profile !== 'none') {
      installIstio(api, { profile, version: istioVersion, nativeSidecars: options.nativeSidecars ?? 'auto' });
      await waitForIstio(api, options.readyTimeoutMs ?? 60_000);
    }
    return {
      kubeconfigPath,
      context: SIM_CONTEXT,
      server: server.url,
      ingress: () => dataPlane.ingressAddress(),
      externalHosts: () => external?.hosts() ?? [],
      istioVersion,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
