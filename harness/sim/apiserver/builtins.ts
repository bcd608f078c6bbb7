/** Defaults and validation of the built-in kinds, as the real API server applies them. */
import { externallyAccessible } from './allocator.js';
import { fieldInvalid, fieldRequired, type StatusCause } from '../store/errors.js';
import { selectorObjectMatches } from '../store/selectors.js';
import type { KubeObject } from '../store/types.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** The shape every object must have before defaults can be applied: object metadata maps and spec. */
export function validateShape(obj: KubeObject): StatusCause[] {
  const isMap = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const causes: StatusCause[] = [];
  for (const field of ['labels', 'annotations'] as const) {
    const map = obj.metadata[field];
    if (map !== undefined && !isMap(map)) causes.push(fieldInvalid(`metadata.${field}`, map, 'must be a map of string keys to string values'));
  }
  if (obj.spec !== undefined && !isMap(obj.spec)) causes.push(fieldInvalid('spec', obj.spec, 'must be an object'));
  return causes;
}

/** Checks metadata.name (per kind rules) and label keys and values. */
export function validateMetadata(kind: string, obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = obj.metadata?.name;
  if (!name) return [fieldRequired('metadata.name')];
  if (typeof name !== 'string') return [fieldInvalid('metadata.name', name, 'must be a string')];
  if (kind === 'Namespace' || kind === 'Service') {
    const rule = kind === 'Service' ? DNS_1035_LABEL : DNS_LABEL;
    if (!rule.test(name) || name.length > 63) {
      causes.push(
        fieldInvalid(
          'metadata.name',
          name,
          `a lowercase RFC ${kind === 'Service' ? '1035' : '1123'} label must consist of lower case alphanumeric characters or '-', ${kind === 'Service' ? 'start with an alphabetic character' : 'start with an alphanumeric character'}, and end with an alphanumeric character`,
        ),
      );
    }
  } else if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    causes.push(
      fieldInvalid(
        'metadata.name',
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      ),
    );
  }
  for (const [key, value] of Object.entries(obj.metadata.labels ?? {})) {
    if (!LABEL_KEY.test(key)) causes.push(fieldInvalid('metadata.labels', key, "name part must consist of alphanumeric characters, '-', '_' or '.'"));
    if (typeof value !== 'string' || !LABEL_VALUE.test(value) || value.length > 63) {
      causes.push(
        fieldInvalid(
          `metadata.labels`,
          value,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)",
        ),
      );
    }
  }
  for (const [key, value] of Object.entries(obj.metadata.annotations ?? {})) {
    if (typeof value !== 'string') causes.push(fieldInvalid(`metadata.annotations[${key}]`, value, 'annotation values must be strings'));
  }
  return causes;
}

function defaultPodSpec(spec: any): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  const list = (value: unknown) => (Array.isArray(value) ? value : []);
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
    if (typeof c !== 'object' || c === null) continue;
    const tag = typeof c.image === 'string' ? /:([^/:]+)$/.exec(c.image)?.[1] : undefined;
    c.imagePullPolicy ??= !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of Array.isArray(c.ports) ? c.ports : []) if (p && typeof p === 'object') p.protocol ??= 'TCP';
  }
}

