export { ObjectStore, type StoreEvent, type StoreListener, type StoredType } from './store.js';
export { ApiError, type StatusCause } from './errors.js';
export { parseFieldSelector, parseLabelSelector, selectorObjectMatches } from './selectors.js';
export { applyConfiguration, applyJsonPatch, applyMergePatch, applyPatch, applyStrategicMergePatch } from './patch.js';
export type { KubeObject, ChangeType } from './types.js';
export { appliedFields, conflictingFields, withoutFields } from './ownership.js';
