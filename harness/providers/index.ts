/**
 * The provider registry. Providers are imported lazily: each pulls in heavy code (the embedded
 * cluster, docker orchestration) that a run with another provider must not pay for.
 */
import type { ClusterProvider, ProviderName } from '../contract/cluster.js';

/** Each provider's module, imported only when that provider is chosen. */
const PROVIDERS: Record<ProviderName, () => Promise<ClusterProvider>> = {
  sim: async () => (await import('./sim/index.js')).simProvider(),
  kind: async () => (await import('./kind/index.js')).kindProvider(),
  kubeconfig: async () => (await import('./kubeconfig/index.js')).kubeconfigProvider(),
};

export function createProvider(name: ProviderName): Promise<ClusterProvider> {
  return PROVIDERS[name]();
}
