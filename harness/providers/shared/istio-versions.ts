/**
 * The Istio releases meshspec supports on real clusters, and the kind node image for each.
 * The one place to change when a release comes out: the default version, the CI matrix test and
 * the kind provider all read this table.
 *
 * Node images come from the release notes of kind v0.33.0 (pinned by digest: a tag may point at a
 * build for another kind release). Each Istio minor gets the newest Kubernetes in its supported
 * range (istio.io "Supported Releases" table).
 */
import { ProviderError } from '../../contract/cluster.js';

export const KIND_VERSION = 'v0.33.0';

const NODE_1_36 = 'kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed';
const NODE_1_35 = 'kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0';

interface IstioRelease {
  /** "1.30" */
  minor: string;
  /** Newest patch release meshspec was checked against; used when only the minor is asked for. */
  latestPatch: string;
  /** Kubernetes minors this Istio release supports, oldest first. */
  kubernetes: readonly [string, string];
  nodeImage: string;
}

/** Newest first: the first entry is the default. */
export const SUPPORTED_ISTIO: readonly IstioRelease[] = [
  { minor: '1.31', latestPatch: '1.31.0', kubernetes: ['1.32', '1.36'], nodeImage: NODE_1_36 },
  { minor: '1.30', latestPatch: '1.30.5', kubernetes: ['1.32', '1.36'], nodeImage: NODE_1_36 },
  { minor: '1.29', latestPatch: '1.29.9', kubernetes: ['1.31', '1.35'], nodeImage: NODE_1_35 },
];

export const DEFAULT_ISTIO_VERSION = SUPPORTED_ISTIO[0].latestPatch;

interface ResolvedIstio {
  version: string;
  release: IstioRelease;
}

/** "1.29.6" -> that exact version; "1.29" -> its newest known patch; undefined -> the default. */
export function resolveIstioVersion(requested: string | undefined): ResolvedIstio {
  const asked = (requested ?? DEFAULT_ISTIO_VERSION).replace(/^v/, '');
  const match = /^(\d+\.\d+)(\.\d+(?:-[0-9A-Za-z.-]+)?)?$/.exec(asked);
  const release = match && SUPPORTED_ISTIO.find((r) => r.minor === match[1]);
  if (!match || !release) {
    throw new ProviderError(
      `Istio ${asked} is not supported by meshspec.`,
      `Pick one of ${SUPPORTED_ISTIO.map((r) => `${r.minor}.x`).join(', ')} (e.g. --istio ${DEFAULT_ISTIO_VERSION}).`,
    );
  }
  return { version: match[2] ? asked : release.latestPatch, release };
}
