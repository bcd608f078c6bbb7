/**
 * The kubeconfig provider: runs on a cluster that already exists (EKS, GKE, a kind cluster of the
 * user's, the sim). It refuses contexts that were not allowed, uses the Istio and addons it finds
 * (or installs them when asked) with an istioctl of that Istio's version (istioctl.ts), holds a
 * Lease that shows other runs on the cluster this one is alive, removes namespaces that ended
 * meshspec runs left behind, and reads the ingress address from the gateway Service (or forwards
 * a local port to a gateway pod when that address is none or unreachable: ingress.ts). On the
 * cluster it creates nothing that outlives the run besides an Istio it was asked to install.
 *
 * Settings: `kubeconfig` (path; default $KUBECONFIG or ~/.kube/config), `context` (default: the
 * current one), `allowContext` (comma list), `installIstio` ("true" to install when missing),
 * `echoImage` (where the cluster can pull the echo app; required), `ingressGateway`
 * (NAMESPACE/NAME of the ingress gateway's Service, when the cluster has several or one Istio's
 * labels do not tell), `istioctl` (the istioctl to use as it is,
 * instead of one of the control plane's version), `externalHost`/`externalIp` (a service
 * outside the cluster for the egress chapters; by default what the cluster publishes in the
 * ConfigMap kube-public/meshspec-external, as the sim does).
 */
import type { ClusterHandle, ClusterProvider, ProviderOptions } from '../../contract/cluster.js';
import { ProviderError } from '../../contract/cluster.js';
import { holdRunLease, removeStaleNamespaces, type RunLease } from '../../kube/index.js';
import { addonInstallHint, installIstioAddons, missingAddons } from '../istio/addons.js';
import { readGivenIstioctl, type GivenIstioctl } from '../istioctl/given.js';
import { describeCachedIstioctl, ensureIstioctl } from '../istioctl/download.js';
import { installIstio, widestProfile } from '../istio/install.js';
import { ISTIO_NAMESPACE, istioDeployments, waitForIstioReady } from '../istio/readiness.js';
import { resolveIstioVersion } from '../istio/versions.js';
import { kubeClients, type ProviderKube } from '../setup/kube.js';
import { PhaseTimer } from '../setup/phase-timer.js';
import { checkPrerequisites, kubectlCheck } from '../host/prerequisites.js';
import { assertContextAllowed, parseAllowList } from './context-guard.js';
import { discoverExternalService } from './external.js';
import { discoverIngress, parseIngressGatewaySetting, type ChosenIngress, type DiscoveredIngress } from './ingress.js';
import {
  findInstalledIstio,
  findIstioGateways,
  gatewayDeployments,
  istioOverlayPath,
  revisionedIstiods,
  type InstalledIstio,
  type IstioGateways,
} from './istio.js';
import { chooseIstioctl, givenChoice, type IstioctlChoice } from './istioctl.js';
import { chooseContext, kubeconfigPath } from './kubeconfig-file.js';

export { assertContextAllowed, parseAllowList, SIM_CONTEXT } from './context-guard.js';
export { ingressFromService } from './ingress.js';

export function kubeconfigProvider(): ClusterProvider {
  let lease: RunLease | undefined;
  let ingress: DiscoveredIngress | undefined;
  return {
    name: 'kubeconfig',
    setup: (options) =>
      setup(
        options,
        (held) => (lease = held),
        (found) => (ingress = found),
      ),
    // Scenario namespaces are removed by the runner; the run's Lease and the ingress port-forward
    // (a listener in this process) are all the provider made.
    async teardown() {
      const held = lease;
      const forwarded = ingress;
      lease = undefined;
      ingress = undefined;
      await forwarded?.close();
      await held?.release();
    },
  };
}

