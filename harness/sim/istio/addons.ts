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

/** The Deployment is named for the addon. */
interface AddonStandIn {
  labels: Record<string, string>;
  image: string;
  containerPorts: number[];
  services: { name: string; ports: Record<string, unknown>[] }[];
}

/** The labels Istio's files give prometheus, grafana and kiali (plus any extra ones). */
const appLabels = (name: string, extra: Record<string, string> = {}) => ({ app: name, 'app.kubernetes.io/name': name, ...extra, 'app.kubernetes.io/instance': name });

const STAND_INS: Record<Addon, AddonStandIn> = {
  prometheus: {
    labels: appLabels('prometheus', { 'app.kubernetes.io/component': 'server' }),
    image: 'docker.io/prom/prometheus:v3.7.3',
    containerPorts: [9090],
    services: [{ name: 'prometheus', ports: [{ name: 'http', port: 9090, targetPort: 9090 }] }],
  },
  grafana: {
    labels: appLabels('grafana'),
    image: 'docker.io/grafana/grafana:12.1.0',
    containerPorts: [3000],
    services: [{ name: 'grafana', ports: [{ name: 'service', port: 3000, targetPort: 3000 }] }],
  },
  kiali: {
    labels: appLabels('kiali'),
    image: 'quay.io/kiali/kiali:v2.15',
    containerPorts: [20001, 9090],
    services: [{ name: 'kiali', ports: [{ name: 'http', port: 20001, targetPort: 20001 }, { name: 'http-metrics', port: 9090, targetPort: 9090 }] }],
  },
  jaeger: {
    labels: { app: 'jaeger' },
    image: 'docker.io/jaegertracing/all-in-one:1.67.0',
    containerPorts: [16686, 16685, 9411, 14268, 14250, 14269],
    services: [
      { name: 'tracing', ports: [{ name: 'http-query', port: 80, targetPort: 16686 }, { name: 'grpc-query', port: 16685, targetPort: 16685 }] },
      // Jaeger speaks Zipkin's API; the proxies send spans to the Service named zipkin.
      { name: 'zipkin', ports: [{ name: 'http-query', port: 9411, targetPort: 9411 }] },
      {
        name: 'jaeger-collector',
        ports: [
          { name: 'jaeger-collector-http', port: 14268, targetPort: 14268 },
          { name: 'jaeger-collector-grpc', port: 14250, targetPort: 14250 },
          { name: 'http-zipkin', port: 9411, targetPort: 9411 },
        ],
      },
    ],
  },
};

/** The objects of the addon's stand-in, in the order Istio's file has them (Deployment, then Services). */
export function addonStandIn(addon: Addon): KubeObject[] {
  const { labels, image, containerPorts, services } = STAND_INS[addon];
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
          spec: { containers: [{ name: deployment, image, ports: containerPorts.map((containerPort) => ({ containerPort, protocol: 'TCP' })) }] },
        },
      },
    },
    ...services.map((svc) => service(svc.name, labels, 'ClusterIP', svc.ports)),
  ];
}
