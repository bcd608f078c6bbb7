/**
 * The contract of a step operation, after chainsaw: one operation per folder under
 * `runner/steps/<kind>/`, each exporting an `Operation` whose `exec` runs with its own timeout.
 * Operations run in Vitest workers.
 */
import type { AppliedObject, KubeClients } from '../kube/types.js';
import type { MeshConfigTracker } from './mesh-config/index.js';
import type { ClusterHandle } from '../contract/cluster.js';
import type { Step } from '../spec/schema.js';

export interface StepContext {
  cluster: ClusterHandle;
  /** The scenario's own namespace, created by the runner. */
  namespace: string;
  kube: KubeClients;
  /** Repository root: manifest paths are relative to it. */
  rootDir: string;
  /** The spec file, for messages. */
  specFile: string;
  /** Aborted when the step's timeout passes. */
  signal: AbortSignal;
  /** Epoch ms by which the step must be done. */
  deadline: number;
  /** Everything applied so far in this scenario, oldest first. */
  applied: AppliedObject[];
  /** Steps that change Istio or Gateway API objects tell it before and after (mesh-config/index.ts). */
  meshConfig: MeshConfigTracker;
  /** Resolves once every Istio and Gateway API change of the scenario so far is in effect in the mesh. */
  meshSynced(): Promise<void>;
  /**
   * Attaches data to the step's Vitest task (`task.meta.meshspec`), which reaches reporters in
   * the main process: e.g. a traffic step's summary for the HTML report.
   */
  report(data: Record<string, unknown>): void;
  /** A line for the step's log, shown only when the step fails. */
  log(message: string): void;
  /** Replaces ${VARIABLE} references (NAMESPACE, variables the provider reports) in manifests. */
  substitute(text: string): string;
}

export interface Operation<S extends Step = Step> {
  defaultTimeoutMs: number;
  exec(step: S, ctx: StepContext): Promise<void>;
  /**
   * Why the step cannot run on this cluster, known before it starts (e.g. an optional
   * `istioctl` step on a provider without istioctl); undefined when it can run.
   */
  skipReason?(step: S, cluster: ClusterHandle): string | undefined;
}
