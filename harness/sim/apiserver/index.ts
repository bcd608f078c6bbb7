export { ClusterApi, type AdmissionPlugin, type AdmissionRequest, type DeleteOptions, type PatchOptions, type PatchType, type WriteOptions } from './api.js';
export { ResourceRegistry, type ResourceType } from './registry.js';
export { startApiServer, SIM_CONTEXT, type ApiServer } from './server.js';
export type { PodRuntime } from './types.js';
export { createServerCertificates, type ServerCertificates } from './certs.js';
