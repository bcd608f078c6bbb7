/** The kube layer: a thin layer over @kubernetes/client-node for apply, delete, patch and waits. */
export { applyManifests, type ApplyOptions } from './apply.js';
export { createKubeClients } from './clients.js';
export { deleteObjects, type DeleteOptions } from './delete.js';
export { Discovery, discoveryFor, nameMatches, type ResourceType } from './discovery.js';
export { describeApiError, httpStatusOf, isNotFound, isTransient, KubeError } from './errors.js';
export { repositoryOf, rewriteImage, rewriteImages } from './images.js';
export { loadManifests, parseManifests, type Manifest, type ManifestObject } from './manifests.js';
export { FIELD_MANAGER, patchObject, setMetadata, type MetadataValues, type PatchType } from './mutate.js';
export { createScenarioNamespace, deleteScenarioResources, removeStaleNamespaces, type StaleCleanup } from './namespaces.js';
export { assertChangeable, insideScenario, RUN_LABEL, SCENARIO_LABEL, type RunOwner } from './ownership.js';
export { done, notYet, waitFor, WaitTimeoutError, type Deadline, type Probe, type ProbeResult } from './poll.js';
export { holdRunLease, NAMESPACE_GRACE_MS, RUN_LEASE_NAMESPACE, runLeaseName, type RunLease } from './run-lease.js';
export { conditionOf, describeCondition, readObject, type Condition, type ServerObject } from './read.js';
export { describeObject, groupOf, parseObjectRef, sameObject, type ObjectId, type ParsedRef } from './refs.js';
export { selectObjects, type ObjectSelection } from './select.js';
export * from './waits/index.js';
