/**
 * Where the "service outside the cluster" of the egress chapters answers, and where a cluster
 * publishes it. Kept free of imports: the kind and kubeconfig providers read these without
 * loading the sim.
 */
export const EXTERNAL_HOST = 'external.meshspec.test';
/** From TEST-NET-1 (RFC 5737): never routed, so nothing real is ever reached by mistake. */
export const EXTERNAL_IP = '192.0.2.10';
/** The port the external service answers on for clients in the cluster, as the kind provider's does. */
export const EXTERNAL_PORT = 80;
/** The echo app's arguments for the external service, on every provider: it answers as service "external", version v1. */
export const EXTERNAL_ECHO_ARGS = ['--service', 'external', '--port', String(EXTERNAL_PORT)];

/**
 * Where a cluster publishes its service outside the cluster, so that any provider (also the
 * kubeconfig provider pointed at a sim or a kind cluster) can read it: data `host`, `ip`, `port`.
 */
export const EXTERNAL_CONFIG_MAP = { namespace: 'kube-public', name: 'meshspec-external' } as const;
