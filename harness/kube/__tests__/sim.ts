/**
 * Shared setup of the kube layer's tests on the embedded cluster: the sim, clients for it, a
 * scenario namespace owned by the run, and applying YAML into it the way the apply step does.
 */
import type { AppliedObject, KubeClients } from '../types.js';
import { startSim, type SimCluster, type SimOptions } from '../../sim/index.js';
import { applyManifests } from '../apply.js';
import { createKubeClients } from '../clients.js';
import { parseManifests } from '../manifests.js';
import { createScenarioNamespace } from '../namespaces.js';
import type { RunOwner } from '../ownership.js';

interface KubeSim {
  sim: SimCluster;
  kube: KubeClients;
  owner: RunOwner;
  /** Applies `yaml` into the scenario namespace, waiting up to 30 s. */
  apply(yaml: string, imageRewrites?: Record<string, string>): Promise<AppliedObject[]>;
}

/** Starts the sim and creates the sidecar-mode namespace of scenario `scenario` for run `runId`. */
export async function startKubeSim(options: SimOptions, scenario: string, runId: string): Promise<KubeSim> {
  const sim = await startSim(options);
  const kube = createKubeClients({ kubeconfig: sim.kubeconfigPath, context: sim.context });
  const owner: RunOwner = { runId, namespace: await createScenarioNamespace(kube, { name: scenario, mesh: 'sidecar' }, runId) };
  const apply = (yaml: string, imageRewrites: Record<string, string> = {}) =>
    applyManifests(kube, parseManifests(yaml, 'test.yaml'), {
      namespace: owner.namespace,
      fieldManager: 'meshspec',
      imageRewrites,
      owner,
      deadline: Date.now() + 30_000,
    });
  return { sim, kube, owner, apply };
}
