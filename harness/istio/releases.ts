/**
 * The Istio releases meshspec supports, newest first (the first is the default), each with the
 * Kubernetes minors it supports. The one place to change when a release comes out: the providers
 * (harness/providers/istio/versions.ts adds kind's node image to each), the CI matrix
 * test, the CLI and the sim, which emulates the chosen release on the newest Kubernetes of its
 * range, all read it.
 *
 * Patch releases, end of life and Kubernetes ranges are istio.io's (istio/istio.io
 * content/en/news/releases/<minor>.x/announcing-<version>, whose "officially supported on
 * Kubernetes versions" tip gives the range, and content/en/news/support/announcing-<minor>-eol).
 */

export interface IstioRelease {
  /** "1.30" */
  minor: string;
  /** Newest patch release istio.io announces; used when only the minor is asked for. */
  latestPatch: string;
  /** Kubernetes minors this Istio release supports, oldest first. */
  kubernetes: readonly [string, string];
  /** The day Istio stopped patching this minor (YYYY-MM-DD), once announced. */
  endOfLife?: string;
}

export const ISTIO_RELEASES: readonly IstioRelease[] = [
  // announcing-1.31 (1.32 to 1.36), announcing-1.31.1 (2026-09-21)
  { minor: '1.31', latestPatch: '1.31.1', kubernetes: ['1.32', '1.36'] },
  // announcing-1.30 (1.32 to 1.36), announcing-1.30.5 (2026-09-21)
  { minor: '1.30', latestPatch: '1.30.5', kubernetes: ['1.32', '1.36'] },
  // announcing-1.29 (1.31 to 1.35), announcing-1.29.8 (2026-09-21), announcing-1.29-eol ("ends on the 12th of October, 2026")
  { minor: '1.29', latestPatch: '1.29.8', kubernetes: ['1.31', '1.35'], endOfLife: '2026-10-12' },
];

export const DEFAULT_ISTIO_VERSION = ISTIO_RELEASES[0].latestPatch;

/** The supported release a version ("1.30.2", "1.30") belongs to, or undefined. */
export function istioRelease(version: string): IstioRelease | undefined {
  const minor = /^v?(\d+\.\d+)(?:\.|-|$)/.exec(version)?.[1];
  return ISTIO_RELEASES.find((release) => release.minor === minor);
}
