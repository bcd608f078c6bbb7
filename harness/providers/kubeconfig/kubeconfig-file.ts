/** Which kubeconfig files and context to use, with errors that say how to choose others. */
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { describeKubeconfig, kubeconfigFiles, loadKubeconfig } from '../../kube/clients.js';
import { ProviderError } from '../../contract/cluster.js';

/**
 * In $KUBECONFIG form, with absolute paths: the `kubeconfig` setting (one file, as kubectl's
 * --kubeconfig), else every file $KUBECONFIG lists (merged as kubectl merges them), else
 * ~/.kube/config.
 */
export function kubeconfigPath(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (setting) return resolve(setting);
  const listed = kubeconfigFiles(env.KUBECONFIG ?? '');
  if (listed.length > 0) return listed.map((file) => resolve(file)).join(delimiter);
  return join(homedir(), '.kube', 'config');
}

export interface ChosenContext {
  name: string;
  /** The URL of the context's cluster; undefined when no file defines that cluster (the API clients then say so). */
  server: string | undefined;
}

/** The `context` setting, else the merged current context; verified to exist in the files. */
export function chooseContext(kubeconfig: string, setting: string | undefined): ChosenContext {
  let kc: KubeConfig;
  try {
    kc = loadKubeconfig(kubeconfig);
  } catch (error) {
    throw new ProviderError(
      `Cannot read the kubeconfig: ${(error as Error).message}.`,
      'Pass --kubeconfig PATH, or set KUBECONFIG to the files that define your cluster.',
    );
  }
  const context = setting || kc.getCurrentContext();
  const known = kc.getContexts().map((c) => c.name);
  const source = `The ${describeKubeconfig(kubeconfig)} ${kubeconfigFiles(kubeconfig).length === 1 ? 'has' : 'have'}`;
  if (!context || !known.includes(context)) {
    throw new ProviderError(
      context ? `${source} no context "${context}".` : `${source} no current context.`,
      `Pick one with --context NAME (it has: ${known.join(', ') || 'none'}).`,
    );
  }
  const cluster = kc.getContextObject(context)?.cluster;
  return { name: context, server: cluster ? kc.getCluster(cluster)?.server : undefined };
}
