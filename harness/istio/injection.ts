/**
 * Sidecar injection as Istio's injector performs it, as pure functions: which pods the webhooks
 * select and injectRequired lets through, native or classic sidecars, and the pod (or the pod
 * template of a Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, or every item of a
 * List) with `istio-init` and `istio-proxy`, the `sidecar.istio.io/status` annotation and the
 * labels Istio adds. Used at the sim's pod admission and by the `inject` step on sim, in place of
 * `istioctl kube-inject`, which sends each pod template to the same webhook.
 * Sources: istio/istio@1.30.3 (the same at 1.29.6 and 1.31.0-rc.0 unless said otherwise)
 * manifests/charts/istio-control/istio-discovery/files/injection-template.yaml,
 * pkg/kube/inject/{inject.go,webhook.go}, pkg/kube/util.go GetDeployMetaFromPod.
 */
import { inboundCaptureArgs, inboundPortAnnotationErrors } from './inbound-capture.js';

interface InjectionOptions {
  /** istio-proxy as an init container with restartPolicy Always: what detectNativeSidecar decided; the pod's `sidecar.istio.io/nativeSidecar` annotation overrides it. */
  native: boolean;
  /** Proxy image, e.g. docker.io/istio/proxyv2:1.31.0. */
  proxyImage: string;
}

export const STATUS_ANNOTATION = 'sidecar.istio.io/status';
const INJECT_LABEL = 'sidecar.istio.io/inject';
const REVISION_LABEL = 'istio.io/rev';
const NATIVE_SIDECAR_ANNOTATION = 'sidecar.istio.io/nativeSidecar';
/** The revision meshspec installs (istioctl install without --revision); it is the only one with webhooks. */
const INSTALLED_REVISION = 'default';

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

/** The proxy image of an Istio release, from the docker.io/istio hub. */
export function proxyImage(istioVersion: string): string {
  return `docker.io/istio/proxyv2:${istioVersion}`;
}

function initContainer(image: string, annotations: Json): Json {
  const inbound = inboundCaptureArgs(annotations);
  return {
    name: 'istio-init',
    image,
    args: [
      'istio-iptables',
      '-p',
      '15001',
      '-z',
      '15006',
      '-u',
      '1337',
      '-m',
      'REDIRECT',
      '-i',
      '*',
      '-x',
      '',
      '-b',
      inbound.include,
      '-d',
      inbound.exclude,
      '--log_output_level=default:info',
    ],
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '10m', memory: '40Mi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    },
  };
}

function proxyContainer(image: string, native: boolean): Json {
  return {
    name: 'istio-proxy',
    image,
    args: [
      'proxy',
      'sidecar',
      '--domain',
      '$(POD_NAMESPACE).svc.cluster.local',
      '--proxyLogLevel=warning',
      '--proxyComponentLogLevel=misc:error',
      '--log_output_level=default:info',
    ],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'INSTANCE_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
      { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
    ],
    ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
    readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021 }, initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 },
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '10m', memory: '40Mi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1337,
      runAsNonRoot: true,
      runAsUser: 1337,
    },
    ...(native ? { restartPolicy: 'Always' } : {}),
  };
}

/** True when the pod spec already carries a sidecar (injected before, or written by hand). */
function hasSidecar(spec: Json | undefined, metadata?: Json): boolean {
  if (metadata?.annotations?.[STATUS_ANNOTATION]) return true;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some((c: Json) => c?.name === 'istio-proxy');
}

/** Sprig's `default`: the fallback when the value is unset or empty. */
const orDefault = (value: unknown, fallback: string): string => (typeof value === 'string' && value !== '' ? value : fallback);

/** The workload the template names a pod after (`.DeploymentMeta.Name`): pkg/kube/util.go GetDeployMetaFromPod. */
function deploymentName(metadata: Json): string {
  const name: string = metadata.name ?? '';
  if (!metadata.generateName) return name;
  const controller = (metadata.ownerReferences ?? []).find((ref: Json) => ref?.controller === true);
  if (!controller) return name;
  const hash = metadata.labels?.['pod-template-hash'];
  if (controller.kind === 'ReplicaSet' && hash && String(controller.name).endsWith(hash)) return String(controller.name).slice(0, -(hash.length + 1));
  if (controller.kind === 'Job') return /^(.+)-\d{8,10}$/.exec(controller.name)?.[1] ?? controller.name;
  return controller.name || name;
}

