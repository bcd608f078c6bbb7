export { ClusterApi } from './api.js';
export { ResourceRegistry } from './registry.js';
export { startApiServer, SIM_CONTEXT } from './server.js';
export { createServerCertificates } from './certs.js';
