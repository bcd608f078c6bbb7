/**
 * The sim's version of Istio's `samples/addons/<name>.yaml`: Deployments and Services in
 * istio-system with the names and ports of Istio's files, whose containers the data plane
 * serves as in-process stand-ins (Prometheus answering queries over the proxies' metrics,
 * Kiali's 302, Grafana's and Jaeger's UI). Providers apply these as kind applies Istio's files;
 * nothing installs them unless a scenario asks for the addon.
 */
import type { Addon } from '../../contract/cluster.js';
import type { KubeObject } from '../store/types.js';
import { ISTIO_NAMESPACE, service } from './install.js';

/** The Deployment is named for the addon, and so is its one container. */
interface AddonStandIn {
  labels: Record<string, string>;
  containerPorts: Record<string, unknown>[];
  services: { name: string; ports: Record<string, unknown>[] }[];
}

/** The labels Istio's files give prometheus, grafana and kiali (plus any extra ones). */
const appLabels = (name: string, extra: Record<string, string> = {}) => ({
  app: name,
  'app.kubernetes.io/name': name,
  ...extra,
  'app.kubernetes.io/instance': name,
});

/**
 * Labels, container ports and Services of samples/addons/<name>.yaml, the same at istio/istio@1.29.6,
 * 1.30.3 and 1.31.0-rc.0 but for the images below. Prometheus' prometheus-config-reloader container is
 * left out: the sim cannot run it, and nothing reads it.
 */
const STAND_INS: Record<Addon, AddonStandIn> = {
  prometheus: {
    labels: appLabels('prometheus', { 'app.kubernetes.io/component': 'server' }),
    containerPorts: [{ containerPort: 9090, protocol: 'TCP' }],
    services: [{ name: 'prometheus', ports: [{ name: 'http', port: 9090, protocol: 'TCP', targetPort: 9090 }] }],
  },
  grafana: {
    labels: appLabels('grafana'),
    containerPorts: [
      { name: 'grafana', containerPort: 3000, protocol: 'TCP' },
      { name: 'gossip-tcp', containerPort: 9094, protocol: 'TCP' },
      { name: 'gossip-udp', containerPort: 9094, protocol: 'UDP' },
      { name: 'profiling', containerPort: 6060, protocol: 'TCP' },
    ],
    services: [{ name: 'grafana', ports: [{ name: 'service', port: 3000, protocol: 'TCP', targetPort: 3000 }] }],
  },
  kiali: {
    labels: appLabels('kiali'),
    containerPorts: [
      { name: 'api-port', containerPort: 20001 },
      { name: 'http-metrics', containerPort: 9090 },
    ],
    services: [
      {
        name: 'kiali',
        ports: [
          { name: 'http', protocol: 'TCP', port: 20001 },
          { name: 'http-metrics', protocol: 'TCP', port: 9090 },
        ],
      },
    ],
  },
  jaeger: {
    labels: { app: 'jaeger' },
    // Jaeger 2 declares no container ports.
    containerPorts: [],
    services: [
      {
        name: 'tracing',
        ports: [
          { name: 'http-query', port: 80, protocol: 'TCP', targetPort: 16686 },
          { name: 'grpc-query', port: 16685, protocol: 'TCP', targetPort: 16685 },
        ],
      },
      // Jaeger speaks Zipkin's API; the proxies send spans to the Service named zipkin.
      { name: 'zipkin', ports: [{ port: 9411, targetPort: 9411, name: 'http-query' }] },
      {
        name: 'jaeger-collector',
        ports: [
          { name: 'jaeger-collector-http', port: 14268, targetPort: 14268, protocol: 'TCP' },
          { name: 'jaeger-collector-grpc', port: 14250, targetPort: 14250, protocol: 'TCP' },
          { port: 9411, targetPort: 9411, name: 'http-zipkin' },
          { port: 4317, name: 'grpc-otel' },
          { port: 4318, name: 'http-otel' },
        ],
      },
    ],
  },
};

/** The images of samples/addons per Istio minor, at the newest tag of each here: 1.29.6, 1.30.3, 1.31.0-rc.0. */
const IMAGES: Record<string, Record<Addon, string>> = {
  '1.29': {
    prometheus: 'docker.io/prom/prometheus:v3.8.1',
    grafana: 'docker.io/grafana/grafana:12.0.1',
    kiali: 'quay.io/kiali/kiali:v2.21',
    jaeger: 'docker.io/jaegertracing/jaeger:2.14.0',
  },
  '1.30': {
    prometheus: 'docker.io/prom/prometheus:v3.10.0',
    grafana: 'docker.io/grafana/grafana:12.0.1',
    kiali: 'quay.io/kiali/kiali:v2.26',
    jaeger: 'docker.io/jaegertracing/jaeger:2.14.0',
  },
  '1.31': {
    prometheus: 'docker.io/prom/prometheus:v3.10.0',
    grafana: 'docker.io/grafana/grafana:12.0.1',
    kiali: 'quay.io/kiali/kiali:v2.27',
    jaeger: 'docker.io/jaegertracing/jaeger:2.17.0',
  },
};

/** The objects of the addon's stand-in for the emulated Istio release, in the order Istio's file has them (Deployment, then Services). */
export function addonStandIn(addon: Addon, istioVersion: string): KubeObject[] {
  const { labels, containerPorts, services } = STAND_INS[addon];
  const image = IMAGES[/^(\d+\.\d+)/.exec(istioVersion)?.[1] ?? '']?.[addon];
  if (!image) throw new Error(`the sim has no stand-in of samples/addons/${addon}.yaml for Istio ${istioVersion}`);
  const deployment = addon;
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: deployment, namespace: ISTIO_NAMESPACE, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: { ...labels, 'sidecar.istio.io/inject': 'false' } },
          spec: { containers: [{ name: deployment, image, ...(containerPorts.length > 0 ? { ports: containerPorts } : {}) }] },
        },
      },
    },
    ...services.map((svc) => service(svc.name, labels, 'ClusterIP', svc.ports)),
  ];
}