async function setup(options: ProviderOptions, holding: (lease: RunLease) => void, reaching: (ingress: DiscoveredIngress) => void): Promise<ClusterHandle> {
  const { settings, progress } = options;
  const timer = new PhaseTimer(progress);
  // Before the cluster is touched: a wrong setting must not cost a Lease or an install.
  const imageRewrites = echoImageRewrites(settings.echoImage);
  if (settings.ingressGateway) parseIngressGatewaySetting(settings.ingressGateway);
  const given = settings.istioctl ? await readGivenIstioctl(settings.istioctl) : undefined;
  await timer.run(
    'prerequisites',
    () => checkPrerequisites([kubectlCheck()]),
    (found) => found.join(', '),
  );
  const kubeconfig = kubeconfigPath(settings.kubeconfig);

  const context = await timer.run(
    'context',
    async () => {
      const chosen = chooseContext(kubeconfig, settings.context);
      assertContextAllowed(chosen.name, chosen.server, parseAllowList(settings.allowContext));
      return chosen.name;
    },
    (chosen) => `${chosen} from ${kubeconfig}`,
  );
  const kube = kubeClients(kubeconfig, context);

  const { istio, installed, istioctl, gateways } = await timer.run(
    'Istio',
    (phase) => useOrInstallIstio(kube, options, { kubeconfig, context, given }, phase.update),
    (found) => `${found.istio.version} (${found.istio.profile}${describeIngressGateway(found.gateways.ingress)}); ${found.istioctl.summary}`,
  );
  if (istioctl.warning) progress.info(istioctl.warning);
  const chosenIngress = gateways.ingress;
  if (chosenIngress.gateway && chosenIngress.note) progress.info(chosenIngress.note);
  if (chosenIngress.gateway && chosenIngress.warning) progress.info(chosenIngress.warning);

  if (options.addons.length > 0) {
    await timer.run(
      `addons ${options.addons.join(', ')}`,
      (phase) => useOrInstallAddons(kube, options, istio.version, installed, context, phase.update),
      (applied) => (applied.length > 0 ? `applied ${applied.join(', ')}; rolled out` : 'present'),
    );
  }

  // Held from before the cleanup of other runs, so that runs starting together spare each other.
  holding(
    await timer.run(
      'run lease',
      () => holdRunLease(kube, options.runId, (message) => progress.info(message)),
      (lease) => lease.summary,
    ),
  );
  await timer.run(
    'stale namespaces',
    () => removeStaleNamespaces(kube, options.runId),
    (cleanup) => cleanup.summary,
  );

  const ingress = await timer.run(
    'ingress',
    async () => {
      const found = await discoverIngress(kube, chosenIngress);
      reaching(found);
      return found;
    },
    (found) => found.summary,
  );

  const external = await timer.run(
    'external service',
    () => discoverExternalService(kube),
    (found) =>
      found.EXTERNAL_HOST ? `${found.EXTERNAL_HOST}${found.EXTERNAL_IP ? ` (${found.EXTERNAL_IP})` : ''}` : 'none published in kube-public/meshspec-external',
  );

  progress.info(timer.summary());
  return {
    provider: 'kubeconfig',
    runId: options.runId,
    kubeconfig,
    context,
    istio,
    ingress: ingress.target,
    imageRewrites,
    variables: {
      ...external,
      ...(settings.externalHost ? { EXTERNAL_HOST: settings.externalHost } : {}),
      ...(settings.externalIp ? { EXTERNAL_IP: settings.externalIp } : {}),
    },
    artifactsDir: options.artifactsDir,
  };
}

/**
 * The scenarios' manifests run the echo app as `meshspec/echo:dev`, which is built from apps/echo and
 * published nowhere: on a cluster that cannot have it, every pod would sit in ImagePullBackOff until
 * its rollout timed out. So the image the cluster pulls instead must be named.
 */
function echoImageRewrites(echoImage: string | undefined): Record<string, string> {
  if (echoImage) return { 'meshspec/echo': echoImage };
  throw new ProviderError(
    'The kubeconfig provider needs to know where the cluster pulls the echo app from: the manifests run meshspec/echo:dev, which is built from apps/echo and published in no registry, so its pods would never start (ImagePullBackOff).',
    [
      "Build it for your nodes' architectures, push it to a registry the cluster pulls from, and pass it with --echo-image (plugin: settings.echoImage):",
      '  docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/meshspec-echo:TAG --push apps/echo',
      '  meshspec run --provider kubeconfig --echo-image REGISTRY/meshspec-echo:TAG',
      'Nodes that already have meshspec/echo:dev (kind load docker-image meshspec/echo:dev), and the meshspec sim, take --echo-image meshspec/echo:dev.',
    ].join('\n'),
  );
}

