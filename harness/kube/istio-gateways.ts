/**
 * Istio's ingress and egress gateways, wherever and however they were installed, found by the
 * labels and annotations Istio's own install methods put on their Deployments:
 *
 * - `istioctl install` / IstioOperator (the `gateways` charts, classic or injected):
 *   `operator.istio.io/component: IngressGateways | EgressGateways`, any name and namespace
 *   (istio/istio@1.30.3 manifests/charts/gateways/istio-ingress/templates/deployment.yaml and
 *   injected-deployment.yaml; istio-egress likewise).
 * - the `istio/gateway` Helm chart: a Deployment named after the release, in the release's
 *   namespace (often `istio-ingress`), labelled `app: <name>` and `istio: <name without istio->`,
 *   whose pods carry `inject.istio.io/templates: gateway` (istio/istio@1.29.6, 1.30.3 and
 *   1.31.0-rc.0 manifests/charts/gateway/templates/_helpers.tpl gateway.selectorLabels,
 *   deployment.yaml, values.yaml podAnnotations). The chart has no notion of egress: by Istio's
 *   naming (`istio: egressgateway` in the egress tasks), an `istio` label containing "egress" is one.
 *
 * East-west gateways (`istio: eastwestgateway`, or pods labelled `topology.istio.io/network`:
 * samples/multicluster/gen-eastwest-gateway.sh, the gateway chart's networkGateway) carry
 * traffic between clusters, not tutorial traffic, and are left out. Only Deployments that carry
 * an `istio` label themselves are listed; a gateway applied from bare YAML without one is named
 * through the kubeconfig provider's `--ingress-gateway` instead.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import type { KubeClients } from './types.js';

export type GatewayRole = 'ingress' | 'egress';

export interface IstioGateway {
  namespace: string;
  /** The Deployment's name. */
  name: string;
  role: GatewayRole;
  /** Its pods' labels: what Istio Gateway resources and the gateway's Service select. */
  podLabels: Record<string, string>;
}

const COMPONENT_LABEL = 'operator.istio.io/component';
const INJECTION_TEMPLATES = 'inject.istio.io/templates';
const NETWORK_LABEL = 'topology.istio.io/network';

/** The gateway role of a Deployment, or undefined when it is no ingress or egress gateway of Istio. */
export function gatewayRole(deployment: V1Deployment): GatewayRole | undefined {
  const template = deployment.spec?.template.metadata;
  const podLabels = template?.labels ?? {};
  const selectorLabel = podLabels.istio ?? deployment.metadata?.labels?.istio ?? '';
  if (selectorLabel === 'eastwestgateway' || podLabels[NETWORK_LABEL] !== undefined) return undefined;
  const component = deployment.metadata?.labels?.[COMPONENT_LABEL];
  if (component === 'IngressGateways') return 'ingress';
  if (component === 'EgressGateways') return 'egress';
  if (template?.annotations?.[INJECTION_TEMPLATES] !== 'gateway') return undefined;
  return selectorLabel.includes('egress') ? 'egress' : 'ingress';
}

/** Every ingress and egress gateway of Istio in the cluster, in all namespaces. */
export async function listIstioGateways(kube: KubeClients): Promise<IstioGateway[]> {
  const { items } = await kube.objects.list<V1Deployment>('apps/v1', 'Deployment', undefined, undefined, undefined, undefined, undefined, 'istio');
  return items
    .flatMap((deployment) => {
      const role = gatewayRole(deployment);
      if (!role) return [];
      const { namespace = '', name = '' } = deployment.metadata ?? {};
      return [{ namespace, name, role, podLabels: deployment.spec?.template.metadata?.labels ?? {} }];
    })
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}
