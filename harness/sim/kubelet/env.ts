/** A container's environment as the kubelet builds it: env, envFrom, fieldRef, config map and secret keys, $(VAR) expansion. */
import type { KubeObject } from '../store/types.js';

interface EnvSources {
  configMap(namespace: string, name: string): Record<string, string> | undefined;
  /** Decoded secret data. */
  secret(namespace: string, name: string): Record<string, string> | undefined;
}

function fieldValue(pod: KubeObject, path: string): string {
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (labelOrAnnotation) return (pod.metadata[labelOrAnnotation[1] as 'labels' | 'annotations'] as Record<string, string> | undefined)?.[labelOrAnnotation[2]] ?? '';
  const known: Record<string, unknown> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'metadata.labels': Object.entries(pod.metadata.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n'),
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': pod.status?.podIP,
    'status.hostIP': pod.status?.hostIP,
  };
  return String(known[path] ?? '');
}

/** Expands $(NAME) references to earlier variables; $$ escapes, unknown references stay as written. */
export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) => (match === '$$' ? '$' : name !== undefined && name in vars ? vars[name] : match));
}

export function containerEnv(pod: KubeObject, container: any, sources: EnvSources): Record<string, string> {
  const namespace = pod.metadata.namespace!;
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const data = from.configMapRef ? sources.configMap(namespace, from.configMapRef.name) : from.secretRef ? sources.secret(namespace, from.secretRef.name) : undefined;
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
