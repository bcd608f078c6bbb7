/**
 * A container's environment as the kubelet builds it: env, envFrom, fieldRef, config map and secret
 * keys, $(VAR) expansion. A pod gets POD_NAME or POD_NAMESPACE only when its manifest asks for them
 * through the downward API. Not emulated: the Service variables of enableServiceLinks
 * (BACKEND_SERVICE_HOST, KUBERNETES_SERVICE_HOST, ...).
 */
import type { KubeObject } from '../store/types.js';

interface EnvSources {
  configMap(namespace: string, name: string): Record<string, string> | undefined;
  /** Decoded secret data. */
  secret(namespace: string, name: string): Record<string, string> | undefined;
}

/** `key="value"` lines by key, as the downward API writes a whole map (fieldpath.FormatMap). */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map![k])}`)
    .join('\n');
}

const joinIPs = (ips: Array<{ ip?: string }> | undefined) => (ips ?? []).map((i) => i.ip).join(',');

/**
 * A fieldRef's value, as the kubelet resolves it (kubernetes/kubernetes pkg/kubelet/kubelet_pods.go
 * podFieldSelectorRuntimeValue, then fieldpath.ExtractFieldPathAsString; the fields are those of
 * https://kubernetes.io/docs/concepts/workloads/pods/downward-api/#downwardapi-fieldRef).
 */
function fieldValue(pod: KubeObject, path: string): string {
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (labelOrAnnotation)
    return (pod.metadata[labelOrAnnotation[1] as 'labels' | 'annotations'] as Record<string, string> | undefined)?.[labelOrAnnotation[2]] ?? '';
  const known: Record<string, unknown> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'metadata.labels': formatMap(pod.metadata.labels),
    'metadata.annotations': formatMap(pod.metadata.annotations as Record<string, string> | undefined),
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': pod.status?.podIP,
    'status.podIPs': joinIPs(pod.status?.podIPs),
    'status.hostIP': pod.status?.hostIP,
    'status.hostIPs': joinIPs(pod.status?.hostIPs),
  };
  return String(known[path] ?? '');
}

/**
 * The pod's hostname, which the container runtime also exports as HOSTNAME: spec.hostname or the
 * pod's name, cut to 63 characters without a trailing '-' or '.' (pkg/kubelet/kubelet_pods.go
 * GeneratePodHostNameAndDomain, truncatePodHostnameIfNeeded; containerd
 * internal/cri/server/container_create.go buildLinuxSpec sets HOSTNAME before the container's env).
 */
export function podHostname(pod: KubeObject): string {
  const hostname = (pod.spec?.hostname as string | undefined) || pod.metadata.name;
  return hostname.length <= 63 ? hostname : hostname.slice(0, 63).replace(/[-.]+$/, '');
}

/** Expands $(NAME) references to earlier variables; $$ escapes, unknown references stay as written. */
export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) =>
    match === '$$' ? '$' : name !== undefined && name in vars ? vars[name] : match,
  );
}

export function containerEnv(pod: KubeObject, container: any, sources: EnvSources): Record<string, string> {
  const namespace = pod.metadata.namespace!;
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const data = from.configMapRef
      ? sources.configMap(namespace, from.configMapRef.name)
      : from.secretRef
        ? sources.secret(namespace, from.secretRef.name)
        : undefined;
    for (const [k, v] of Object.entries(data ?? {})) env[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const entry of container.env ?? []) {
    if (!entry?.name) continue;
    const from = entry.valueFrom;
    if (from?.fieldRef) env[entry.name] = fieldValue(pod, from.fieldRef.fieldPath);
    else if (from?.configMapKeyRef) env[entry.name] = sources.configMap(namespace, from.configMapKeyRef.name)?.[from.configMapKeyRef.key] ?? '';
    else if (from?.secretKeyRef) env[entry.name] = sources.secret(namespace, from.secretKeyRef.name)?.[from.secretKeyRef.key] ?? '';
    else env[entry.name] = expand(String(entry.value ?? ''), env);
  }
  return env;
}
