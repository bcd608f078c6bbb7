export { createDataPlane } from './data-plane.js';
export type * from './types.js';
