/** The runner: executes a scenario's steps in a Vitest worker, one operation per step kind. */
export type { StepContext } from './types.js';
