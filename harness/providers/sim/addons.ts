/**
 * Addons on the embedded cluster: their stand-ins (harness/sim/istio/addons.ts) go through the
 * same install as Istio's files on kind, so a scenario sees the same objects either way. Used by
 * the sim provider and by `meshspec sim --addons`.
 */
import { addonStandIn } from '../../sim/istio/index.js';
import type { SimCluster } from '../../sim/index.js';
import { installAddons } from '../istio/addons.js';
import { kubeClients } from '../setup/kube.js';
import type { Addon } from '../../contract/cluster.js';

export async function installSimAddons(sim: SimCluster, addons: readonly Addon[], runId: string, onStatus?: (detail: string) => void): Promise<void> {
  if (addons.length === 0) return;
  await installAddons(kubeClients(sim.kubeconfigPath, sim.context), addons, {
    runId,
    manifestsOf: async (addon) =>
      addonStandIn(addon, sim.istioVersion).map((object) => ({ object, origin: `the sim's stand-in for samples/addons/${addon}.yaml` })),
    timeoutMs: 60_000,
    onStatus,
  });
}
