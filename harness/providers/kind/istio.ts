/** Istio on the kind cluster: installed unless a reused cluster already runs this version and profile. */
import type { IstioProfile } from '../../contract/cluster.js';
import { ISTIO_NAMESPACE, istioDeployments } from '../istio/readiness.js';
import { hubOf, istiodImage, istiodVersion } from '../istio/istiod.js';
import { httpStatusOf } from '../../kube/index.js';
import type { ProviderKube } from '../setup/kube.js';

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

/** istiod's image, where it came from and the release it runs (null when that cannot be told: istio/istiod.ts); null when there is no istiod. */
export async function readIstiod(kube: ProviderKube): Promise<InstalledIstiod | null> {
  const istiod = await deploymentOrNull(kube, 'istiod');
  if (!istiod) return null;
  const image = istiodImage(istiod);
  const { version, versionProblem } = istiodVersion(istiod);
  return { image, hub: hubOf(image), version: versionProblem ? null : version };
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
