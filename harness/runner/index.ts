/** The runner: executes a scenario's steps in a Vitest worker, one operation per step kind. */
export { createScenarioRun, scenarioRun, type ScenarioRun } from './runtime.js';
export { operationFor, operations, stepKindOf } from './steps/index.js';
export { createSubstitute, substituteDeep } from './substitute.js';
export { StepTimeoutError, withTimeout, type StepClock } from './timeout.js';
export type { AppliedObject, KubeClients, Operation, StepContext } from './types.js';
