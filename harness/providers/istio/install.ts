/** Installing Istio with istioctl: the widest profile the scenarios need, plus meshspec's overlay. */
import { join } from 'node:path';
import { kubeToolOptions } from '../../kube/clients.js';
import type { IstioProfile } from '../../contract/cluster.js';
import { runTool } from '../host/tools.js';

const PROFILE_WIDTH: Record<IstioProfile, number> = { minimal: 0, default: 1, demo: 2 };

/** demo > default > minimal; no scenario asking for one means default. */
export function widestProfile(profiles: readonly IstioProfile[]): IstioProfile {
  return profiles.reduce<IstioProfile>((widest, p) => (PROFILE_WIDTH[p] > PROFILE_WIDTH[widest] ? p : widest), profiles[0] ?? 'default');
}

/**
 * Where Istio's images are pulled from, for every release: the hub Istio publishes each release to
 * (istio/release-builder release/publish.sh, DOCKER_HUB=docker.io/istio on release-1.29, -1.30 and
 * -1.31). istioctl 1.30 embeds registry.istio.io/release instead (release-builder@release-1.30
 * release/build.sh), which Istio retires at the end of 2026 and asks installs to replace with
 * docker.io/istio (istio.io blog "An Update on Our Container Registry Migration", 2026-07-23).
 * `hub` is the IstioOperator field for it (istio/istio@1.30.3 operator/pkg/apis/types.go).
 */
export const ISTIO_HUB = 'docker.io/istio';

export function istioOverlayPath(rootDir: string): string {
  return join(rootDir, 'clusters', 'istio-overlay.yaml');
}

interface IstioInstallOptions {
  istioctl: string;
  /** In $KUBECONFIG form, as in ClusterHandle. */
  kubeconfig: string;
  context: string;
  profile: IstioProfile;
  overlay: string;
  onLine?: (line: string) => void;
}

export function istioInstallArgs(options: IstioInstallOptions): string[] {
  return ['install', '-y', '--set', `profile=${options.profile}`, '--set', `hub=${ISTIO_HUB}`, '-f', options.overlay, ...kubeToolOptions(options).args];
}

export async function installIstio(options: IstioInstallOptions): Promise<void> {
  await runTool(options.istioctl, istioInstallArgs(options), { env: kubeToolOptions(options).env, onLine: options.onLine, timeoutMs: 15 * 60_000 });
}
