export { waitForCondition } from './condition.js';
export { waitForDeletion } from './deleted.js';
export { waitForPods } from './pods.js';
export { waitForRollout } from './rollout.js';
