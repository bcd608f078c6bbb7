/**
 * The kind provider: a local registry, a kind cluster with the node image of the chosen Istio
 * version, the echo image in the registry, istioctl from the cache (or the user's: istioctl.ts),
 * Istio installed and proven ready, the addons the scenarios use (Istio's samples/addons of that version), and the external service of the egress chapters. Everything it creates is labelled and
 * recorded; teardown removes only that, and keeps it all with --reuse.
 *
 * Settings: `clusterName` (default "meshspec"), `istioctl` (the istioctl to install and run Istio
 * with instead of a download; of the chosen Istio's minor).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterHandle, ClusterProvider, IstioProfile, ProviderOptions } from '../../contract/cluster.js';
import type { GivenIstioctl } from '../istioctl/given.js';
import { ProviderError } from '../../contract/cluster.js';
import { installIstioAddons } from '../istio/addons.js';
import { cacheRoot } from '../istioctl/cache-dir.js';
import { describeCachedIstioctl, ensureIstioctl } from '../istioctl/download.js';
import { installIstio, istioOverlayPath, widestProfile } from '../istio/install.js';
import { waitForIstioReady } from '../istio/readiness.js';
import { endOfLifeNotice, resolveIstioVersion } from '../istio/versions.js';
import { kubeClients, type ProviderKube } from '../setup/kube.js';
import { PhaseTimer } from '../setup/phase-timer.js';
import { checkPrerequisites, kubectlCheck } from '../host/prerequisites.js';
import { holdRunLease, removeStaleNamespaces, type RunLease } from '../../kube/index.js';
import {
  clusterExists,
  createCluster,
  deleteCluster,
  exportKubeconfig,
  INGRESS_HOST_PORTS,
  isClusterOwned,
  kindContext,
  listNodes,
  markClusterOwned,
} from './cluster.js';
import { addExternalHost, EXTERNAL_HOST, restartCoreDns, restoreCorefile } from './coredns.js';
import { exportKindLogs, exportKindLogsIfUnhealthy } from './diagnostics.js';
import { ECHO_IMAGE, ensureEchoImage } from './echo-image.js';
import { ensureExternalService, externalServiceNameCheck, publishExternalService, removeExternalService } from './external-service.js';
import { istioAlreadyInstalled, kindIstioDeployments } from './istio.js';
import { givenIstioctlCheck } from './istioctl.js';
import { ownClusterMismatch, userClusterProblem, type WantedCluster } from './reuse.js';
import { dockerEngineCheck, kindCheck, kindTools, type KindTools } from './prerequisites.js';
import {
  configureNodesForRegistry,
  connectRegistryToKindNetwork,
  ensureRegistry,
  publishRegistryHosting,
  removeRegistry,
  stopRegistry,
  type RegistryState,
} from './registry.js';

export { exportKindLogsIfUnhealthy } from './diagnostics.js';

const DEFAULT_CLUSTER_NAME = 'meshspec';
const KIND_INGRESS_URL = `http://127.0.0.1:${INGRESS_HOST_PORTS.http}`;

/** What setup made or found, so that teardown removes exactly what it should. */
interface KindRun {
  options: ProviderOptions;
  tools: KindTools;
  clusterName: string;
  kubeconfig: string;
  registry?: RegistryState;
  /** True once a cluster exists that this run may delete (created by meshspec, no --reuse). */
  deleteCluster: boolean;
  kube?: ProviderKube;
  /** The Corefile before the external host was added; restored when the cluster is kept. */
  originalCorefile?: string;
  /** Set once the external service container may exist. */
  externalService: boolean;
  /** Shows other runs on a reused cluster that this one is alive. */
  lease?: RunLease;
}

export function kindProvider(): ClusterProvider {
  let run: KindRun | undefined;

  return {
    name: 'kind',
    async setup(options) {
      const clusterName = options.settings.clusterName || DEFAULT_CLUSTER_NAME;
      run = {
        options,
        tools: kindTools(),
        clusterName,
        kubeconfig: join(cacheRoot(), 'kind', clusterName, 'kubeconfig'),
        deleteCluster: false,
        externalService: false,
      };
      try {
        return await bringUp(run);
      } catch (error) {
        await keepDiagnostics(run);
        await tearDown(run).catch((cleanupError: unknown) =>
          options.progress.info(`cleanup after the failed setup also failed: ${(cleanupError as Error).message}`),
        );
        run = undefined;
        throw error;
      }
    },
    async teardown() {
      if (!run) return;
      const finished = run;
      run = undefined;
      await tearDown(finished);
    },
    diagnoseFailedRun: (handle) => exportKindLogsIfUnhealthy(handle, run?.clusterName),
  };
}

