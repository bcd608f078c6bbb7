export { ObjectStore, type StoreEvent, type StoredType } from './store.js';
export { ApiError, type StatusCause } from './errors.js';
export { parseFieldSelector, parseLabelSelector, selectorObjectMatches } from './selectors.js';
export { applyConfiguration, applyPatch } from './patch.js';
export type { KubeObject } from './types.js';
export { conflictingFields, withoutFields } from './ownership.js';
