/** The StepContext an operation runs with: the scenario's cluster, namespace and clock. */
import type { TestContext } from 'vitest';
import type { ClusterHandle } from '../contract/cluster.js';
import type { MeshConfigTracker } from './mesh-config/index.js';
import type { StepClock } from './timeout.js';
import type { AppliedObject, KubeClients } from '../kube/types.js';
import type { StepContext } from './types.js';

export interface ScenarioScope {
  cluster: ClusterHandle;
  kube: KubeClients;
  namespace: string;
  rootDir: string;
  specFile: string;
  applied: AppliedObject[];
  meshConfig: MeshConfigTracker;
  substitute(text: string): string;
}

export function createStepContext(scope: ScenarioScope, clock: StepClock, test: TestContext, log: string[]): StepContext {
  return {
    ...scope,
    ...clock,
    meshSynced: () => scope.meshConfig.waitInEffect(clock),
    report(data) {
      const meta = test.task.meta as { meshspec?: Record<string, unknown> };
      meta.meshspec = { ...meta.meshspec, ...data };
    },
    log(message) {
      log.push(message);
    },
  };
}