async function bringUp(run: KindRun): Promise<ClusterHandle> {
  const { options, tools } = run;
  const timer = new PhaseTimer(options.progress);
  const chosen = resolveIstioVersion(options.istioVersion);
  const profile: IstioProfile = widestProfile(options.profiles);
  const endOfLife = endOfLifeNotice(chosen.release);
  if (endOfLife) options.progress.info(`warning: ${endOfLife}`);

  let given: (GivenIstioctl & { version: string }) | undefined;
  const checks = [dockerEngineCheck(tools.docker), kindCheck(tools.kind), kubectlCheck(), externalServiceNameCheck(tools.docker)];
  if (options.settings.istioctl) checks.push(givenIstioctlCheck(options.settings.istioctl, chosen.version, (checked) => (given = checked)));
  await timer.run(
    'prerequisites',
    () => checkPrerequisites(checks),
    (found) => found.join(', '),
  );
  // The user's istioctl installs its own patch release of the chosen minor.
  const istio = given ? { ...chosen, version: given.version } : chosen;

  const registry = await timer.run(
    'registry',
    () => ensureRegistry(tools.docker),
    (r) => (r.created ? `kind-registry started on ${r.host}` : `reusing kind-registry on ${r.host}`),
  );
  run.registry = registry;

  const wanted: WantedCluster = { clusterName: run.clusterName, release: istio.release, version: istio.version, profile };
  const kube = await timer.run(
    'cluster',
    (phase) => ensureCluster(run, wanted, phase.update),
    () => `${kindContext(run.clusterName)} (${istio.release.nodeImage.split('@')[0]})`,
  );
  run.kube = kube;

  await timer.run('registry in cluster', async () => {
    await connectRegistryToKindNetwork(tools.docker);
    await configureNodesForRegistry(tools.docker, await listNodes(tools.kind, run.clusterName), registry.host);
    await publishRegistryHosting(kube.core, registry.host);
  });

  const echo = await timer.run(
    'echo image',
    (phase) => ensureEchoImage(tools.docker, options.rootDir, registry.host, phase.update),
    (image) => `${image.reference} ${image.built ? 'built and pushed' : 'already in the registry'}`,
  );

  const istioctl =
    given ??
    (await timer.run(`istioctl ${istio.version}`, (phase) => ensureIstioctl({ version: istio.version, onProgress: phase.update }), describeCachedIstioctl));

  const context = kindContext(run.clusterName);
  const installed = await timer.run(
    `Istio ${istio.version} (${profile})`,
    async (phase) => {
      if (await istioAlreadyInstalled(kube, istio.version, profile)) return false;
      await installIstio({
        istioctl: istioctl.path,
        kubeconfig: run.kubeconfig,
        context,
        profile,
        overlay: istioOverlayPath(options.rootDir),
        onLine: phase.update,
      });
      return true;
    },
    (didInstall) => (didInstall ? 'installed' : 'already installed'),
  );

  await timer.run(
    'Istio ready',
    (phase) => waitForIstioReady(kube, { deployments: kindIstioDeployments(profile), timeoutMs: 10 * 60_000, onStatus: phase.update }),
    () => (installed ? 'istiod, gateways, CRDs and validation webhook answer' : 'verified'),
  );

  if (options.addons.length > 0) {
    await timer.run(
      `addons ${options.addons.join(', ')}`,
      (phase) => installIstioAddons(kube, options.addons, { runId: options.runId, version: istio.version, onStatus: phase.update }),
      (applied) => (applied.length > 0 ? `applied ${applied.join(', ')}; rolled out` : 'already installed'),
    );
  }

  const externalIp = await timer.run(
    'external service',
    async () => {
      run.externalService = true;
      const ip = await ensureExternalService(tools.docker, echo.reference);
      const corefile = await addExternalHost(kube, ip);
      // Recorded before the restart: a restart that fails must still leave the Corefile restored.
      run.originalCorefile = corefile.original;
      if (corefile.changed) await restartCoreDns(kube);
      await publishExternalService(kube.core, EXTERNAL_HOST, ip);
      return ip;
    },
    (ip) => `${EXTERNAL_HOST} -> ${ip}`,
  );

  run.lease = await timer.run(
    'run lease',
    () => holdRunLease(kube, options.runId, (message) => options.progress.info(message)),
    (lease) => lease.summary,
  );
  await timer.run(
    'stale namespaces',
    () => removeStaleNamespaces(kube, options.runId),
    (cleanup) => cleanup.summary,
  );

  options.progress.info(timer.summary());
  return {
    provider: 'kind',
    runId: options.runId,
    kubeconfig: run.kubeconfig,
    context,
    istio: { version: istio.version, profile, istioctl: istioctl.path, ambient: false },
    ingress: { http: KIND_INGRESS_URL },
    imageRewrites: { [ECHO_IMAGE]: echo.reference },
    variables: { EXTERNAL_HOST, EXTERNAL_IP: externalIp },
    artifactsDir: options.artifactsDir,
  };
}

