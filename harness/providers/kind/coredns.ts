/**
 * Makes the external service resolvable in the cluster: a server block for meshspec.test added to
 * CoreDNS's Corefile (its `reload` plugin picks the change up). A separate block leaves any
 * `hosts` the user has in `.:53` alone. Teardown writes back the Corefile as it was; a block left
 * by an interrupted run is recognised by its markers and replaced.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { ProviderError } from '../types.js';

export const EXTERNAL_HOST = 'external.meshspec.test';
const BEGIN = '# meshspec external service: begin (removed when the run ends)';
const END = '# meshspec external service: end';
const COREDNS = { name: 'coredns', namespace: 'kube-system' };

export function withoutExternalHost(corefile: string): string {
  const begin = corefile.indexOf(BEGIN);
  if (begin === -1) return corefile;
  const end = corefile.indexOf(END, begin);
  if (end === -1) return corefile;
  return corefile.slice(0, begin).replace(/\n+$/, '\n') + corefile.slice(end + END.length).replace(/^\n+/, '');
}

export function withExternalHost(corefile: string, ip: string): string {
  const base = withoutExternalHost(corefile).replace(/\n*$/, '\n');
  return `${base}${BEGIN}\nmeshspec.test:53 {\n    hosts {\n        ${ip} ${EXTERNAL_HOST}\n    }\n}\n${END}\n`;
}

/** Adds the hosts entry; returns the Corefile as it was without meshspec's block, for restoring. */
export async function addExternalHost(core: CoreV1Api, ip: string): Promise<string> {
  const configMap = await core.readNamespacedConfigMap(COREDNS);
  const corefile = configMap.data?.Corefile;
  if (corefile === undefined) throw new ProviderError('The coredns ConfigMap in kube-system has no Corefile; cannot register the external service.');
  const original = withoutExternalHost(corefile);
  await core.replaceNamespacedConfigMap({ ...COREDNS, body: { ...configMap, data: { ...configMap.data, Corefile: withExternalHost(corefile, ip) } } });
  return original;
}

export async function restoreCorefile(core: CoreV1Api, original: string): Promise<void> {
  const configMap = await core.readNamespacedConfigMap(COREDNS);
  await core.replaceNamespacedConfigMap({ ...COREDNS, body: { ...configMap, data: { ...configMap.data, Corefile: original } } });
}
