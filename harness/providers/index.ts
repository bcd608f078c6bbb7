/**
 * The provider registry. Providers are imported lazily: each pulls in heavy code (the embedded
 * cluster, docker orchestration) that a run with another provider must not pay for.
 */
import { ProviderError, type ClusterProvider, type ProviderName } from './types.js';

export * from './types.js';

/** Module and factory export of each provider. */
const PROVIDERS: Record<ProviderName, { module: string; factory: string }> = {
  sim: { module: './sim/index.js', factory: 'simProvider' },
  kind: { module: './kind/index.js', factory: 'kindProvider' },
  kubeconfig: { module: './kubeconfig/index.js', factory: 'kubeconfigProvider' },
};

export async function createProvider(name: ProviderName): Promise<ClusterProvider> {
  const { module, factory } = PROVIDERS[name];
  let loaded: Record<string, unknown>;
  try {
    // A computed specifier: the type checker must not require modules other engineers are still writing.
    loaded = (await import(module)) as Record<string, unknown>;
  } catch (error) {
    if (!isModuleNotFound(error, module)) throw error;
    throw new ProviderError(`the ${name} provider is not part of this build (${module.replace('./', 'harness/providers/')} is missing)`, 'run `pnpm build`, or choose another provider with --provider');
  }
  const create = loaded[factory];
  if (typeof create !== 'function') {
    throw new ProviderError(`the ${name} provider module does not export ${factory}()`);
  }
  return (create as () => ClusterProvider)();
}

function isModuleNotFound(error: unknown, module: string): boolean {
  const code = (error as { code?: string }).code;
  const message = (error as { message?: string }).message ?? '';
  const basename = module.split('/').slice(-2).join('/').replace(/\.js$/, '');
  return (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url/.test(message)) && message.includes(basename);
}
