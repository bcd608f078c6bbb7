/** meshspec as a library: the Vitest plugin, the spec language, and the provider contract. */
export { meshspec, type MeshspecOptions } from './plugin/index.js';
export * from './spec/index.js';
export { createProvider } from './providers/index.js';
export type { ClusterHandle, ClusterProvider, ProviderOptions, ProviderName, ProgressReporter, IstioProfile } from './contract/cluster.js';
export { ProviderError } from './contract/cluster.js';
