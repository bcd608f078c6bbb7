/**
 * Where the ingress gateway answers from this machine, read from its Service the way the EKS and
 * GKE tutorials do: the load balancer's hostname or IP, else a NodePort on a node's address; when
 * there is neither, or this machine cannot open a TCP connection to it within REACHABLE_TIMEOUT_MS
 * (a ClusterIP gateway, nodes on private addresses), a port-forward to a gateway pod.
 */
import { connect } from 'node:net';
import type { V1Node, V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { IngressTarget } from '../../contract/cluster.js';
import { httpStatusOf } from '../../kube/index.js';
import { ISTIO_NAMESPACE } from '../shared/istio-readiness.js';
import type { ProviderKube } from '../shared/kube.js';
import { forwardServicePort, NoReadyPodError } from './port-forward.js';

export const INGRESS_SERVICE = 'istio-ingressgateway';

/** Long enough for a TCP handshake across a continent, short enough to spend once in a setup. */
const REACHABLE_TIMEOUT_MS = 2_000;

export interface DiscoveredIngress {
  /** Where the workers send ingress traffic; null when there is no way to the gateway. */
  target: IngressTarget | null;
  /** For the ready line: the address and where it came from, or why there is none. */
  summary: string;
  /** Ends the port-forward when the address is one; nothing otherwise. */
  close(): Promise<void>;
}

const httpPort = (service: V1Service): V1ServicePort | undefined => service.spec?.ports?.find((p) => p.name === 'http2' || p.port === 80);

export function ingressFromService(service: V1Service, nodes: readonly V1Node[]): IngressTarget | null {
  const http = httpPort(service);
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

export async function discoverIngress(kube: ProviderKube, reachable: (url: string) => Promise<string | null> = tcpProblem): Promise<DiscoveredIngress> {
  const none = (summary: string): DiscoveredIngress => ({ target: null, summary, close: async () => undefined });
  let service: V1Service;
  try {
    service = await kube.core.readNamespacedService({ name: INGRESS_SERVICE, namespace: ISTIO_NAMESPACE });
  } catch (error) {
    if (httpStatusOf(error) === 404) return none(`none: no Service ${ISTIO_NAMESPACE}/${INGRESS_SERVICE} (profile without an ingress gateway?)`);
    throw error;
  }
  const http = httpPort(service);
  if (!http) return none(`none: Service ${ISTIO_NAMESPACE}/${INGRESS_SERVICE} has no http2 port or port 80`);
  const direct = ingressFromService(service, (await kube.core.listNode()).items);
  const problem = direct && (await reachable(direct.http));
  if (direct && !problem) return { target: direct, summary: direct.http, close: async () => undefined };
  const why = direct ? `${direct.http} is not reachable from this machine (${problem})` : `Service ${service.spec?.type ?? 'ClusterIP'} without a load balancer address or a node address with its nodePort`;
  try {
    const forward = await forwardServicePort(kube, service, http);
    return { target: { http: forward.url }, summary: `${forward.url}, a port-forward to pod ${forward.pod} (${why})`, close: forward.close };
  } catch (error) {
    if (error instanceof NoReadyPodError) return none(`none: ${why}, and no port-forward: ${error.message}`);
    throw error;
  }
}

/** Why a TCP connection to the URL's host and port cannot be opened, or null when it can. */
function tcpProblem(url: string): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 80), timeout: REACHABLE_TIMEOUT_MS });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.once('connect', () => done(null));
    socket.once('timeout', () => done(`no TCP connection within ${REACHABLE_TIMEOUT_MS / 1000} s`));
    socket.once('error', (error) => done(error.message));
  });
}
