export { createDataPlane, STATS_PORT, type DataPlaneOptions } from './data-plane.js';
export { addonKind, type AddonKind } from './addons.js';
export { ConfigError } from './compile.js';
export type * from './types.js';