async function useOrInstallIstio(
  kube: ProviderKube,
  options: ProviderOptions,
  { kubeconfig, context, given }: { kubeconfig: string; context: string; given?: GivenIstioctl },
  update: (detail: string) => void,
): Promise<{ istio: ClusterHandle['istio']; installed: boolean; istioctl: IstioctlChoice; gateways: IstioGateways }> {
  const found: InstalledIstio | null = await findInstalledIstio(kube, options.settings.ingressGateway);
  if (found) {
    if (options.istioVersion && found.version !== options.istioVersion) {
      options.progress.info(`Istio ${found.version} is installed in ${context}; --istio ${options.istioVersion} is ignored on an existing cluster.`);
    }
    if (found.versionProblem) options.progress.info(found.versionProblem);
    // An installed Istio can still be unhealthy; finding out here beats a failure in every scenario.
    await waitForIstioReady(kube, { deployments: ['istiod', ...gatewayDeployments(found.gateways)], timeoutMs: 2 * 60_000, onStatus: update });
    const istioctl = await chooseIstioctl(found.version, { onProgress: update, given });
    return {
      istio: { version: found.version, profile: found.profile, ambient: found.ambient, istioctl: istioctl.path },
      installed: false,
      istioctl,
      gateways: found.gateways,
    };
  }
  const revisions = await revisionedIstiods(kube);
  if (revisions.length > 0) {
    throw new ProviderError(
      `Istio runs in context "${context}" as a revision only (${revisions.join(', ')} in ${ISTIO_NAMESPACE}), without the istiod Deployment of a default install that meshspec runs on; meshspec leaves it alone.`,
      'Run on a cluster with a default Istio (istioctl install --set profile=demo, no --revision), or on one without Istio with --install-istio.',
    );
  }
  if (options.settings.installIstio !== 'true') {
    throw new ProviderError(
      `Istio is not installed in context "${context}" (no istiod deployment in istio-system).`,
      'Install Istio first (istioctl install --set profile=demo), or let meshspec install it: `meshspec run --provider kubeconfig --install-istio`.',
    );
  }
  const { version } = resolveIstioVersion(options.istioVersion);
  const profile = widestProfile(options.profiles);
  const istioctl = given ? givenChoice(given, version) : await downloadedIstioctl(version, update);
  await installIstio({ istioctl: istioctl.path, kubeconfig, context, profile, overlay: istioOverlayPath(options.rootDir), onLine: update });
  await waitForIstioReady(kube, { deployments: istioDeployments(profile), timeoutMs: 10 * 60_000, onStatus: update });
  return {
    istio: { version, profile, istioctl: istioctl.path, ambient: false },
    installed: true,
    istioctl: { ...istioctl, summary: `installed with ${istioctl.summary}` },
    gateways: await findIstioGateways(kube, options.settings.ingressGateway),
  };
}

/** "; ingress gateway NAMESPACE/NAME" for the Istio line, when there is one. */
function describeIngressGateway(chosen: ChosenIngress): string {
  const service = chosen.gateway?.service.metadata;
  return service ? `; ingress gateway ${service.namespace}/${service.name}` : '';
}

async function downloadedIstioctl(version: string, update: (detail: string) => void): Promise<IstioctlChoice & { path: string }> {
  const fetched = await ensureIstioctl({ version, onProgress: update });
  return { path: fetched.path, summary: `istioctl ${version} ${describeCachedIstioctl(fetched)}` };
}

/**
 * With the Istio it installed, the provider installs the addons too (Istio's samples/addons of
 * that version). On an Istio it found, the addons are the cluster owner's: they must be there.
 */
async function useOrInstallAddons(
  kube: ProviderKube,
  options: ProviderOptions,
  version: string,
  installedIstio: boolean,
  context: string,
  update: (detail: string) => void,
): Promise<string[]> {
  if (installedIstio) {
    return installIstioAddons(kube, options.addons, { runId: options.runId, version, onStatus: update });
  }
  const missing = await missingAddons(kube, options.addons);
  if (missing.length > 0) {
    throw new ProviderError(
      `The scenarios use the addons ${options.addons.join(', ')}, but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed in context "${context}" (no Service of that name in istio-system).`,
      addonInstallHint(missing, version),
    );
  }
  return [];
}
