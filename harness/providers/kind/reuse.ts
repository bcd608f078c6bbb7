/**
 * Whether a kind cluster that already exists fits this run, in Kubernetes and in Istio.
 *
 * meshspec's own cluster must run the Kubernetes of the chosen node image and, if Istio is on it,
 * the chosen Istio from docker.io/istio; anything else is a reason to recreate it. A cluster of the
 * user's (taken with --reuse) is never changed beyond installing Istio where there is none: it
 * must run a Kubernetes the chosen Istio supports, and no Istio or the chosen one with the
 * deployments the scenarios need; anything else stops the run with the fix.
 */
import { ProviderError, type IstioProfile } from '../../contract/cluster.js';
import { ISTIO_HUB } from '../istio/install.js';
import { nodeImageKubernetes, SUPPORTED_ISTIO, supportsKubernetes, type IstioRelease } from '../istio/versions.js';
import type { ProviderKube } from '../setup/kube.js';
import { nodeKubernetesVersions } from './cluster.js';
import { missingIstioDeployments, readIstiod } from './istio.js';

export interface WantedCluster {
  clusterName: string;
  release: IstioRelease;
  /** The Istio version to install (the user's istioctl's own patch, when given). */
  version: string;
  profile: IstioProfile;
}

const range = (release: IstioRelease) => `${release.kubernetes[0]} to ${release.kubernetes[1]}`;

/** Why meshspec's own cluster must be recreated for this run; empty when it fits. */
export async function ownClusterMismatch(kube: ProviderKube, wanted: WantedCluster): Promise<string[]> {
  const reasons: string[] = [];
  const expected = nodeImageKubernetes(wanted.release.nodeImage);
  for (const { node, version } of await nodeKubernetesVersions(kube.core)) {
    if (version !== expected)
      reasons.push(`node ${node} runs Kubernetes ${version || 'of no reported version'}, not ${expected} (the node image for Istio ${wanted.release.minor})`);
  }
  const istiod = await readIstiod(kube);
  if (istiod && istiod.version !== wanted.version) {
    reasons.push(`it runs Istio ${istiod.version ?? `of unknown version (${istiod.image})`}, not ${wanted.version}`);
  } else if (istiod && istiod.hub !== ISTIO_HUB) {
    reasons.push(`its Istio images come from ${istiod.hub}, not ${ISTIO_HUB}`);
  }
  return reasons;
}

/** What stops this run on a cluster of the user's, with the fixes; null when it can run there as it is. */
export async function userClusterProblem(kube: ProviderKube, wanted: WantedCluster): Promise<ProviderError | null> {
  const problems: string[] = [];
  const fixes: string[] = [];
  const nodes = await nodeKubernetesVersions(kube.core);
  const unsupported = nodes.filter(({ version }) => !supportsKubernetes(wanted.release, version));
  if (unsupported.length > 0) {
    const versions = [...new Set(unsupported.map(({ version }) => version || 'no reported version'))].join(', ');
    problems.push(`its nodes run Kubernetes ${versions}, which Istio ${wanted.release.minor} does not support (${range(wanted.release)})`);
    const fitting = SUPPORTED_ISTIO.filter((release) => nodes.every(({ version }) => supportsKubernetes(release, version)));
    fixes.push(
      fitting.length > 0
        ? `Run with an Istio that supports it: ${fitting.map((release) => `--istio ${release.latestPatch} (Kubernetes ${range(release)})`).join(' or ')}.`
        : `No Istio that meshspec supports runs on Kubernetes ${versions}.`,
    );
  }
  const istiod = await readIstiod(kube);
  if (istiod && istiod.version !== wanted.version) {
    problems.push(`it runs Istio ${istiod.version ?? `of unknown version (${istiod.image})`}, and this run is for Istio ${wanted.version}`);
    const supported = istiod.version !== null && SUPPORTED_ISTIO.some((release) => istiod.version!.startsWith(`${release.minor}.`));
    if (supported) fixes.push(`Run with --istio ${istiod.version} to use the Istio it has.`);
  } else if (istiod) {
    const missing = await missingIstioDeployments(kube, wanted.profile);
    if (missing.length > 0) {
      problems.push(
        `its Istio ${wanted.version} has no ${missing.join(', ')}, which the scenarios' profile ${wanted.profile} needs, and adding it would reinstall that Istio`,
      );
      fixes.push(
        `Install the profile yourself (istioctl install --set profile=${wanted.profile} --set hub=${ISTIO_HUB} -f clusters/istio-overlay.yaml), or select only scenarios its gateways serve (--filter).`,
      );
    }
  }
  if (problems.length === 0) return null;
  return new ProviderError(
    `The kind cluster "${wanted.clusterName}" was not created by meshspec, which runs on it only as it is (--reuse), but ${problems.join('; ')}.`,
    [...fixes, `Or delete it yourself (kind delete cluster --name ${wanted.clusterName}) and let meshspec create its own.`].join(' '),
  );
}
