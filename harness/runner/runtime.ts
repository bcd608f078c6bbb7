/**
 * What the Vitest plugin's generated code calls for each spec: `setup` in beforeAll (creates
 * the scenario's namespace), `runStep` in each `it`, `teardown` in afterAll (removes
 * everything the run created and waits until it is gone). A failed step makes the later ones
 * skip with the reason.
 */
import { inject, type TestContext } from 'vitest';
import { createKubeClients, createScenarioNamespace, deleteScenarioResources } from '../kube/index.js';
import { CLUSTER_KEY } from '../contract/provided.js';
import type { ClusterHandle } from '../contract/cluster.js';
import { describeStep, durationMs, type Scenario, type Step } from '../spec/index.js';
import { attachFailureDiagnostics } from './diagnostics.js';
import { MeshConfigTracker } from './mesh-config/index.js';
import { presentFailure } from './failure.js';
import { createStepContext, type ScenarioScope } from './step-context.js';
import { operationFor } from './steps/index.js';
import { createSubstitute, substituteDeep } from './substitute.js';
import { withTimeout } from './timeout.js';
import type { StepContext } from './types.js';

/** Time teardown allows for deleting the namespace and waiting until it is gone. */
const TEARDOWN_TIMEOUT_MS = 240_000;

export interface ScenarioRun {
  setup(): Promise<void>;
  teardown(): Promise<void>;
  skipReason(index: number): string | undefined;
  runStep(index: number, ctx: TestContext): Promise<void>;
}

export function scenarioRun(scenario: Scenario, meta: { file: string; rootDir: string }): ScenarioRun {
  return createScenarioRun(scenario, meta, clusterHandle);
}

/** `scenarioRun` with the cluster handle from elsewhere than Vitest's inject (the runner's own tests). */
export function createScenarioRun(scenario: Scenario, meta: { file: string; rootDir: string }, cluster: () => ClusterHandle): ScenarioRun {
  let scope: ScenarioScope | undefined;
  let failed: { number: number; name: string } | undefined;
  /** Why the whole scenario cannot run on this cluster, decided in setup (no namespace is created then). */
  let unsupported: string | undefined;

  const started = (): ScenarioScope => {
    if (!scope) throw new Error(`scenario ${scenario.name} has no namespace: its setup did not complete (see the error of beforeAll)`);
    return scope;
  };

  return {
    async setup() {
      try {
        const handle = cluster();
        unsupported = unsupportedReason(scenario, handle);
        if (unsupported) return;
        const kube = createKubeClients(handle);
        const namespace = await createScenarioNamespace(kube, scenario, handle.runId);
        scope = {
          cluster: handle,
          kube,
          namespace,
          rootDir: meta.rootDir,
          specFile: meta.file,
          applied: [],
          meshConfig: new MeshConfigTracker(kube),
          substitute: createSubstitute({ ...handle.variables, NAMESPACE: namespace }),
        };
      } catch (error) {
        throw presentFailure(error, { specFile: meta.file });
      }
    },

    async teardown() {
      if (!scope) return;
      const { kube, applied, namespace, cluster, meshConfig } = scope;
      await meshConfig.close();
      await deleteScenarioResources(kube, applied, { runId: cluster.runId, namespace }, { deadline: Date.now() + TEARDOWN_TIMEOUT_MS }).catch(
        (error: unknown) => {
          throw presentFailure(error, { specFile: meta.file });
        },
      );
    },

    skipReason(index) {
      if (unsupported) return unsupported;
      if (failed && failed.number <= index) return `skipped: step ${failed.number} "${failed.name}" failed`;
      const step = scenario.steps[index]!;
      const handle = scope?.cluster;
      if (!handle) return undefined;
      if (step.providers && !step.providers.includes(handle.provider)) {
        return `skipped: runs only on ${step.providers.join(', ')}, and this run uses ${handle.provider}`;
      }
      return operationFor(step).skipReason?.(step, handle);
    },

    async runStep(index, ctx) {
      const why = this.skipReason(index);
      if (why) ctx.skip(why);
      const current = started();
      const step = scenario.steps[index]!;
      const operation = operationFor(step);
      const timeout = step.timeout ?? scenario.timeout;
      const timeoutMs = timeout ? durationMs(timeout) : operation.defaultTimeoutMs;
      const log: string[] = [];
      let stepCtx: StepContext | undefined;
      try {
        await withTimeout(
          timeoutMs,
          () => `step "${describeStep(step)}" did not finish within ${timeoutMs / 1000}s; set timeout: on the step (or the scenario) to allow longer`,
          ctx.signal,
          async (clock) => {
            stepCtx = createStepContext(current, clock, ctx, log);
            await operation.exec(substituteDeep<Step>(step, current.substitute), stepCtx);
          },
        );
        // A retried step (Vitest's `retry`) that now passes no longer holds the later ones back.
        if (failed?.number === index + 1) failed = undefined;
      } catch (error) {
        failed = { number: index + 1, name: describeStep(step) };
        if (stepCtx) await attachFailureDiagnostics(stepCtx, ctx);
        throw presentFailure(error, { specFile: meta.file, log });
      }
    },
  };
}

function clusterHandle(): ClusterHandle {
  const cluster = inject(CLUSTER_KEY);
  if (!cluster) {
    throw new Error(
      'no cluster was provided to this test worker: run specs through `meshspec run` or with the meshspec() plugin in vitest.config.ts, whose global setup brings the cluster up',
    );
  }
  return cluster;
}

/**
 * A scenario in ambient mode on a cluster without ztunnel would run its steps with no data plane
 * at all, and could pass for the wrong reason: it is skipped with the reason instead.
 */
function unsupportedReason(scenario: Scenario, handle: ClusterHandle): string | undefined {
  if (scenario.mesh !== 'ambient' || handle.istio.ambient) return undefined;
  const why = {
    sim: 'the sim does not emulate ambient mode',
    kind: 'meshspec installs sidecar profiles only',
    kubeconfig: 'no ztunnel DaemonSet in istio-system',
  }[handle.provider];
  return `skipped: mesh: ambient needs Istio's ambient data plane (ztunnel), which this ${handle.provider} cluster does not run (${why}); run it with --provider kubeconfig on a cluster with ambient installed (istioctl install --set profile=ambient)`;
}