/**
 * Creates the cluster, or takes one that exists: always with --reuse; without it only when
 * meshspec made it (then it is deleted at the end like a fresh one). meshspec's own cluster is
 * recreated when it does not run the Kubernetes and Istio this run wants; a cluster of the
 * user's is refused then, untouched (reuse.ts).
 */
async function ensureCluster(run: KindRun, wanted: WantedCluster, update: (detail: string) => void): Promise<ProviderKube> {
  const { tools, clusterName, kubeconfig, options } = run;
  await mkdir(join(kubeconfig, '..'), { recursive: true });
  const spec = {
    kind: tools.kind,
    name: clusterName,
    configPath: join(options.rootDir, 'clusters', 'kind.yaml'),
    nodeImage: wanted.release.nodeImage,
    kubeconfig,
  };
  const context = kindContext(clusterName);
  if (!(await clusterExists(tools.kind, clusterName)) && (await createCluster(spec, update))) return ownNewCluster(run);
  await exportKubeconfig(tools.kind, clusterName, kubeconfig);
  const kube = kubeClients(kubeconfig, context);
  if (!(await isClusterOwned(kube.core))) {
    if (!options.reuse) {
      throw new ProviderError(
        `A kind cluster named "${clusterName}" exists that meshspec did not create; it is left alone.`,
        `Run with --reuse to run on it (it is kept afterwards), or delete it yourself: kind delete cluster --name ${clusterName}`,
      );
    }
    const problem = await userClusterProblem(kube, wanted);
    if (problem) throw problem;
    return kube;
  }
  const mismatch = await ownClusterMismatch(kube, wanted);
  if (mismatch.length === 0) {
    run.deleteCluster = !options.reuse;
    return kube;
  }
  options.progress.info(`kind cluster "${clusterName}" (meshspec's) is recreated: ${mismatch.join('; ')}.`);
  await deleteCluster(tools.kind, clusterName, kubeconfig);
  if (!(await createCluster(spec, update))) {
    throw new ProviderError(
      `Another process created a kind cluster named "${clusterName}" while meshspec was recreating its own; meshspec leaves it alone.`,
      'Re-run once the other process (often another meshspec run) is done.',
    );
  }
  return ownNewCluster(run);
}

/**
 * A cluster this run just created: deletable from the moment it exists (a setup failing before
 * the marker is written would otherwise leave a cluster the next run takes for the user's and
 * refuses), then marked as meshspec's.
 */
async function ownNewCluster(run: KindRun): Promise<ProviderKube> {
  run.deleteCluster = !run.options.reuse;
  const kube = kubeClients(run.kubeconfig, kindContext(run.clusterName));
  await markClusterOwned(kube.core);
  return kube;
}

async function keepDiagnostics(run: KindRun): Promise<void> {
  if (!run.kube) return;
  const dir = await exportKindLogs(run.options.artifactsDir, run.clusterName, run.tools.kind);
  if (dir) run.options.progress.info(`kind logs of the failed setup: ${dir}`);
}

/** Every step is tried; failures are reported together at the end. */
async function tearDown(run: KindRun): Promise<void> {
  const failures: string[] = [];
  const attempt = async (what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      failures.push(`${what}: ${(error as Error).message}`);
    }
  };
  const { tools, options } = run;
  // First, while the cluster still answers; release reports its own problems.
  await run.lease?.release();
  if (run.deleteCluster) {
    await attempt('delete the kind cluster', () => deleteCluster(tools.kind, run.clusterName, run.kubeconfig));
  } else if (run.kube && run.originalCorefile !== undefined) {
    await attempt('restore the CoreDNS Corefile', () => restoreCorefile(run.kube!.core, run.originalCorefile!));
  }
  if (!options.reuse) {
    if (run.externalService) await attempt('remove the external service container', () => removeExternalService(tools.docker));
    if (run.registry?.ownedByMeshspec) await attempt('remove the local registry', () => removeRegistry(tools.docker));
    else if (run.registry?.wasStopped) await attempt('stop the local registry again', () => stopRegistry(tools.docker));
  }
  if (failures.length) throw new ProviderError(`kind teardown incomplete:\n${failures.map((f) => `- ${f}`).join('\n')}`);
}
