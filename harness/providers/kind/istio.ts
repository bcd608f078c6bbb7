/** Istio on the kind cluster: installed unless a reused cluster already runs this version and profile. */
import type { IstioProfile } from '../../contract/cluster.js';
import { ISTIO_NAMESPACE, istioDeployments } from '../shared/istio-readiness.js';
import { httpStatusOf } from '../../kube/index.js';
import type { ProviderKube } from '../shared/kube.js';

/** The gateways the kind provider always has: the overlay enables the ingress gateway for every profile. */
export function kindIstioDeployments(profile: IstioProfile): string[] {
  return [...new Set([...istioDeployments(profile), 'istio-ingressgateway'])];
}

/** True when istiod runs `version` and every deployment of the profile exists. */
export async function istioAlreadyInstalled(kube: ProviderKube, version: string, profile: IstioProfile): Promise<boolean> {
  try {
    const istiod = await kube.apps.readNamespacedDeployment({ name: 'istiod', namespace: ISTIO_NAMESPACE });
    const image = istiod.spec?.template.spec?.containers[0]?.image ?? '';
    if (!image.endsWith(`:${version}`)) return false;
    for (const name of kindIstioDeployments(profile)) await kube.apps.readNamespacedDeployment({ name, namespace: ISTIO_NAMESPACE });
    return true;
  } catch (error) {
    if (httpStatusOf(error) === 404) return false;
    throw error;
  }
}
