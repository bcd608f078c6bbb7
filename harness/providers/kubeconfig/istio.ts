/**
 * Istio on an existing cluster: the one already installed (its version and the profile its
 * gateways suggest), or the overlay meshspec installs one with.
 */
import { join } from 'node:path';
import type { IstioProfile } from '../../contract/cluster.js';
import { httpStatusOf } from '../../kube/index.js';
import { listIstioGateways, type IstioGateway } from '../../kube/istio-gateways.js';
import { ISTIO_NAMESPACE, type DeploymentRef } from '../istio/readiness.js';
import { istiodVersion } from '../istio/istiod.js';
import type { ProviderKube } from '../setup/kube.js';
import { chooseIngressGateway, type ChosenIngress } from './ingress.js';

export interface InstalledIstio {
  /** The control plane's release, e.g. "1.30.5" (see istiodVersion), or "unknown". */
  version: string;
  /** Why the version is "unknown", and what to do about it. */
  versionProblem?: string;
  profile: IstioProfile;
  /** Whether ztunnel, Istio's ambient data plane, runs: then scenarios with `mesh: ambient` can run too. */
  ambient: boolean;
  gateways: IstioGateways;
}

/** The gateways the harness uses: the ingress gateway it sends traffic to, and the egress gateways of the egress chapters. */
export interface IstioGateways {
  ingress: ChosenIngress;
  egress: IstioGateway[];
}

/** The gateways in any namespace; `ingressSetting` (NAMESPACE/NAME of a Service) names the ingress gateway instead. */
export async function findIstioGateways(kube: ProviderKube, ingressSetting: string | undefined): Promise<IstioGateways> {
  const gateways = await listIstioGateways(kube);
  return { ingress: await chooseIngressGateway(kube, gateways, ingressSetting), egress: gateways.filter((gateway) => gateway.role === 'egress') };
}

/** The Deployments that must be rolled out for the gateways to answer. */
export function gatewayDeployments({ ingress, egress }: IstioGateways): DeploymentRef[] {
  return [...(ingress.gateway?.deployments ?? []), ...egress.map(({ namespace, name }) => ({ namespace, name }))];
}

/** The overlay of `--install-istio`: the profile's gateways, a LoadBalancer Service for the ingress (not kind's pinned NodePorts). */
export function istioOverlayPath(rootDir: string): string {
  return join(rootDir, 'clusters', 'istio-overlay-kubeconfig.yaml');
}

export async function findInstalledIstio(kube: ProviderKube, ingressSetting: string | undefined): Promise<InstalledIstio | null> {
  const orNull = async <T>(read: Promise<T>): Promise<T | null> => {
    try {
      return await read;
    } catch (error) {
      if (httpStatusOf(error) === 404) return null;
      throw error;
    }
  };
  const istiod = await orNull(kube.apps.readNamespacedDeployment({ name: 'istiod', namespace: ISTIO_NAMESPACE }));
  if (!istiod) return null;
  const gateways = await findIstioGateways(kube, ingressSetting);
  // What the profiles install (istio.io "Installation configuration profiles"): demo adds an egress gateway to default's ingress gateway.
  const profile: IstioProfile = gateways.egress.length > 0 ? 'demo' : gateways.ingress.gateway ? 'default' : 'minimal';
  const ztunnel = await orNull(kube.apps.readNamespacedDaemonSet({ name: 'ztunnel', namespace: ISTIO_NAMESPACE }));
  return { ...istiodVersion(istiod), profile, ambient: ztunnel !== null, gateways };
}

/**
 * istiod Deployments of revisioned installs (`istiod-<rev>`, label app=istiod) in istio-system.
 * Beside one of them, `istioctl install` would add a second control plane to the cluster.
 */
export async function revisionedIstiods(kube: ProviderKube): Promise<string[]> {
  const { items } = await kube.apps.listNamespacedDeployment({ namespace: ISTIO_NAMESPACE, labelSelector: 'app=istiod' });
  return items.map((deployment) => deployment.metadata?.name ?? '').filter((name) => name && name !== 'istiod');
}
