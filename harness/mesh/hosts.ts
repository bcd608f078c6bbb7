/** Host names as Istio reads them in VirtualServices, DestinationRules and Gateways. */

const CLUSTER_DOMAIN = 'cluster.local';

/** A short name ("reviews") is relative to the object's namespace; anything with a dot is taken as written. */
export function expandHost(host: string, namespace: string): string {
  const lower = host.toLowerCase();
  if (lower === '*' || lower.includes('.')) return lower;
  return `${lower}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** `*` matches everything, `*.example.com` any name under example.com, anything else only itself. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

/** Host and port of an authority ("reviews:9080", "[::1]:80", "example.com"). */
export function splitAuthority(authority: string, defaultPort = 80): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority.trim());
  if (!match) return { host: authority.toLowerCase(), port: defaultPort };
  return { host: match[1]!.toLowerCase(), port: match[2] ? Number(match[2]) : defaultPort };
}

/**
 * The Service a name resolves to from a pod in `namespace`, following kube-dns search paths:
 * name, name.ns, name.ns.svc, name.ns.svc.cluster.local. Undefined when the name is not of that shape.
 */
export function serviceNameOf(host: string, namespace: string): { name: string; namespace: string } | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return { name: parts[0]!, namespace };
  if (parts.length === 2) return { name: parts[0]!, namespace: parts[1]! };
  if (parts.length === 3 && parts[2] === 'svc') return { name: parts[0]!, namespace: parts[1]! };
  if (parts.length === 5 && parts[2] === 'svc' && `${parts[3]}.${parts[4]}` === CLUSTER_DOMAIN) return { name: parts[0]!, namespace: parts[1]! };
  return undefined;
}

export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}
