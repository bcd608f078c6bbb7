/**
 * Where the ingress gateway answers from this machine, read from its Service the way the EKS and
 * GKE tutorials do: the load balancer's hostname or IP, else a NodePort on a node's address.
 */
import type { V1Node, V1Service } from '@kubernetes/client-node';
import type { IngressTarget } from '../types.js';
import { httpStatusOf } from '../../kube/index.js';
import { ISTIO_NAMESPACE } from '../shared/istio-readiness.js';
import type { ProviderKube } from '../shared/kube.js';

export const INGRESS_SERVICE = 'istio-ingressgateway';

export function ingressFromService(service: V1Service, nodes: readonly V1Node[]): IngressTarget | null {
  const http = service.spec?.ports?.find((p) => p.name === 'http2' || p.port === 80);
  if (!http) return null;
  const balancer = service.status?.loadBalancer?.ingress?.[0];
  const balancerHost = balancer?.hostname || balancer?.ip;
  if (balancerHost) return { http: `http://${hostForUrl(balancerHost)}${http.port === 80 ? '' : `:${http.port}`}` };
  if (http.nodePort) {
    const addresses = nodes.flatMap((n) => n.status?.addresses ?? []);
    const address = addresses.find((a) => a.type === 'ExternalIP') ?? addresses.find((a) => a.type === 'InternalIP');
    if (address) return { http: `http://${hostForUrl(address.address)}:${http.nodePort}` };
  }
  return null;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function discoverIngress(kube: ProviderKube): Promise<IngressTarget | null> {
  try {
    const service = await kube.core.readNamespacedService({ name: INGRESS_SERVICE, namespace: ISTIO_NAMESPACE });
    const nodes = (await kube.core.listNode()).items;
    return ingressFromService(service, nodes);
  } catch (error) {
    if (httpStatusOf(error) === 404) return null;
    throw error;
  }
}
