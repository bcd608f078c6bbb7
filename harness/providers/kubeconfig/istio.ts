/**
 * Istio on an existing cluster: the one already installed (its version and the profile its
 * gateways suggest), or the overlay meshspec installs one with.
 */
import { join } from 'node:path';
import type { IstioProfile } from '../../contract/cluster.js';
import { httpStatusOf } from '../../kube/index.js';
import { ISTIO_NAMESPACE } from '../shared/istio-readiness.js';
import type { ProviderKube } from '../shared/kube.js';

export interface InstalledIstio {
  /** The istiod image tag without its variant, e.g. "1.30.5" (or "unknown" for a digest-pinned image). */
  version: string;
  profile: IstioProfile;
  /** Whether ztunnel, Istio's ambient data plane, runs: then scenarios with `mesh: ambient` can run too. */
  ambient: boolean;
}

/** The overlay of `--install-istio`: the profile's gateways, a LoadBalancer Service for the ingress (not kind's pinned NodePorts). */
export function istioOverlayPath(rootDir: string): string {
  return join(rootDir, 'clusters', 'istio-overlay-kubeconfig.yaml');
}

export async function findInstalledIstio(kube: ProviderKube): Promise<InstalledIstio | null> {
  const orNull = async <T>(read: Promise<T>): Promise<T | null> => {
    try {
      return await read;
    } catch (error) {
      if (httpStatusOf(error) === 404) return null;
      throw error;
    }
  };
  const exists = (name: string) => orNull(kube.apps.readNamespacedDeployment({ name, namespace: ISTIO_NAMESPACE }));
  const istiod = await exists('istiod');
  if (!istiod) return null;
  const image = istiod.spec?.template.spec?.containers[0]?.image ?? '';
  // Istio publishes each release in image variants ("1.30.5-distroless"); the release is the version.
  const tag = /:([^:@/]+)(@|$)/.exec(image)?.[1]?.replace(/-(distroless|debug)$/, '') ?? 'unknown';
  const profile: IstioProfile = (await exists('istio-egressgateway')) ? 'demo' : (await exists('istio-ingressgateway')) ? 'default' : 'minimal';
  const ztunnel = await orNull(kube.apps.readNamespacedDaemonSet({ name: 'ztunnel', namespace: ISTIO_NAMESPACE }));
  return { version: tag, profile, ambient: ztunnel !== null };
}

/**
 * istiod Deployments of revisioned installs (`istiod-<rev>`, label app=istiod) in istio-system.
 * Beside one of them, `istioctl install` would add a second control plane to the cluster.
 */
export async function revisionedIstiods(kube: ProviderKube): Promise<string[]> {
  const { items } = await kube.apps.listNamespacedDeployment({ namespace: ISTIO_NAMESPACE, labelSelector: 'app=istiod' });
  return items.map((deployment) => deployment.metadata?.name ?? '').filter((name) => name && name !== 'istiod');
}
