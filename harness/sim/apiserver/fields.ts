/**
 * Known fields of the objects tutorials write, for `fieldValidation=Strict` (kubectl's default):
 * a mistyped key (`replica`, `contianers`, `rout`) is refused naming its path instead of being
 * silently ignored. Paths are patterns: `[]` stands for any list item. Parts not listed are not checked.
 */
import type { KubeObject } from '../store/types.js';

const META = [
  'name',
  'generateName',
  'namespace',
  'labels',
  'annotations',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'ownerReferences',
  'finalizers',
  'managedFields',
  'selfLink',
];
const TOP = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const POD_SPEC = [
  'containers',
  'initContainers',
  'ephemeralContainers',
  'volumes',
  'restartPolicy',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'dnsPolicy',
  'nodeSelector',
  'serviceAccountName',
  'serviceAccount',
  'automountServiceAccountToken',
  'nodeName',
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'shareProcessNamespace',
  'securityContext',
  'imagePullSecrets',
  'hostname',
  'subdomain',
  'affinity',
  'schedulerName',
  'tolerations',
  'hostAliases',
  'priorityClassName',
  'priority',
  'dnsConfig',
  'readinessGates',
  'runtimeClassName',
  'enableServiceLinks',
  'preemptionPolicy',
  'overhead',
  'topologySpreadConstraints',
  'setHostnameAsFQDN',
  'os',
  'hostUsers',
  'schedulingGates',
  'resourceClaims',
  'resources',
];
const CONTAINER = [
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'envFrom',
  'env',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
];
const PROBE = [
  'exec',
  'httpGet',
  'tcpSocket',
  'grpc',
  'initialDelaySeconds',
  'timeoutSeconds',
  'periodSeconds',
  'successThreshold',
  'failureThreshold',
  'terminationGracePeriodSeconds',
];
const ENV = ['name', 'value', 'valueFrom'];
const CONTAINER_PORT = ['name', 'hostPort', 'containerPort', 'protocol', 'hostIP'];
const LABEL_SELECTOR = ['matchLabels', 'matchExpressions'];

function podSpec(prefix: string): Record<string, string[]> {
  const shape: Record<string, string[]> = { [prefix]: POD_SPEC };
  for (const list of ['containers', 'initContainers']) {
    shape[`${prefix}.${list}[]`] = CONTAINER;
    shape[`${prefix}.${list}[].env[]`] = ENV;
    shape[`${prefix}.${list}[].ports[]`] = CONTAINER_PORT;
    shape[`${prefix}.${list}[].readinessProbe`] = PROBE;
    shape[`${prefix}.${list}[].livenessProbe`] = PROBE;
    shape[`${prefix}.${list}[].startupProbe`] = PROBE;
  }
  return shape;
}

const WORKLOAD_TEMPLATE = {
  'spec.selector': LABEL_SELECTOR,
  'spec.template': ['metadata', 'spec'],
  'spec.template.metadata': META,
  ...podSpec('spec.template.spec'),
};

const HTTP_ROUTE = [
  'name',
  'match',
  'route',
  'redirect',
  'directResponse',
  'delegate',
  'rewrite',
  'timeout',
  'retries',
  'fault',
  'mirror',
  'mirrors',
  'mirrorPercentage',
  'mirrorPercent',
  'mirror_percent',
  'corsPolicy',
  'headers',
];
const DESTINATION = ['host', 'subset', 'port'];
const TRAFFIC_POLICY = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol'];

