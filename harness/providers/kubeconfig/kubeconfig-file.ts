/** Which kubeconfig file and context to use, with errors that say how to choose another. */
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ProviderError } from '../types.js';

/** The `kubeconfig` setting, else the first file in $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPath(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KUBECONFIG?.split(delimiter).find(Boolean);
  return resolve(setting || fromEnv || join(homedir(), '.kube', 'config'));
}

/** The `context` setting, else the file's current context; verified to exist in the file. */
export function chooseContext(path: string, setting: string | undefined): string {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw new ProviderError(`Cannot read kubeconfig ${path}: ${(error as Error).message}`, 'Pass --kubeconfig PATH, or set KUBECONFIG.');
  }
  const context = setting || kc.getCurrentContext();
  const known = kc.getContexts().map((c) => c.name);
  if (!context || !known.includes(context)) {
    throw new ProviderError(
      context ? `Kubeconfig ${path} has no context "${context}".` : `Kubeconfig ${path} has no current context.`,
      `Pick one with --context NAME (it has: ${known.join(', ') || 'none'}).`,
    );
  }
  return context;
}
