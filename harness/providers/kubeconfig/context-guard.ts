/**
 * meshspec creates and deletes namespaces: pointed at the wrong context it could disturb a
 * shared cluster. Only throwaway clusters are accepted without being named explicitly.
 */
import { ProviderError } from '../../contract/cluster.js';

export const SIM_CONTEXT = 'meshspec-sim';

/** "a,b , c" -> ["a", "b", "c"] */
export function parseAllowList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((name) => name.trim()).filter(Boolean);
}

export function assertContextAllowed(context: string, allowed: readonly string[]): void {
  if (context.startsWith('kind-') || context === SIM_CONTEXT || allowed.includes(context)) return;
  throw new ProviderError(
    `Refusing to run against context "${context}": it is neither a kind cluster (kind-*) nor the meshspec sim, and it was not allowed explicitly. meshspec creates and deletes namespaces in the cluster it runs on.`,
    `If this cluster is meant for tests, allow it: --allow-context ${context}`,
  );
}
