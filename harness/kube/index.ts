/** The kube layer: a thin layer over @kubernetes/client-node for apply, delete, patch and waits. */
export { applyManifests } from './apply.js';
export { createKubeClients } from './clients.js';
export { deleteObjects } from './delete.js';
export { discoveryFor } from './discovery.js';
export { describeApiError, httpStatusOf, isTransient } from './errors.js';
export { loadManifests, parseManifests, type Manifest } from './manifests.js';
export { FIELD_MANAGER, patchObject, setMetadata, type MetadataValues } from './mutate.js';
export { createScenarioNamespace, deleteScenarioResources, removeStaleNamespaces } from './namespaces.js';
export { RUN_LABEL, type RunOwner } from './ownership.js';
export { done, notYet, waitFor, WaitTimeoutError } from './poll.js';
export { holdRunLease, RUN_LEASE_NAMESPACE, runLeaseName, type RunLease } from './run-lease.js';
export { readObject } from './read.js';
export { describeObject, parseObjectRef, type ObjectId } from './refs.js';
export { selectObjects } from './select.js';
export * from './waits/index.js';
