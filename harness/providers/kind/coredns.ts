/**
 * Makes the external service resolvable in the cluster: a server block for meshspec.test added to
 * CoreDNS's Corefile. A separate block leaves any `hosts` the user has in `.:53` alone. CoreDNS is
 * restarted when the Corefile changed: the ConfigMap reaches its pods and `reload` only after a
 * minute or two, and the egress scenarios would meet NXDOMAIN meanwhile. Teardown writes back the
 * Corefile as it was; a block left by an interrupted run is recognised by its markers and replaced.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { ProviderError } from '../../contract/cluster.js';
import { rolloutPending } from '../istio/readiness.js';
import type { ProviderKube } from '../setup/kube.js';
import { pollUntilReady } from '../setup/wait.js';

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

/**
 * Adds the hosts entry. `original` is the Corefile as it was without meshspec's block, for
 * restoring; when `changed`, CoreDNS must be restarted (restartCoreDns) to serve it.
 */
export async function addExternalHost(kube: ProviderKube, ip: string): Promise<{ original: string; changed: boolean }> {
  const configMap = await kube.core.readNamespacedConfigMap(COREDNS);
  const corefile = configMap.data?.Corefile;
  if (corefile === undefined) throw new ProviderError('The coredns ConfigMap in kube-system has no Corefile; cannot register the external service.');
  const patched = withExternalHost(corefile, ip);
  if (patched !== corefile) {
    await kube.core.replaceNamespacedConfigMap({ ...COREDNS, body: { ...configMap, data: { ...configMap.data, Corefile: patched } } });
  }
  return { original: withoutExternalHost(corefile), changed: patched !== corefile };
}

/** What `kubectl rollout restart` does, then waits for the new pods. */
export async function restartCoreDns(kube: ProviderKube): Promise<void> {
  const deployment = await kube.apps.readNamespacedDeployment(COREDNS);
  const template = deployment.spec!.template;
  template.metadata = {
    ...template.metadata,
    annotations: { ...template.metadata?.annotations, 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() },
  };
  await kube.apps.replaceNamespacedDeployment({ ...COREDNS, body: deployment });
  await pollUntilReady('CoreDNS to restart with the external host', async () => rolloutPending(await kube.apps.readNamespacedDeployment(COREDNS)), {
    deadline: Date.now() + 120_000,
  });
}

export async function restoreCorefile(core: CoreV1Api, original: string): Promise<void> {
  const configMap = await core.readNamespacedConfigMap(COREDNS);
  await core.replaceNamespacedConfigMap({ ...COREDNS, body: { ...configMap, data: { ...configMap.data, Corefile: original } } });
}
