/** What istiod's Deployment tells of the Istio it runs: its image, and the release. */
import type { V1Deployment } from '@kubernetes/client-node';
import { repositoryOf } from '../../kube/images.js';

/** The image of istiod's container, "discovery" at every supported release (istio-discovery/templates/deployment.yaml). */
export function istiodImage(istiod: V1Deployment): string {
  const containers = istiod.spec?.template.spec?.containers ?? [];
  return (containers.find((c) => c.name === 'discovery') ?? containers[0])?.image ?? '';
}

/** Where an image was pulled from, before its name: "docker.io/istio" for "docker.io/istio/pilot:1.30.5". */
export function hubOf(image: string): string {
  const repository = repositoryOf(image);
  return repository.slice(0, Math.max(repository.lastIndexOf('/'), 0));
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
export function istiodVersion(istiod: V1Deployment): { version: string; versionProblem?: string } {
  const image = istiodImage(istiod);
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
