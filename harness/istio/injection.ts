/**
 * Sidecar injection as Istio's injector performs it, as a pure function: the pod (or the pod
 * template of a Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, or every item of a
 * List) gets `istio-init` and `istio-proxy`, the `sidecar.istio.io/status` annotation and the
 * labels Istio adds. Used at pod admission and for `istioctl kube-inject` emulation.
 */
import { inboundCaptureArgs, inboundPortAnnotationErrors } from './inbound-capture.js';

interface InjectionOptions {
  /** Native sidecar: `istio-proxy` as an init container with restartPolicy Always (Istio's default when every kubelet >= 1.33). */
  native?: boolean;
  /** Proxy image, e.g. docker.io/istio/proxyv2:1.29.0. */
  proxyImage?: string;
  revision?: string;
}

export const DEFAULT_PROXY_IMAGE = 'docker.io/istio/proxyv2:1.29.0';
export const STATUS_ANNOTATION = 'sidecar.istio.io/status';
const INJECT_LABEL = 'sidecar.istio.io/inject';

type Json = Record<string, any>;

/**
 * A pod Istio's injector refuses, in its words (pkg/kube/inject/webhook.go injectPod wraps
 * RunTemplate's error; several are listed as hashicorp/go-multierror prints them).
 */
export class InjectionError extends Error {
  override name = 'InjectionError';
  constructor(errors: string[]) {
    const count = errors.length === 1 ? '1 error occurred' : `${errors.length} errors occurred`;
    super(`failed to run injection template: ${count}:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`);
  }
}

function initContainer(image: string, annotations: Json): Json {
  const inbound = inboundCaptureArgs(annotations);
  return {
    name: 'istio-init',
    image,
    args: ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', inbound.include, '-d', inbound.exclude, '--log_output_level=default:info'],
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '10m', memory: '40Mi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: false, runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 },
  };
}

function proxyContainer(image: string, native: boolean): Json {
  return {
    name: 'istio-proxy',
    image,
    args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'INSTANCE_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
      { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
    ],
    ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
    readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021 }, initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 },
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '10m', memory: '40Mi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsGroup: 1337, runAsNonRoot: true, runAsUser: 1337 },
    ...(native ? { restartPolicy: 'Always' } : {}),
  };
}

/** True when the pod spec already carries a sidecar (injected before, or written by hand). */
function hasSidecar(spec: Json | undefined, metadata?: Json): boolean {
  if (metadata?.annotations?.[STATUS_ANNOTATION]) return true;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some((c: Json) => c?.name === 'istio-proxy');
}

function injectPodTemplate(template: Json, options: InjectionOptions): void {
  template.metadata ??= {};
  template.spec ??= {};
  const { metadata, spec } = template;
  if (hasSidecar(spec, metadata)) return;
  const invalid = inboundPortAnnotationErrors(metadata.annotations).sort();
  if (invalid.length > 0) throw new InjectionError(invalid);
  const image = options.proxyImage ?? DEFAULT_PROXY_IMAGE;
  const native = options.native ?? false;
  const appContainers: Json[] = spec.containers ?? [];
  const labels = (metadata.labels ??= {});
  labels['security.istio.io/tlsMode'] ??= 'istio';
  labels['service.istio.io/canonical-name'] ??= labels['app.kubernetes.io/name'] ?? labels.app ?? metadata.name ?? metadata.generateName?.replace(/-$/, '') ?? 'unknown';
  labels['service.istio.io/canonical-revision'] ??= labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest';
  const annotations = (metadata.annotations ??= {});
  if (appContainers[0]?.name) {
    annotations['kubectl.kubernetes.io/default-container'] ??= appContainers[0].name;
    annotations['kubectl.kubernetes.io/default-logs-container'] ??= appContainers[0].name;
  }
  annotations['istio.io/rev'] ??= options.revision ?? 'default';
  annotations['prometheus.io/path'] ??= '/stats/prometheus';
  annotations['prometheus.io/port'] ??= '15020';
  annotations['prometheus.io/scrape'] ??= 'true';
  annotations[STATUS_ANNOTATION] = JSON.stringify({
    initContainers: native ? ['istio-init', 'istio-proxy'] : ['istio-init'],
    containers: native ? [] : ['istio-proxy'],
    volumes: ['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert'],
    imagePullSecrets: null,
    revision: options.revision ?? 'default',
  });
  spec.initContainers = [...(spec.initContainers ?? []), initContainer(image, annotations), ...(native ? [proxyContainer(image, true)] : [])];
  if (!native) spec.containers = [...appContainers, proxyContainer(image, false)];
}

/** Where an object keeps its pod template(s). */
function podTemplates(obj: Json): Json[] {
  switch (obj?.kind) {
    case 'Pod':
      return [obj];
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
    case 'ReplicationController':
      return obj.spec?.template ? [obj.spec.template] : [];
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template ? [obj.spec.jobTemplate.spec.template] : [];
    case 'List':
      return (obj.items ?? []).flatMap(podTemplates);
    default:
      return [];
  }
}

/**
 * Returns a copy of `obj` with a sidecar in each pod template; objects without one come back
 * unchanged. Throws InjectionError for a template whose annotations Istio refuses.
 */
export function injectSidecar<T extends object>(obj: T, options: InjectionOptions = {}): T {
  const copy = structuredClone(obj) as Json;
  for (const template of podTemplates(copy)) injectPodTemplate(template, options);
  return copy as T;
}

/**
 * Istio's webhook rules for a new pod: the namespace opts in with `istio-injection=enabled` or
 * `istio.io/rev`, `istio-injection=disabled` always wins, and the pod's `sidecar.istio.io/inject`
 * label (or, inside an opted-in namespace, annotation) overrides.
 */
export function shouldInject(namespaceLabels: Record<string, string>, pod: Json): boolean {
  if (pod.spec?.hostNetwork) return false;
  const namespaceSetting = namespaceLabels['istio-injection'];
  if (namespaceSetting === 'disabled') return false;
  const podLabel = pod.metadata?.labels?.[INJECT_LABEL];
  if (podLabel === 'false') return false;
  const selected = namespaceSetting === 'enabled' || (namespaceSetting === undefined && namespaceLabels['istio.io/rev'] !== undefined) || podLabel === 'true';
  if (!selected) return false;
  return pod.metadata?.annotations?.[INJECT_LABEL] !== 'false';
}

/**
 * The name of the injector webhook that takes the pod, by the selectors of Istio's
 * MutatingWebhookConfiguration for the default revision (manifests/charts/istio-control/
 * istio-discovery/templates/mutatingwebhook.yaml): the API server names it when it refuses a pod.
 */
export function injectorWebhookName(namespaceLabels: Record<string, string>, pod: Json): string {
  const prefix = namespaceLabels['istio-injection'] === 'enabled'
    ? 'namespace.'
    : namespaceLabels['istio.io/rev'] !== undefined
      ? 'rev.namespace.'
      : pod.metadata?.labels?.['istio.io/rev'] !== undefined ? 'rev.object.' : 'object.';
  return `${prefix}sidecar-injector.istio.io`;
}