/** The containers `reorderPod` (webhook.go) moves `name` to the front or the back of. */
function moveContainer(containers: Json[], name: string, to: 'first' | 'last'): Json[] {
  const moved = containers.filter((c) => c.name === name);
  const others = containers.filter((c) => c.name !== name);
  return to === 'first' ? [...moved, ...others] : [...others, ...moved];
}

function injectPodTemplate(template: Json, options: InjectionOptions): void {
  template.metadata ??= {};
  template.spec ??= {};
  const { metadata, spec } = template;
  if (hasSidecar(spec, metadata)) return;
  const invalid = inboundPortAnnotationErrors(metadata.annotations).sort();
  if (invalid.length > 0) throw new InjectionError(invalid);
  // injection-template.yaml: `ne (index .ObjectMeta.Annotations "sidecar.istio.io/nativeSidecar" | default .NativeSidecars) "false"`.
  const native = orDefault(metadata.annotations?.[NATIVE_SIDECAR_ANNOTATION], String(options.native)) !== 'false';
  const appContainers: Json[] = spec.containers ?? [];
  metadata.labels ??= {};
  const labels = metadata.labels;
  labels['security.istio.io/tlsMode'] = orDefault(labels['security.istio.io/tlsMode'], 'istio');
  const canonicalName = orDefault(
    labels['service.istio.io/canonical-name'],
    orDefault(labels['app.kubernetes.io/name'], orDefault(labels.app, deploymentName(metadata))),
  );
  labels['service.istio.io/canonical-name'] = canonicalName.slice(0, 63).replace(/-$/, '');
  labels['service.istio.io/canonical-revision'] = orDefault(
    labels['service.istio.io/canonical-revision'],
    orDefault(labels['app.kubernetes.io/version'], orDefault(labels.version, 'latest')),
  );
  metadata.annotations ??= {};
  const annotations = metadata.annotations;
  if (appContainers[0]?.name) {
    annotations['kubectl.kubernetes.io/default-container'] ??= appContainers[0].name;
    annotations['kubectl.kubernetes.io/default-logs-container'] ??= appContainers[0].name;
  }
  annotations[REVISION_LABEL] = INSTALLED_REVISION;
  annotations['prometheus.io/path'] ??= '/stats/prometheus';
  annotations['prometheus.io/port'] ??= '15020';
  annotations['prometheus.io/scrape'] ??= 'true';
  // What the template adds; the status annotation lists exactly that (webhook.go getInjectionStatus, over the rendered template pod).
  const injectedInit = [initContainer(options.proxyImage, annotations), ...(native ? [proxyContainer(options.proxyImage, true)] : [])];
  const injectedContainers = native ? [] : [proxyContainer(options.proxyImage, false)];
  const names = (containers: Json[]) => (containers.length > 0 ? containers.map((c) => c.name) : null);
  annotations[STATUS_ANNOTATION] = JSON.stringify({
    initContainers: names(injectedInit),
    containers: names(injectedContainers),
    // The template's volumes (istio-envoy, istio-token, ...) are not emulated, so none are listed.
    volumes: null,
    imagePullSecrets: null,
    revision: INSTALLED_REVISION,
  });
  // reorderPod: native puts istio-init, then istio-proxy, before the pod's own init containers (so they are in the mesh);
  // classic runs istio-init last (so the pod's own init containers are not captured) and istio-proxy last among containers.
  const initContainers = [...(spec.initContainers ?? []), ...injectedInit];
  spec.initContainers = native
    ? moveContainer(moveContainer(initContainers, 'istio-proxy', 'first'), 'istio-init', 'first')
    : moveContainer(initContainers, 'istio-init', 'last');
  if (!native) spec.containers = moveContainer([...appContainers, ...injectedContainers], 'istio-proxy', 'last');
}

interface PodTemplate {
  template: Json;
  /** How kube-inject names it in its warnings: the object's kind and `namespace/name`. */
  kind: string;
  name: string;
  /** The namespace the webhook sees the pod in: the template's, or else the object's. */
  namespace: string;
}

