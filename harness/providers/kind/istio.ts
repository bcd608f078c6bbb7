/** Istio on the kind cluster: installed unless a reused cluster already runs this version and profile. */
import type { IstioProfile } from '../../contract/cluster.js';
import { ISTIO_NAMESPACE, istioDeployments } from '../shared/istio-readiness.js';
import { parseIstioImage } from '../shared/istio-install.js';
import { httpStatusOf } from '../../kube/index.js';
import type { ProviderKube } from '../shared/kube.js';

/** The gateways the kind provider always has: the overlay enables the ingress gateway for every profile. */
export function kindIstioDeployments(profile: IstioProfile): string[] {
  return [...new Set([...istioDeployments(profile), 'istio-ingressgateway'])];
}

export interface InstalledIstiod {
  image: string;
  hub: string;
  /** null when neither the image nor the Deployment's labels name the release. */
  version: string | null;
}

async function deploymentOrNull(kube: ProviderKube, name: string) {
  try {
    return await kube.apps.readNamespacedDeployment({ name, namespace: ISTIO_NAMESPACE });
  } catch (error) {
    if (httpStatusOf(error) === 404) return null;
    throw error;
  }
}

/**
 * The istiod Deployment's image, and the release it runs: from the image tag, or for an image
 * pinned by digest alone from the `app.kubernetes.io/version` label Istio's charts put on it
 * (istio/istio@1.30.3 manifests/charts/istio-control/istio-discovery/templates/zzz_profile.yaml
 * "istio.labels", the chart's appVersion, which the release build sets to the release). Null
 * when there is no istiod.
 */
export async function readIstiod(kube: ProviderKube): Promise<InstalledIstiod | null> {
  const istiod = await deploymentOrNull(kube, 'istiod');
  if (!istiod) return null;
  const image = istiod.spec?.template.spec?.containers[0]?.image ?? '';
  const { hub, version } = parseIstioImage(image);
  return { image, hub, version: version ?? istiod.metadata?.labels?.['app.kubernetes.io/version'] ?? null };
}

/** The deployments of the profile (beside istiod) that the cluster lacks. */
export async function missingIstioDeployments(kube: ProviderKube, profile: IstioProfile): Promise<string[]> {
  const missing: string[] = [];
  for (const name of kindIstioDeployments(profile)) if (!(await deploymentOrNull(kube, name))) missing.push(name);
  return missing;
}

/** True when istiod runs `version` and every deployment of the profile exists. */
export async function istioAlreadyInstalled(kube: ProviderKube, version: string, profile: IstioProfile): Promise<boolean> {
  const istiod = await readIstiod(kube);
  return istiod?.version === version && (await missingIstioDeployments(kube, profile)).length === 0;
}
