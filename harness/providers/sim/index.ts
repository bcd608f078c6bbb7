/**
 * The sim provider: the embedded cluster (harness/sim) started in this process, with the
 * widest Istio profile the selected scenarios need and the stand-ins of the addons they use.
 * Nothing to install, nothing left behind.
 *
 * It emulates the Istio release `--istio` asks for (default the newest supported), on the newest
 * Kubernetes that release supports, as kind would run it.
 *
 * Settings: `nativeSidecars`, istiod's ENABLE_NATIVE_SIDECARS: `auto` (default, Istio's own rule:
 * native sidecars, since the node's kubelet is >= 1.33), `true` or `false` to force them on or off.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultEchoEntry, EXTERNAL_HOST, EXTERNAL_IP, startSim, type SimCluster } from '../../sim/index.js';
import type { NativeSidecarMode } from '../../istio/injection.js';
import { widestProfile } from '../istio/install.js';
import { resolveIstioVersion } from '../istio/versions.js';
import { installSimAddons } from './addons.js';
import { ProviderError, type ClusterHandle, type ClusterProvider, type ProviderOptions } from '../../contract/cluster.js';

const NATIVE_SIDECAR_MODES: readonly string[] = ['true', 'false', 'auto'] satisfies NativeSidecarMode[];

function nativeSidecarSetting(value: string | undefined): NativeSidecarMode {
  if (value === undefined) return 'auto';
  if (!NATIVE_SIDECAR_MODES.includes(value))
    throw new ProviderError(`the sim setting nativeSidecars is "${value}"`, `Set it to ${NATIVE_SIDECAR_MODES.join(', ')}, or leave it out for auto.`);
  return value as NativeSidecarMode;
}

export function simProvider(): ClusterProvider {
  let sim: SimCluster | undefined;
  return {
    name: 'sim',
    async setup(options: ProviderOptions): Promise<ClusterHandle> {
      if (options.settings.istioctl) options.progress.info(`--istioctl ${options.settings.istioctl} is ignored: the sim has no istioctl.`);
      const profile = widestProfile(options.profiles);
      const nativeSidecars = nativeSidecarSetting(options.settings.nativeSidecars);
      const { version } = resolveIstioVersion(options.istioVersion);
      const addons = options.addons.length > 0 ? ` and ${options.addons.join(', ')}` : '';
      const phase = options.progress.phase(`start the embedded cluster with Istio ${profile}${addons}`);
      try {
        await mkdir(options.artifactsDir, { recursive: true });
        sim = await startSim({
          istioProfile: profile,
          kubeconfigPath: join(options.artifactsDir, 'sim.kubeconfig'),
          istioVersion: version,
          nativeSidecars,
        });
        await installSimAddons(sim, options.addons, options.runId, phase.update);
      } catch (error) {
        phase.fail(error);
        // The build is the usual cause only when the echo app is missing; otherwise the message is.
        const hint = existsSync(defaultEchoEntry())
          ? 'the cause is above; `meshspec sim` starts the embedded cluster alone to look closer'
          : 'run `pnpm build` first; the sim runs the built echo app from dist/';
        throw new ProviderError(`the embedded cluster did not start: ${(error as Error).message}`, hint);
      }
      const ingress = sim.ingress();
      phase.done(`${sim.server}, kubeconfig ${sim.kubeconfigPath}`);
      const external = sim.externalHosts().length > 0;
      return {
        provider: 'sim',
        runId: options.runId,
        kubeconfig: sim.kubeconfigPath,
        context: sim.context,
        istio: { version: sim.istioVersion, profile, istioctl: null, ambient: false },
        ingress: ingress ? { http: `http://${ingress.host}:${ingress.port}` } : null,
        imageRewrites: {},
        variables: external ? { EXTERNAL_HOST, EXTERNAL_IP } : {},
        artifactsDir: options.artifactsDir,
      };
    },
    async teardown() {
      await sim?.stop();
      sim = undefined;
    },
  };
}
