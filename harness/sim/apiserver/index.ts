export { ClusterApi, type AdmissionPlugin } from './api.js';
export { ResourceRegistry, type ResourceType } from './registry.js';
export { startApiServer, SIM_CONTEXT } from './server.js';
export type { PodRuntime } from './types.js';
export { createServerCertificates } from './certs.js';