/** Where an object keeps its pod template(s). */
function podTemplates(obj: Json): PodTemplate[] {
  const meta: Json = obj?.metadata ?? {};
  const named = (template: Json): PodTemplate[] => [
    { template, kind: String(obj.kind), name: qualifiedName(meta, template.metadata?.name), namespace: template.metadata?.namespace ?? meta.namespace ?? '' },
  ];
  switch (obj?.kind) {
    case 'Pod':
      return [{ template: obj, kind: 'Pod', name: qualifiedName(meta), namespace: meta.namespace ?? '' }];
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
    case 'ReplicationController':
      return obj.spec?.template ? named(obj.spec.template) : [];
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template ? named(obj.spec.jobTemplate.spec.template) : [];
    case 'List':
      return (obj.items ?? []).flatMap(podTemplates);
    default:
      return [];
  }
}

/** kube-inject's `fullName`: `namespace/name` when the object has a namespace (inject.go IntoObject). */
function qualifiedName(objectMeta: Json, templateName?: string): string {
  const name = templateName || objectMeta.name || '';
  return objectMeta.namespace ? `${objectMeta.namespace}/${name}` : name;
}

/**
 * Returns a copy of `obj` with a sidecar in each pod template; objects without one come back
 * unchanged. Throws InjectionError for a template whose annotations Istio refuses.
 */
export function injectSidecar<T extends object>(obj: T, options: InjectionOptions): T {
  const copy = structuredClone(obj) as Json;
  for (const { template } of podTemplates(copy)) injectPodTemplate(template, options);
  return copy as T;
}

/**
 * `istioctl kube-inject -f -` (inject.go IntoObject): each pod template goes to the webhook, except
 * with hostNetwork; one that injectRequired turns down comes back as it was. Returns the copy and
 * the `===> Skipping injection ...` lines kube-inject prints for the templates it left alone.
 */
export function kubeInject<T extends object>(obj: T, options: InjectionOptions): { object: T; warnings: string[] } {
  const copy = structuredClone(obj) as Json;
  const warnings: string[] = [];
  for (const { template, kind, name, namespace } of podTemplates(copy)) {
    if (template.spec?.hostNetwork) warnings.push(`===> Skipping injection because ${kind} "${name}" has host networking enabled`);
    else if (!injectionRequired(template, namespace)) warnings.push(`===> Skipping injection because ${kind} "${name}" has sidecar injection disabled`);
    else injectPodTemplate(template, options);
  }
  return { object: copy as T, warnings };
}

/** Namespaces Istio never injects into (pkg/kube/inject/initializer.go IgnoredNamespaces). */
const IGNORED_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

/**
 * inject.go injectRequired with Istio's default policy (`global.proxy.autoInject: enabled`, no
 * never/always selectors): not with hostNetwork nor in an ignored namespace; otherwise the
 * `sidecar.istio.io/inject` label, or else the annotation, says no with "false"; anything else injects.
 */
function injectionRequired(pod: Json, namespace: string): boolean {
  if (pod.spec?.hostNetwork) return false;
  if (IGNORED_NAMESPACES.has(namespace)) return false;
  const labels = pod.metadata?.labels ?? {};
  const setting = Object.hasOwn(labels, INJECT_LABEL) ? labels[INJECT_LABEL] : pod.metadata?.annotations?.[INJECT_LABEL];
  return setting !== 'false';
}

type LabelRequirement = [key: string, operator: 'In' | 'NotIn' | 'DoesNotExist', values?: string[]];

const matches = (labels: Record<string, string>, requirements: LabelRequirement[]) =>
  requirements.every(([key, operator, values = []]) => {
    const present = Object.hasOwn(labels, key);
    if (operator === 'DoesNotExist') return !present;
    if (operator === 'In') return present && values.includes(labels[key]);
    return !present || !values.includes(labels[key]);
  });

