/** The StepContext an operation runs with: the scenario's cluster, namespace and clock. */
import type { TestContext } from 'vitest';
import { waitForMeshConfig } from '../kube/index.js';
import type { ClusterHandle } from '../contract/cluster.js';
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
  substitute(text: string): string;
}

export function createStepContext(scope: ScenarioScope, clock: StepClock, test: TestContext, log: string[]): StepContext {
  return {
    ...scope,
    ...clock,
    meshSynced: () => waitForMeshConfig(scope.kube, scope.applied, scope.cluster, clock),
    report(data) {
      const meta = test.task.meta as { meshspec?: Record<string, unknown> };
      meta.meshspec = { ...meta.meshspec, ...data };
    },
    log(message) {
      log.push(message);
    },
  };
}
