/**
 * Shared setup of the runner's tests on the embedded cluster: the sim with the emulated data
 * plane (quiet), and the ClusterHandle a provider would hand the workers for it.
 */
import { createDataPlane } from '../../mesh/index.js';
import type { ClusterHandle } from '../../contract/cluster.js';
import { startSim, type SimCluster, type SimOptions } from '../../sim/index.js';
import type { KubeClients } from '../../kube/types.js';
import { MeshConfigTracker } from '../mesh-config/index.js';
import type { StepContext } from '../types.js';

/** The sim with the emulated Istio data plane, its log silenced. */
export function startMeshSim(istioProfile: SimOptions['istioProfile']): Promise<SimCluster> {
  return startSim({ istioProfile, dataPlane: (host) => createDataPlane(host, { log: () => undefined }) });
}

/** The handle the sim provider would give workers for `sim`: Istio demo, no ingress, nothing rewritten. */
export function simHandle(sim: SimCluster, runId: string, overrides: Partial<ClusterHandle> = {}): ClusterHandle {
  return {
    provider: 'sim',
    runId,
    kubeconfig: sim.kubeconfigPath,
    context: sim.context,
    istio: { version: sim.istioVersion, profile: 'demo', istioctl: null, ambient: false },
    ingress: null,
    imageRewrites: {},
    variables: {},
    artifactsDir: `/tmp/meshspec-${runId}`,
    ...overrides,
  };
}

/** A StepContext in `namespace` of `cluster` with `timeoutMs` to go; it does nothing with logs, reports or mesh sync unless `overrides` says so (changes are still noted). */
export function stepContextOn(
  cluster: ClusterHandle,
  kube: KubeClients,
  namespace: string,
  timeoutMs: number,
  overrides: Partial<StepContext> = {},
): StepContext {
  return {
    cluster,
    namespace,
    kube,
    rootDir: process.cwd(),
    specFile: 'inline.spec.yaml',
    signal: AbortSignal.timeout(timeoutMs),
    deadline: Date.now() + timeoutMs,
    applied: [],
    meshConfig: new MeshConfigTracker(kube),
    meshSynced: async () => undefined,
    report: () => undefined,
    log: () => undefined,
    substitute: (text) => text,
    ...overrides,
  };
}