function validateContainers(spec: any, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!spec || typeof spec !== 'object') return [fieldRequired(path)];
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) return [fieldRequired(`${path}.containers`)];
  const seen = new Set<string>();
  const check = (list: unknown, listPath: string) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      causes.push(fieldInvalid(listPath, list, 'must be a list of containers'));
      return;
    }
    list.forEach((c: any, i: number) => {
      const at = `${listPath}[${i}]`;
      if (!c || typeof c !== 'object') {
        causes.push(fieldInvalid(at, c, 'must be a container object'));
        return;
      }
      if (!c.name) causes.push(fieldRequired(`${at}.name`));
      else if (!DNS_LABEL.test(c.name))
        causes.push(fieldInvalid(`${at}.name`, c.name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"));
      else if (seen.has(c.name)) causes.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: "${c.name}"`, field: `${at}.name` });
      seen.add(c.name);
      if (!c.image) causes.push(fieldRequired(`${at}.image`));
      else if (typeof c.image !== 'string') causes.push(fieldInvalid(`${at}.image`, c.image, 'must be a string'));
      for (const field of ['command', 'args']) {
        const value = c[field];
        if (value !== undefined && (!Array.isArray(value) || value.some((v: unknown) => typeof v !== 'string')))
          causes.push(fieldInvalid(`${at}.${field}`, value, 'must be a list of strings'));
      }
      for (const field of ['env', 'envFrom', 'ports']) {
        const value = c[field];
        if (value !== undefined && (!Array.isArray(value) || value.some((v: unknown) => typeof v !== 'object' || v === null)))
          causes.push(fieldInvalid(`${at}.${field}`, value, 'must be a list of objects'));
      }
      (Array.isArray(c.env) ? c.env : []).forEach((e: any, j: number) => {
        if (e && typeof e === 'object' && !e.name) causes.push(fieldRequired(`${at}.env[${j}].name`));
      });
      (Array.isArray(c.ports) ? c.ports : []).forEach((p: any, j: number) => {
        if (!Number.isInteger(p?.containerPort) || p.containerPort < 1 || p.containerPort > 65535) {
          causes.push(fieldInvalid(`${at}.ports[${j}].containerPort`, p?.containerPort, 'must be between 1 and 65535, inclusive'));
        }
      });
    });
  };
  check(spec.containers, `${path}.containers`);
  check(spec.initContainers, `${path}.initContainers`);
  return causes;
}

function validateWorkload(obj: KubeObject): StatusCause[] {
  const spec = obj.spec;
  if (!spec || typeof spec !== 'object') return [fieldRequired('spec')];
  const causes: StatusCause[] = [];
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0)) {
    causes.push(fieldInvalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  if (!spec.selector || (!spec.selector.matchLabels && !spec.selector.matchExpressions)) causes.push(fieldRequired('spec.selector'));
  else if (!selectorObjectMatches(spec.selector, spec.template?.metadata?.labels)) {
    causes.push(fieldInvalid('spec.template.metadata.labels', spec.template?.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
  }
  return [...causes, ...validateContainers(spec.template?.spec, 'spec.template.spec')];
}

function validateService(obj: KubeObject): StatusCause[] {
  const spec = obj.spec ?? {};
  const causes: StatusCause[] = [];
  if (
    spec.selector !== undefined &&
    (typeof spec.selector !== 'object' ||
      spec.selector === null ||
      Array.isArray(spec.selector) ||
      Object.values(spec.selector).some((v) => typeof v !== 'string'))
  ) {
    causes.push(fieldInvalid('spec.selector', spec.selector, 'must be a map of label keys to string values'));
  }
  const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
  if (!types.includes(spec.type))
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(spec.type)}: supported values: ${types.map((t) => `"${t}"`).join(', ')}`,
      field: 'spec.type',
    });
  const ports = spec.ports ?? [];
  if (!Array.isArray(ports)) return [...causes, fieldInvalid('spec.ports', ports, 'must be a list')];
  if (ports.length === 0 && spec.type !== 'ExternalName' && spec.clusterIP !== 'None') causes.push(fieldRequired('spec.ports'));
  ports.forEach((p: any, i: number) => {
    if (!p || typeof p !== 'object') {
      causes.push(fieldInvalid(`spec.ports[${i}]`, p, 'must be a port object'));
      return;
    }
    if (!Number.isInteger(p?.port) || p.port < 1 || p.port > 65535)
      causes.push(fieldInvalid(`spec.ports[${i}].port`, p?.port, 'must be between 1 and 65535, inclusive'));
    if (ports.length > 1 && !p?.name) causes.push(fieldRequired(`spec.ports[${i}].name`));
    if (typeof p?.targetPort === 'number' && (p.targetPort < 1 || p.targetPort > 65535)) {
      causes.push(fieldInvalid(`spec.ports[${i}].targetPort`, p.targetPort, 'must be between 1 and 65535, inclusive'));
    }
    if (p?.nodePort !== undefined && (!Number.isInteger(p.nodePort) || p.nodePort < 30000 || p.nodePort > 32767)) {
      causes.push(fieldInvalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is not in the valid range. The range of valid ports is 30000-32767'));
    } else if (p?.nodePort && spec.type === 'ClusterIP') {
      causes.push({ reason: 'FieldValueForbidden', message: "Forbidden: may not be used when `type` is 'ClusterIP'", field: `spec.ports[${i}].nodePort` });
    }
  });
  // Only an explicitly set value reaches here: a type change clears an unchanged one (dropTypeDependentFields).
  if (spec.externalTrafficPolicy !== undefined && !externallyAccessible(spec)) {
    causes.push(fieldInvalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  }
  return causes;
}

function validateStringMap(obj: KubeObject, field: 'data' | 'stringData'): StatusCause[] {
  const data = obj[field];
  if (data === undefined) return [];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [fieldInvalid(field, data, 'must be a map of strings')];
  return Object.entries(data)
    .filter(([, v]) => typeof v !== 'string')
    .map(([k, v]) => fieldInvalid(`${field}[${k}]`, v, 'must be a string'));
}

function validateCrd(obj: KubeObject): StatusCause[] {
  const spec = obj.spec ?? {};
  const causes: StatusCause[] = [];
  if (!spec.group) causes.push(fieldRequired('spec.group'));
  if (!spec.names?.plural) causes.push(fieldRequired('spec.names.plural'));
  if (!spec.names?.kind) causes.push(fieldRequired('spec.names.kind'));
  if (!['Namespaced', 'Cluster'].includes(spec.scope)) causes.push(fieldInvalid('spec.scope', spec.scope, 'must be Namespaced or Cluster'));
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) causes.push(fieldRequired('spec.versions'));
  else if (spec.versions.filter((v: any) => v?.storage).length !== 1)
    causes.push(
      fieldInvalid(
        'spec.versions',
        spec.versions.map((v: any) => v?.name),
        'must have exactly one version marked as storage version',
      ),
    );
  if (spec.group && spec.names?.plural && obj.metadata.name !== `${spec.names.plural}.${spec.group}`) {
    causes.push(fieldInvalid('metadata.name', obj.metadata.name, `must be spec.names.plural+"."+spec.group (${spec.names.plural}.${spec.group})`));
  }
  return causes;
}

/** MicroTime, as the API server parses it (Go's RFC3339Micro): exactly six fractional digits. */
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/**
 * A Lease's spec. A time without six fractional digits (e.g. JavaScript's toISOString) fails to
 * decode on a real server (400); here it is a field error, so a client that sends one fails on the sim too.
 */
function validateLease(obj: KubeObject): StatusCause[] {
  const spec = obj.spec ?? {};
  const causes: StatusCause[] = [];
  if (spec.leaseDurationSeconds !== undefined && !(Number.isInteger(spec.leaseDurationSeconds) && spec.leaseDurationSeconds > 0)) {
    causes.push(fieldInvalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec.leaseTransitions !== undefined && !(Number.isInteger(spec.leaseTransitions) && spec.leaseTransitions >= 0)) {
    causes.push(fieldInvalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (spec.holderIdentity !== undefined && typeof spec.holderIdentity !== 'string')
    causes.push(fieldInvalid('spec.holderIdentity', spec.holderIdentity, 'must be a string'));
  for (const field of ['acquireTime', 'renewTime']) {
    const value = spec[field];
    if (value !== undefined && (typeof value !== 'string' || !MICRO_TIME.test(value))) {
      causes.push(fieldInvalid(`spec.${field}`, value, 'must be a MicroTime as "2006-01-02T15:04:05.000000Z07:00" (six fractional digits)'));
    }
  }
  return causes;
}

/** Validation of a built-in kind's content (metadata is checked separately). */
export function validateBuiltin(group: string, kind: string, obj: KubeObject): StatusCause[] {
  switch (`${group}/${kind}`) {
    case '/Pod':
      return validateContainers(obj.spec, 'spec');
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
      return validateWorkload(obj);
    case '/Service':
      return validateService(obj);
    case '/ConfigMap':
      return validateStringMap(obj, 'data');
    case '/Secret':
      return [...validateStringMap(obj, 'data'), ...validateStringMap(obj, 'stringData')];
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      return validateCrd(obj);
    case 'coordination.k8s.io/Lease':
      return validateLease(obj);
    default:
      return [];
  }
}

/** Fills in the defaults the real API server sets, so clients read back what they would on a cluster. */
export function applyBuiltinDefaults(group: string, kind: string, obj: KubeObject): void {
  const spec = obj.spec;
  switch (`${group}/${kind}`) {
    case '/Namespace':
      obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
      obj.spec = { finalizers: ['kubernetes'], ...spec };
      obj.status = { phase: 'Active', ...obj.status };
      break;
    case '/Pod':
      if (spec && typeof spec === 'object') defaultPodSpec(spec);
      obj.status = { phase: 'Pending', qosClass: 'BestEffort', ...obj.status };
      break;
    case 'apps/Deployment':
      if (!spec || typeof spec !== 'object') break;
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      if (spec.template?.spec) defaultPodSpec(spec.template.spec);
      break;
    case 'apps/ReplicaSet':
      if (!spec || typeof spec !== 'object') break;
      spec.replicas ??= 1;
      if (spec.template?.spec) defaultPodSpec(spec.template.spec);
      break;
    case '/Service':
      obj.spec = { type: 'ClusterIP', sessionAffinity: 'None', ...spec };
      for (const p of Array.isArray(obj.spec.ports) ? obj.spec.ports : []) {
        if (!p || typeof p !== 'object') continue;
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      break;
    case '/Secret':
      obj.type ??= 'Opaque';
      if (obj.stringData && typeof obj.stringData === 'object') {
        const data = { ...(obj.data as Record<string, string> | undefined) };
        for (const [k, v] of Object.entries(obj.stringData)) if (typeof v === 'string') data[k] = Buffer.from(v).toString('base64');
        obj.data = data;
        delete obj.stringData;
      }
      break;
  }
}
