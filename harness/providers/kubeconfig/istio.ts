/**
 * Istio on an existing cluster: the one already installed (its version and the profile its
 * gateways suggest), or the overlay meshspec installs one with.
 */
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import type { IstioProfile } from '../../contract/cluster.js';
import { httpStatusOf } from '../../kube/index.js';
import { repositoryOf } from '../../kube/images.js';
import { listIstioGateways, type IstioGateway } from '../../kube/istio-gateways.js';
import { ISTIO_NAMESPACE, type DeploymentRef } from '../shared/istio-readiness.js';
import type { ProviderKube } from '../shared/kube.js';
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

/** Labels istiod's Deployment carries its release in, most telling first. */
const VERSION_LABELS = [
  // Set by `istioctl install` on every object it applies, to its own version (istio/istio@1.30.3
  // operator/pkg/install/install.go getOwnerLabels, operator/pkg/manifest/name.go OperatorVersionLabel).
  'operator.istio.io/version',
  // The chart's appVersion (manifests/charts/istio-control/istio-discovery/templates/zzz_profile.yaml
  // "istio.labels"), which the release build stamps with the release before Helm packages the charts
  // and istioctl embeds them (istio/release-builder@1.30.3 pkg/build/helm.go stampChartForRelease,
  // pkg/build/build.go: SanitizeAllCharts before Archive builds istioctl).
  'app.kubernetes.io/version',
];

/**
 * The release istiod runs: its image's tag without a digest (`pilot:1.30.3@sha256:...`) or variant
 * (Istio publishes `1.30.3-distroless` beside `1.30.3`); for an image pinned by digest alone, the
 * version labels of its Deployment; else "unknown", with the reason.
 */
export function istiodVersion(istiod: V1Deployment): Pick<InstalledIstio, 'version' | 'versionProblem'> {
  // The container is "discovery" at every supported release (istio-discovery/templates/deployment.yaml).
  const containers = istiod.spec?.template.spec?.containers ?? [];
  const image = (containers.find((c) => c.name === 'discovery') ?? containers[0])?.image ?? '';
  const reference = image.split('@')[0]!;
  const tag = reference.slice(repositoryOf(reference).length + 1).replace(/-(distroless|debug)$/, '');
  if (tag) return { version: tag };
  const labels = istiod.metadata?.labels ?? {};
  const labelled = VERSION_LABELS.map((name) => labels[name]).find(Boolean);
  if (labelled) return { version: labelled };
  return {
    version: 'unknown',
    versionProblem: `Istio's version is unknown: istiod's image ${image ? `"${image}" has no tag` : 'is not set'}, and its Deployment has no label ${VERSION_LABELS.join(' or ')}. To run istioctl steps, give meshspec the istioctl of the installed Istio: --istioctl PATH.`,
  };
}

/**
 * istiod Deployments of revisioned installs (`istiod-<rev>`, label app=istiod) in istio-system.
 * Beside one of them, `istioctl install` would add a second control plane to the cluster.
 */
export async function revisionedIstiods(kube: ProviderKube): Promise<string[]> {
  const { items } = await kube.apps.listNamespacedDeployment({ namespace: ISTIO_NAMESPACE, labelSelector: 'app=istiod' });
  return items.map((deployment) => deployment.metadata?.name ?? '').filter((name) => name && name !== 'istiod');
}
