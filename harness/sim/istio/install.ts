/**
 * Installing Istio on the sim: the CRDs, `istio-system` with istiod and the gateways of the
 * profile (as Deployments whose pods the kubelet hands to the data plane), the mesh config, and
 * the admission steps istiod's webhooks perform (sidecar injection, validation). Like
 * `istioctl install`, no profile brings the observability addons: see addons.ts.
 */
import type { AdmissionPlugin, ClusterApi } from '../apiserver/api.js';
import type { KubeObject } from '../store/types.js';
import { istioCrd, ISTIO_CRDS } from './crds.js';
import {
  detectNativeSidecar,
  InjectionError,
  injectorWebhookName,
  injectSidecar,
  nativeSidecarMode,
  proxyImage,
  shouldInject,
  type NativeSidecarMode,
} from '../../istio/injection.js';
import { ApiError } from '../store/errors.js';
import { reviewIstioObject, schemaViolations } from './validation.js';

type SimIstioProfile = 'demo' | 'default' | 'minimal';

export const ISTIO_NAMESPACE = 'istio-system';

interface IstioInstallOptions {
  profile: SimIstioProfile;
  /** The Istio release emulated, e.g. 1.31.0: its pilot and proxyv2 images. */
  version: string;
  /** istiod's ENABLE_NATIVE_SIDECARS; anything but `auto` is set on istiod as `--set values.pilot.env.ENABLE_NATIVE_SIDECARS=...` would. */
  nativeSidecars: NativeSidecarMode;
}

/** The demo profile's extension providers (istio/istio@1.30.3 manifests/charts/istio-control/istio-discovery/files/profile-demo.yaml). */
const DEMO_EXTENSION_PROVIDERS = [
  'extensionProviders:',
  '- name: otel',
  '  envoyOtelAls: { service: opentelemetry-collector.observability.svc.cluster.local, port: 4317 }',
  '- name: skywalking',
  '  skywalking: { service: tracing.istio-system.svc.cluster.local, port: 11800 }',
  '- name: otel-tracing',
  '  opentelemetry: { service: opentelemetry-collector.observability.svc.cluster.local, port: 4317 }',
  '- name: jaeger',
  '  opentelemetry: { service: jaeger-collector.istio-system.svc.cluster.local, port: 4317 }',
];

/**
 * The keys the chart renders (istio/istio@1.30.3 manifests/charts/istio-control/istio-discovery/
 * templates/configmap.yaml merged with values.yaml meshConfig); outboundTrafficPolicy and
 * enableTracing are code defaults istiod applies, not written out.
 */
function meshConfig(profile: SimIstioProfile): string {
  return [
    ...(profile === 'demo' ? ['accessLogFile: /dev/stdout'] : []),
    'defaultConfig:',
    '  discoveryAddress: istiod.istio-system.svc:15012',
    'defaultProviders:',
    '  metrics:',
    '  - prometheus',
    'enablePrometheusMerge: true',
    ...(profile === 'demo' ? DEMO_EXTENSION_PROVIDERS : []),
    'rootNamespace: istio-system',
    'trustDomain: cluster.local',
    '',
  ].join('\n');
}

function deployment(
  name: string,
  labels: Record<string, string>,
  image: string,
  ports: number[],
  container: string,
  component: string,
  env: { name: string; value: string }[] = [],
): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: ISTIO_NAMESPACE,
      labels: { ...labels, 'install.operator.istio.io/owning-resource': 'installed-state', 'operator.istio.io/component': component },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels: { ...labels, 'sidecar.istio.io/inject': 'false', 'service.istio.io/canonical-name': name },
          annotations: { 'prometheus.io/port': '15020', 'prometheus.io/scrape': 'true' },
        },
        spec: {
          serviceAccountName: `${name}-service-account`,
          containers: [
            { name: container, image, ports: ports.map((containerPort) => ({ containerPort, protocol: 'TCP' })), ...(env.length > 0 ? { env } : {}) },
          ],
        },
      },
    },
  };
}

export function service(name: string, selector: Record<string, string>, type: string, ports: Record<string, unknown>[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ISTIO_NAMESPACE, labels: selector }, spec: { type, selector, ports } };
}

/**
 * The admission steps of istiod's webhooks: sidecar injection of the pods they select, native or
 * classic as istiod decides it from its ENABLE_NATIVE_SIDECARS and the nodes' kubelets, and
 * validation of Istio objects.
 */