const SHAPES: Record<string, Record<string, string[]>> = {
  '/Pod': { '': TOP, metadata: META, ...podSpec('spec') },
  'apps/Deployment': {
    '': TOP,
    metadata: META,
    spec: ['replicas', 'selector', 'template', 'strategy', 'minReadySeconds', 'revisionHistoryLimit', 'paused', 'progressDeadlineSeconds'],
    ...WORKLOAD_TEMPLATE,
  },
  'apps/ReplicaSet': { '': TOP, metadata: META, spec: ['replicas', 'minReadySeconds', 'selector', 'template'], ...WORKLOAD_TEMPLATE },
  '/Service': {
    '': TOP,
    metadata: META,
    spec: [
      'ports',
      'selector',
      'clusterIP',
      'clusterIPs',
      'type',
      'externalIPs',
      'sessionAffinity',
      'loadBalancerIP',
      'loadBalancerSourceRanges',
      'externalName',
      'externalTrafficPolicy',
      'healthCheckNodePort',
      'publishNotReadyAddresses',
      'sessionAffinityConfig',
      'ipFamilies',
      'ipFamilyPolicy',
      'allocateLoadBalancerNodePorts',
      'loadBalancerClass',
      'internalTrafficPolicy',
      'trafficDistribution',
    ],
    'spec.ports[]': ['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort'],
  },
  '/ConfigMap': { '': ['apiVersion', 'kind', 'metadata', 'data', 'binaryData', 'immutable'], metadata: META },
  '/Secret': { '': ['apiVersion', 'kind', 'metadata', 'data', 'stringData', 'type', 'immutable'], metadata: META },
  '/Namespace': { '': TOP, metadata: META },
  '/ServiceAccount': { '': ['apiVersion', 'kind', 'metadata', 'secrets', 'imagePullSecrets', 'automountServiceAccountToken'], metadata: META },
  'networking.istio.io/VirtualService': {
    '': TOP,
    metadata: META,
    spec: ['hosts', 'gateways', 'http', 'tls', 'tcp', 'exportTo'],
    'spec.http[]': HTTP_ROUTE,
    'spec.http[].route[]': ['destination', 'weight', 'headers'],
    'spec.http[].route[].destination': DESTINATION,
    'spec.http[].mirror': DESTINATION,
    'spec.http[].retries': ['attempts', 'perTryTimeout', 'retryOn', 'retryRemoteLocalities', 'retryIgnorePreviousHosts', 'backoff'],
    'spec.http[].fault': ['delay', 'abort'],
    'spec.http[].fault.delay': ['fixedDelay', 'exponentialDelay', 'percentage', 'percent'],
    'spec.http[].fault.abort': ['httpStatus', 'grpcStatus', 'http2Error', 'percentage'],
    'spec.http[].match[]': [
      'name',
      'uri',
      'scheme',
      'method',
      'authority',
      'headers',
      'port',
      'sourceLabels',
      'gateways',
      'queryParams',
      'ignoreUriCase',
      'withoutHeaders',
      'sourceNamespace',
      'statPrefix',
    ],
  },
  'networking.istio.io/DestinationRule': {
    '': TOP,
    metadata: META,
    spec: ['host', 'trafficPolicy', 'subsets', 'exportTo', 'workloadSelector'],
    'spec.trafficPolicy': TRAFFIC_POLICY,
    'spec.subsets[]': ['name', 'labels', 'trafficPolicy'],
    'spec.subsets[].trafficPolicy': TRAFFIC_POLICY,
  },
  'networking.istio.io/Gateway': {
    '': TOP,
    metadata: META,
    spec: ['selector', 'servers'],
    'spec.servers[]': ['port', 'bind', 'hosts', 'tls', 'name', 'defaultEndpoint'],
    'spec.servers[].port': ['number', 'protocol', 'name', 'targetPort'],
  },
  'networking.istio.io/ServiceEntry': {
    '': TOP,
    metadata: META,
    spec: ['hosts', 'addresses', 'ports', 'location', 'resolution', 'endpoints', 'workloadSelector', 'exportTo', 'subjectAltNames'],
    'spec.ports[]': ['number', 'protocol', 'name', 'targetPort'],
  },
};

/**
 * Paths of fields the schema does not declare, e.g. `spec.template.spec.containers[0].imagee`;
 * with `drop`, also removes them, as decoding into typed objects does on a real server.
 */
export function unknownFields(group: string, kind: string, obj: KubeObject, drop: boolean): string[] {
  const shape = SHAPES[`${group}/${kind}`];
  if (!shape) return [];
  const found: string[] = [];
  const walk = (value: unknown, pattern: string, path: string) => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, `${pattern}[]`, `${path}[${i}]`);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const known = shape[pattern];
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (known && !known.includes(key)) {
        found.push(childPath);
        if (drop) delete (value as Record<string, unknown>)[key];
      } else walk(child, pattern ? `${pattern}.${key}` : key, childPath);
    }
  };
  walk(obj, '', '');
  return found;
}
