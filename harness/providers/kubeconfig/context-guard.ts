/**
 * meshspec creates and deletes namespaces: pointed at the wrong context it could disturb a
 * shared cluster. Only throwaway clusters on this machine are accepted without being named
 * explicitly: a kind cluster or the meshspec sim, by its context name and a server on loopback.
 * A name alone proves nothing (any context can be called `kind-x`); kind's own kubeconfig points
 * at the API server port it published on `networking.apiServerAddress`, which defaults to
 * 127.0.0.1, or ::1 for IPv6 clusters (kubernetes-sigs/kind@v0.32.0
 * pkg/apis/config/v1alpha4/default.go; the server is written by pkg/cluster/internal/kubeconfig
 * from the docker provider's GetAPIServerEndpoint), and the sim listens on 127.0.0.1.
 */
import { ProviderError } from '../../contract/cluster.js';

export const SIM_CONTEXT = 'meshspec-sim';

/** kind names its contexts `kind-<cluster>` (kubernetes-sigs/kind@v0.32.0 pkg/cluster/internal/kubeconfig/internal/kubeconfig/helpers.go KINDClusterKey). */
const KIND_CONTEXT_PREFIX = 'kind-';

/** "a,b , c" -> ["a", "b", "c"] */
export function parseAllowList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

/** Whether a kubeconfig `server` URL names this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackServer(server: string | undefined): boolean {
  let host: string;
  try {
    host = new URL(server ?? '').hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  if (host === 'localhost' || host === '::1') return true;
  const octets = host.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255);
}

/** `server` is the URL of the context's cluster (undefined when the kubeconfig defines none). */
export function assertContextAllowed(context: string, server: string | undefined, allowed: readonly string[]): void {
  if (allowed.includes(context)) return;
  const throwaway = context.startsWith(KIND_CONTEXT_PREFIX) ? 'a kind cluster' : context === SIM_CONTEXT ? 'the meshspec sim' : undefined;
  if (throwaway && isLoopbackServer(server)) return;
  const why = throwaway
    ? `its name says ${throwaway}, but its server ${server ?? '(none defined)'} is not on this machine's loopback (127.0.0.0/8, ::1, localhost), where ${throwaway === 'a kind cluster' ? 'kind publishes its API server unless networking.apiServerAddress says otherwise' : 'the sim listens'}`
    : 'it is neither a kind cluster (kind-*) nor the meshspec sim';
  throw new ProviderError(
    `Refusing to run against context "${context}": ${why}, and it was not allowed explicitly. meshspec creates and deletes namespaces in the cluster it runs on.`,
    `If this cluster is meant for tests, allow it: --allow-context ${context}`,
  );
}
