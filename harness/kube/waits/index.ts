export { waitForCondition } from './condition.js';
export { waitCrdsEstablished } from './crd.js';
export { waitForDeletion } from './deleted.js';
export { podsProgress, waitForPods, type PodsWanted } from './pods.js';
export { rolloutProgress, waitForRollout } from './rollout.js';
