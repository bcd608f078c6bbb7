/**
 * The ingress gateway of an existing cluster and where it answers from this machine. The gateway
 * is the one Istio ingress gateway found in any namespace (kube/istio-gateways.ts), or the one the
 * `--ingress-gateway NAMESPACE/NAME` setting names; its Service is the one in its namespace that
 * selects its pods. The address is read from that Service the way the EKS and GKE tutorials do:
 * the load balancer's hostname or IP, else a NodePort on a node's address; when there is neither,
 * or this machine cannot open a TCP connection to it within REACHABLE_TIMEOUT_MS (a ClusterIP
 * gateway, nodes on private addresses), a port-forward to a gateway pod.
 */
import { connect } from 'node:net';
import type { V1Node, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { ProviderError, type IngressTarget } from '../../contract/cluster.js';
import { httpStatusOf } from '../../kube/index.js';
import type { IstioGateway } from '../../kube/istio-gateways.js';
import type { ProviderKube } from '../setup/kube.js';
import { forwardServicePort, NoReadyPodError } from './port-forward.js';

/** The `istio` label the tutorials' Gateway resources select their ingress gateway by. */
const TUTORIAL_GATEWAY_SELECTOR = 'ingressgateway';

interface IngressGateway {
  /** The Service in front of the gateway's pods: its address is the ingress address. */
  service: V1Service;
  /** The gateway Deployments behind it: a gateway and its canary share one Service. */
  deployments: { namespace: string; name: string }[];
}

/** The ingress gateway chosen, or why there is none; and what the user should know about the choice. */
export type ChosenIngress = { gateway: IngressGateway; note?: string; warning?: string } | { gateway: null; reason: string };

const SETTING = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;

/** `--ingress-gateway NAMESPACE/NAME`, checked before the cluster is touched. */
export function parseIngressGatewaySetting(value: string): { namespace: string; name: string } {
  const match = SETTING.exec(value.trim());
  if (!match) {
    throw new ProviderError(
      `--ingress-gateway "${value}" is not NAMESPACE/NAME.`,
      "Name the ingress gateway's Service with its namespace, e.g. --ingress-gateway istio-ingress/istio-ingress (kubectl get svc -A -l istio shows them).",
    );
  }
  return { namespace: match[1]!, name: match[3]! };
}

const selects = (service: V1Service, podLabels: Record<string, string>): boolean => {
  const selector = Object.entries(service.spec?.selector ?? {});
  return selector.length > 0 && selector.every(([key, value]) => podLabels[key] === value);
};
const refOf = (object: { metadata?: { namespace?: string; name?: string } }) => `${object.metadata?.namespace}/${object.metadata?.name}`;

/**
 * The ingress gateway among `gateways` (all of the cluster's), or the one the setting names. Several
 * Services in front of ingress gateways are a choice for the user, unless exactly one selects pods
 * labelled istio=ingressgateway, which is what the tutorials' Gateways select.
 */
export async function chooseIngressGateway(kube: ProviderKube, gateways: readonly IstioGateway[], setting: string | undefined): Promise<ChosenIngress> {
  if (setting) return { gateway: await namedIngressGateway(kube, parseIngressGatewaySetting(setting), setting) };
  const services = new Map<string, V1Service[]>();
  const servicesIn = async (namespace: string) => {
    if (!services.has(namespace)) services.set(namespace, (await kube.core.listNamespacedService({ namespace })).items);
    return services.get(namespace)!;
  };
  const candidates = new Map<string, IngressGateway>();
  const withoutService: string[] = [];
  for (const gateway of gateways.filter((g) => g.role === 'ingress')) {
    const selecting = (await servicesIn(gateway.namespace)).filter((service) => selects(service, gateway.podLabels));
    const service = selecting.find((s) => s.metadata?.name === gateway.name) ?? selecting[0];
    const deployment = { namespace: gateway.namespace, name: gateway.name };
    if (!service) {
      withoutService.push(`${gateway.namespace}/${gateway.name}`);
      continue;
    }
    const key = refOf(service);
    const known = candidates.get(key);
    if (known) known.deployments.push(deployment);
    else candidates.set(key, { service, deployments: [deployment] });
  }
  const found = [...candidates.values()];
  if (found.length === 0) {
    return {
      gateway: null,
      reason:
        withoutService.length > 0
          ? `no Service selects the pods of the ingress gateway ${withoutService.join(', ')}`
          : 'no Istio ingress gateway in any namespace (a Deployment labelled operator.istio.io/component=IngressGateways, or one of the istio/gateway chart; name another with --ingress-gateway NAMESPACE/NAME)',
    };
  }
  const labelled = found.filter((candidate) => candidate.service.spec?.selector?.istio === TUTORIAL_GATEWAY_SELECTOR);
  const [chosen] = found.length === 1 ? found : labelled;
  if (!chosen || (found.length > 1 && labelled.length !== 1)) {
    throw new ProviderError(
      `The cluster has ${found.length} Istio ingress gateways, and ${labelled.length === 0 ? 'none of them selects' : `${labelled.length} of them select`} pods labelled istio=${TUTORIAL_GATEWAY_SELECTOR} as the tutorials' Gateways do: ${found.map(describeCandidate).join('; ')}.`,
      `Name the one to send ingress traffic to: --ingress-gateway NAMESPACE/NAME of its Service (plugin: settings.ingressGateway), e.g. --ingress-gateway ${refOf(found[0]!.service)}.`,
    );
  }
  return {
    gateway: chosen,
    note:
      found.length > 1
        ? `ingress gateway: ${refOf(chosen.service)}, of ${found.map((c) => refOf(c.service)).join(', ')}, the one whose pods are labelled istio=${TUTORIAL_GATEWAY_SELECTOR}`
        : undefined,
    warning: tutorialSelectorWarning(chosen),
  };
}

function describeCandidate(candidate: IngressGateway): string {
  const selector = Object.entries(candidate.service.spec?.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `Service ${refOf(candidate.service)} (selector ${selector}; Deployment ${candidate.deployments.map((d) => `${d.namespace}/${d.name}`).join(', ')})`;
}

/** A gateway the tutorials' Gateways do not select would answer every ingress scenario with 404. */
function tutorialSelectorWarning(gateway: IngressGateway): string | undefined {
  const istio = gateway.service.spec?.selector?.istio;
  if (istio === TUTORIAL_GATEWAY_SELECTOR) return undefined;
  return `warning: the ingress gateway ${refOf(gateway.service)} selects ${istio === undefined ? 'its pods by labels other than istio' : `pods labelled istio=${istio}`}, but the tutorials' Gateways select istio=${TUTORIAL_GATEWAY_SELECTOR}, so scenarios that send traffic through the ingress get no route there (404). To fix, install it as the istio/gateway chart's release istio-ingressgateway (or with --set labels.istio=${TUTORIAL_GATEWAY_SELECTOR}), or name another with --ingress-gateway NAMESPACE/NAME.`;
}

/** The Service the setting names, and the Deployments in its namespace whose pods it selects. */
async function namedIngressGateway(kube: ProviderKube, { namespace, name }: { namespace: string; name: string }, setting: string): Promise<IngressGateway> {
  let service: V1Service;
  try {
    service = await kube.core.readNamespacedService({ name, namespace });
  } catch (error) {
    if (httpStatusOf(error) !== 404) throw error;
    throw new ProviderError(
      `--ingress-gateway ${setting}: there is no Service ${name} in namespace ${namespace}.`,
      "Name the Service in front of the ingress gateway: kubectl get svc -A -l istio lists the gateways' Services.",
    );
  }
  if (Object.keys(service.spec?.selector ?? {}).length === 0) {
    throw new ProviderError(
      `--ingress-gateway ${setting}: Service ${namespace}/${name} has no selector, so no gateway pods are behind it.`,
      "Name the Service whose selector picks the ingress gateway's pods.",
    );
  }
  const { items } = await kube.apps.listNamespacedDeployment({ namespace });
  const deployments = items.filter((d) => selects(service, d.spec?.template.metadata?.labels ?? {})).map((d) => ({ namespace, name: d.metadata!.name! }));
  return { service, deployments };
}

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

export async function discoverIngress(
  kube: ProviderKube,
  chosen: ChosenIngress,
  reachable: (url: string) => Promise<string | null> = tcpProblem,
): Promise<DiscoveredIngress> {
  const none = (summary: string): DiscoveredIngress => ({ target: null, summary, close: async () => undefined });
  if (!chosen.gateway) return none(`none: ${chosen.reason}`);
  const { service } = chosen.gateway;
  const http = httpPort(service);
  if (!http) return none(`none: Service ${refOf(service)} has no http2 port or port 80`);
  const direct = ingressFromService(service, (await kube.core.listNode()).items);
  const problem = direct && (await reachable(direct.http));
  if (direct && !problem) return { target: direct, summary: direct.http, close: async () => undefined };
  const why = direct
    ? `${direct.http} is not reachable from this machine (${problem})`
    : `Service ${service.spec?.type ?? 'ClusterIP'} without a load balancer address or a node address with its nodePort`;
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