function istioAdmission(api: ClusterApi, version: string): AdmissionPlugin {
  return {
    mutate({ operation, type, object }) {
      if (operation !== 'CREATE' || type.kind !== 'Pod' || type.group) return;
      const name = object.metadata.namespace!;
      const namespace = { name, labels: api.store.get(api.type('', 'Namespace'), undefined, name)?.metadata.labels ?? {} };
      if (!shouldInject(namespace, object)) return;
      const istiod = api.store.get(api.type('apps', 'Deployment'), ISTIO_NAMESPACE, 'istiod');
      const native = detectNativeSidecar(nativeSidecarMode(istiod), api.list(api.type('', 'Node')), object.spec?.nodeName);
      try {
        Object.assign(object, injectSidecar(object, { native, proxyImage: proxyImage(version) }));
      } catch (error) {
        if (!(error instanceof InjectionError)) throw error;
        // The webhook's failurePolicy is Fail: the API server refuses the pod with the webhook's message (code 400).
        throw new ApiError(400, 'BadRequest', `admission webhook "${injectorWebhookName(namespace.labels, object)}" denied the request: ${error.message}`);
      }
    },
    validate({ type, object, warnings }) {
      // The API server checks the CRD's schema before it calls the validating webhook.
      const violations = schemaViolations(type.group, type.kind, object);
      if (violations.length === 0) warnings.push(...reviewIstioObject(type.group, type.kind, object));
      return violations;
    },
  };
}

export function installIstio(api: ClusterApi, options: IstioInstallOptions): void {
  const crds = api.type('apiextensions.k8s.io', 'CustomResourceDefinition');
  for (const crd of ISTIO_CRDS) {
    if (!api.store.get(crds, undefined, `${crd.plural}.${crd.group}`)) api.create(crds, undefined, istioCrd(crd));
  }
  api.addAdmission(istioAdmission(api, options.version));
  const ensure = (group: string, kind: string, obj: Record<string, any>) => {
    const t = api.type(group, kind);
    if (!api.store.get(t, obj.metadata.namespace, obj.metadata.name)) api.create(t, obj.metadata.namespace, obj);
  };
  ensure('', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } });
  ensure('', 'ConfigMap', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio', namespace: ISTIO_NAMESPACE, labels: { 'istio.io/rev': 'default' } },
    data: { mesh: meshConfig(options.profile), meshNetworks: 'networks: {}' },
  });
  const pilot = `docker.io/istio/pilot:${options.version}`;
  const proxy = proxyImage(options.version);
  // templates/deployment.yaml renders `values.pilot.env` into the discovery container's env.
  const pilotEnv = options.nativeSidecars === 'auto' ? [] : [{ name: 'ENABLE_NATIVE_SIDECARS', value: options.nativeSidecars }];
  ensure(
    'apps',
    'Deployment',
    deployment('istiod', { app: 'istiod', istio: 'pilot' }, pilot, [8080, 15010, 15012, 15017, 15014], 'discovery', 'Pilot', pilotEnv),
  );
  ensure(
    '',
    'Service',
    service('istiod', { app: 'istiod', istio: 'pilot' }, 'ClusterIP', [
      { name: 'grpc-xds', port: 15010, targetPort: 15010 },
      { name: 'https-dns', port: 15012, targetPort: 15012 },
      { name: 'https-webhook', port: 443, targetPort: 15017 },
      { name: 'http-monitoring', port: 15014, targetPort: 15014 },
    ]),
  );
  if (options.profile !== 'minimal') {
    const labels = { app: 'istio-ingressgateway', istio: 'ingressgateway' };
    // gateways.istio-ingressgateway.ports of charts/gateways/istio-ingress: values.yaml, and files/profile-demo.yaml adds tcp and tls.
    const ports = [
      { name: 'status-port', port: 15021, targetPort: 15021 },
      { name: 'http2', port: 80, targetPort: 8080 },
      { name: 'https', port: 443, targetPort: 8443 },
      ...(options.profile === 'demo'
        ? [
            { name: 'tcp', port: 31400, targetPort: 31400 },
            { name: 'tls', port: 15443, targetPort: 15443 },
          ]
        : []),
    ];
    ensure(
      'apps',
      'Deployment',
      deployment('istio-ingressgateway', labels, proxy, [...ports.map((p) => p.targetPort), 15090], 'istio-proxy', 'IngressGateways'),
    );
    ensure('', 'Service', service('istio-ingressgateway', labels, 'LoadBalancer', ports));
  }
  if (options.profile === 'demo') {
    const labels = { app: 'istio-egressgateway', istio: 'egressgateway' };
    ensure('apps', 'Deployment', deployment('istio-egressgateway', labels, proxy, [8080, 8443, 15090], 'istio-proxy', 'EgressGateways'));
    ensure(
      '',
      'Service',
      service('istio-egressgateway', labels, 'ClusterIP', [
        { name: 'http2', port: 80, targetPort: 8080 },
        { name: 'https', port: 443, targetPort: 8443 },
      ]),
    );
  }
}
