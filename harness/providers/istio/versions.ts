/**
 * The Istio releases meshspec supports (harness/istio/releases.ts) as the providers use them:
 * each with the kind node image of the newest Kubernetes in its range, and the version a run asks for.
 *
 * Node images come from the release notes of kind v0.33.0 (pinned by digest: a tag may point at a
 * build for another kind release).
 */
import { ProviderError } from '../../contract/cluster.js';
import { DEFAULT_ISTIO_VERSION, ISTIO_RELEASES, type IstioRelease as SupportedRelease } from '../../istio/releases.js';

export { DEFAULT_ISTIO_VERSION };

export const KIND_VERSION = 'v0.33.0';

/** kind node images by Kubernetes minor. */
const NODE_IMAGES: Record<string, string> = {
  '1.36': 'kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed',
  '1.35': 'kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0',
};

export interface IstioRelease extends SupportedRelease {
  nodeImage: string;
}

/** Newest first: the first entry is the default. */
export const SUPPORTED_ISTIO: readonly IstioRelease[] = ISTIO_RELEASES.map((release) => ({ ...release, nodeImage: NODE_IMAGES[release.kubernetes[1]] }));

export interface ResolvedIstio {
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

/** For a release past its end of life on `today`: what that means and what to run instead; else null. */
export function endOfLifeNotice(release: IstioRelease, today = new Date()): string | null {
  if (!release.endOfLife || today.toISOString().slice(0, 10) < release.endOfLife) return null;
  const newest = SUPPORTED_ISTIO[0];
  return `Istio ${release.minor} reached end of life on ${release.endOfLife}: Istio publishes no more fixes for it, security fixes included. meshspec still runs it; move to ${newest.minor} (--istio ${newest.latestPatch}) when you can.`;
}

/** The Kubernetes version a kind node image runs, as its nodes report it: "kindest/node:v1.36.4@sha256:..." -> "v1.36.4". */
export function nodeImageKubernetes(nodeImage: string): string {
  const version = /^kindest\/node:(v\d+\.\d+\.\d+)(@|$)/.exec(nodeImage)?.[1];
  if (!version) throw new Error(`${nodeImage} is not a kindest/node image tagged with its Kubernetes version`);
  return version;
}

/** "v1.36.4" (or "1.36", "v1.36.4-eks-1") -> [1, 36]; null when it is no Kubernetes version. */
function kubernetesMinor(version: string): [number, number] | null {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** Whether an Istio release supports that Kubernetes version (its minor inside the release's range). */
export function supportsKubernetes(release: IstioRelease, version: string): boolean {
  const minor = kubernetesMinor(version);
  const [oldest, newest] = release.kubernetes.map((v) => kubernetesMinor(v)!);
  if (!minor) return false;
  const at = (v: [number, number]) => v[0] * 1000 + v[1];
  return at(minor) >= at(oldest) && at(minor) <= at(newest);
}
