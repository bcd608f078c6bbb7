import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KubeClients } from './types.js';
import { gatewayRole, listIstioGateways } from './istio-gateways.js';

/** A Deployment with the metadata Istio's charts render (labels, pod template labels and annotations). */
function deployment(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  podLabels: Record<string, string>,
  podAnnotations: Record<string, string> = {},
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: { selector: { matchLabels: podLabels }, template: { metadata: { labels: podLabels, annotations: podAnnotations }, spec: { containers: [] } } },
  };
}

// istioctl install (istio/istio@1.30.3 manifests/charts/gateways/istio-ingress/templates/deployment.yaml):
// labels from values.gateways.istio-ingressgateway.labels, the component label, sidecar injection off.
const istioctlIngress = deployment(
  'istio-system',
  'istio-ingressgateway',
  {
    app: 'istio-ingressgateway',
    istio: 'ingressgateway',
    release: 'istio',
    'istio.io/rev': 'default',
    'install.operator.istio.io/owning-resource': 'unknown',
    'operator.istio.io/component': 'IngressGateways',
    'app.kubernetes.io/name': 'istio-ingressgateway',
  },
  { app: 'istio-ingressgateway', istio: 'ingressgateway', 'operator.istio.io/component': 'IngressGateways', 'sidecar.istio.io/inject': 'false' },
);
// The same chart with injectionTemplate: gateway, in its own namespace (injected-deployment.yaml; istio.io "Installing Gateways", IstioOperator tab).
const istioctlInjected = deployment(
  'istio-ingress',
  'istio-ingressgateway',
  { app: 'istio-ingressgateway', istio: 'ingressgateway', 'operator.istio.io/component': 'IngressGateways' },
  { app: 'istio-ingressgateway', istio: 'ingressgateway', 'operator.istio.io/component': 'IngressGateways', 'sidecar.istio.io/inject': 'true' },
  { 'sidecar.istio.io/inject': 'true', 'inject.istio.io/templates': 'gateway' },
);
const istioctlEgress = deployment(
  'istio-system',
  'istio-egressgateway',
  { app: 'istio-egressgateway', istio: 'egressgateway', 'operator.istio.io/component': 'EgressGateways' },
  { app: 'istio-egressgateway', istio: 'egressgateway', 'operator.istio.io/component': 'EgressGateways' },
);
// `helm install <release> istio/gateway -n istio-ingress` (manifests/charts/gateway at 1.29.6, 1.30.3 and 1.31.0-rc.0:
// _helpers.tpl gateway.selectorLabels: app = the name, istio = the name without "istio-"; values.yaml podAnnotations).
const helm = (release: string, extraPodLabels: Record<string, string> = {}) =>
  deployment(
    'istio-ingress',
    release,
    {
      'app.kubernetes.io/name': release,
      'app.kubernetes.io/managed-by': 'Helm',
      'app.kubernetes.io/instance': release,
      'app.kubernetes.io/part-of': 'istio',
      'app.kubernetes.io/version': '1.30.3',
      'helm.sh/chart': 'gateway-1.30.3',
      app: release,
      istio: release.replace(/^istio-/, ''),
      'istio.io/dataplane-mode': 'none',
    },
    {
      'sidecar.istio.io/inject': 'true',
      app: release,
      istio: release.replace(/^istio-/, ''),
      'app.kubernetes.io/name': release,
      'istio.io/dataplane-mode': 'none',
      ...extraPodLabels,
    },
    {
      'prometheus.io/port': '15020',
      'prometheus.io/scrape': 'true',
      'prometheus.io/path': '/stats/prometheus',
      'inject.istio.io/templates': 'gateway',
      'sidecar.istio.io/inject': 'true',
    },
  );
// istiod (manifests/charts/istio-control/istio-discovery/templates/deployment.yaml): labelled istio=pilot, no gateway.
const istiod = deployment(
  'istio-system',
  'istiod',
  { app: 'istiod', istio: 'pilot', 'operator.istio.io/component': 'Pilot' },
  { app: 'istiod', istio: 'pilot', 'sidecar.istio.io/inject': 'false' },
);

describe('Istio gateway Deployments', () => {
  it("are told by istioctl's component label, classic or injected", () => {
    expect(gatewayRole(istioctlIngress)).toBe('ingress');
    expect(gatewayRole(istioctlInjected)).toBe('ingress');
    expect(gatewayRole(istioctlEgress)).toBe('egress');
  });

  it('are told by the gateway injection template for the istio/gateway Helm chart, whatever the release name', () => {
    expect(gatewayRole(helm('istio-ingress'))).toBe('ingress');
    expect(gatewayRole(helm('istio-ingressgateway'))).toBe('ingress');
    expect(gatewayRole(helm('public-gw'))).toBe('ingress');
    expect(gatewayRole(helm('istio-egressgateway'))).toBe('egress');
  });

  it('leave out istiod, east-west gateways and other workloads', () => {
    expect(gatewayRole(istiod)).toBeUndefined();
    // samples/multicluster/gen-eastwest-gateway.sh: an IngressGateways component labelled istio=eastwestgateway.
    expect(
      gatewayRole(
        deployment(
          'istio-system',
          'istio-eastwestgateway',
          { istio: 'eastwestgateway', 'operator.istio.io/component': 'IngressGateways' },
          { istio: 'eastwestgateway' },
        ),
      ),
    ).toBeUndefined();
    // The gateway chart with networkGateway set labels its pods topology.istio.io/network.
    expect(gatewayRole(helm('istio-eastwest', { 'topology.istio.io/network': 'network1' }))).toBeUndefined();
    expect(gatewayRole(deployment('shop', 'cart', { istio: 'whatever' }, { istio: 'whatever' }))).toBeUndefined();
  });

  it('are listed from every namespace by the `istio` label, sorted', async () => {
    const asked: unknown[][] = [];
    const kube = {
      objects: {
        list: async (...args: unknown[]) => {
          asked.push(args);
          return { items: [helm('istio-ingress'), istiod, istioctlEgress] };
        },
      },
    } as unknown as KubeClients;
    expect(await listIstioGateways(kube)).toEqual([
      { namespace: 'istio-ingress', name: 'istio-ingress', role: 'ingress', podLabels: helm('istio-ingress').spec!.template.metadata!.labels },
      { namespace: 'istio-system', name: 'istio-egressgateway', role: 'egress', podLabels: istioctlEgress.spec!.template.metadata!.labels },
    ]);
    expect(asked).toEqual([['apps/v1', 'Deployment', undefined, undefined, undefined, undefined, undefined, 'istio']]);
  });
});