/** The four webhooks of the default revision (templates/mutatingwebhook.yaml): their names, namespace and object selectors. */
const WEBHOOKS: { name: string; namespace: LabelRequirement[]; object: LabelRequirement[] }[] = [
  {
    name: 'rev.namespace.sidecar-injector.istio.io',
    namespace: [
      [REVISION_LABEL, 'In', [INSTALLED_REVISION]],
      ['istio-injection', 'DoesNotExist'],
    ],
    object: [[INJECT_LABEL, 'NotIn', ['false']]],
  },
  {
    name: 'rev.object.sidecar-injector.istio.io',
    namespace: [
      [REVISION_LABEL, 'DoesNotExist'],
      ['istio-injection', 'DoesNotExist'],
    ],
    object: [
      [INJECT_LABEL, 'NotIn', ['false']],
      [REVISION_LABEL, 'In', [INSTALLED_REVISION]],
    ],
  },
  { name: 'namespace.sidecar-injector.istio.io', namespace: [['istio-injection', 'In', ['enabled']]], object: [[INJECT_LABEL, 'NotIn', ['false']]] },
  {
    name: 'object.sidecar-injector.istio.io',
    namespace: [
      ['istio-injection', 'DoesNotExist'],
      [REVISION_LABEL, 'DoesNotExist'],
    ],
    object: [
      [INJECT_LABEL, 'In', ['true']],
      [REVISION_LABEL, 'DoesNotExist'],
    ],
  },
];

/** The webhook whose selectors take the pod, if any. */
const selectingWebhook = (namespaceLabels: Record<string, string>, pod: Json) =>
  WEBHOOKS.find((webhook) => matches(namespaceLabels, webhook.namespace) && matches(pod.metadata?.labels ?? {}, webhook.object));

/** Whether a new pod gets a sidecar: one of the webhooks selects it, and injectRequired lets it through. */
export function shouldInject(namespace: { name: string; labels: Record<string, string> }, pod: Json): boolean {
  return selectingWebhook(namespace.labels, pod) !== undefined && injectionRequired(pod, namespace.name);
}

/** The name of the injector webhook that takes the pod: the API server names it when it refuses a pod. */
export function injectorWebhookName(namespaceLabels: Record<string, string>, pod: Json): string {
  const webhook = selectingWebhook(namespaceLabels, pod);
  if (!webhook) throw new Error('no injection webhook selects this pod');
  return webhook.name;
}

/** istiod's ENABLE_NATIVE_SIDECARS (pilot/pkg/features/pilot.go): `auto` when unset, and an unknown value disables. */
export type NativeSidecarMode = 'true' | 'false' | 'auto';

/** The mode an istiod Deployment runs with: the ENABLE_NATIVE_SIDECARS env of its `discovery` container. */
export function nativeSidecarMode(istiod: Json | undefined): NativeSidecarMode {
  const discovery = (istiod?.spec?.template?.spec?.containers ?? []).find((c: Json) => c.name === 'discovery');
  const value = (discovery?.env ?? []).find((e: Json) => e.name === 'ENABLE_NATIVE_SIDECARS')?.value;
  if (value === undefined) return 'auto';
  return value === 'true' || value === 'auto' ? value : 'false';
}

/** The minor of a kubelet version as hashicorp/go-version reads it (`v1.36.0-meshspec-sim` -> 36), or undefined when it does not parse. */
function kubeletMinor(version: string): number | undefined {
  const match = /^v?(\d+)((?:\.\d+)*)(?:-[0-9A-Za-z.~-]+)?(?:\+[0-9A-Za-z.~-]+)?$/.exec(version);
  if (!match) return undefined;
  return Number(match[2].split('.')[1] ?? 0);
}

/**
 * webhook.go DetectNativeSidecar: forced on or off by the mode; under `auto`, native when the
 * pod's node (or, before scheduling, every node) runs a kubelet >= 1.33, where native sidecars are GA.
 */
export function detectNativeSidecar(mode: NativeSidecarMode, nodes: Json[], podNodeName?: string): boolean {
  if (mode !== 'auto') return mode === 'true';
  const supports = (node: Json) => (kubeletMinor(String(node.status?.nodeInfo?.kubeletVersion ?? '')) ?? 0) >= 33;
  const own = podNodeName ? nodes.find((n) => n.metadata?.name === podNodeName) : undefined;
  return own ? supports(own) : nodes.every(supports);
}
