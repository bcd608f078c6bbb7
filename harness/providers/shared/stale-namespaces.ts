/**
 * Namespaces left behind by an earlier run that was interrupted (Ctrl-C, crash): recognised by
 * the `meshspec.dev/run` label every scenario namespace carries, removed before a run starts.
 * Nothing without that label is ever touched.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { statusOf } from './kube.js';

export const RUN_LABEL = 'meshspec.dev/run';

/** Deletes namespaces labelled by another run; returns their names. */
export async function removeStaleNamespaces(core: CoreV1Api, runId: string): Promise<string[]> {
  const stale = await core.listNamespace({ labelSelector: `${RUN_LABEL},${RUN_LABEL}!=${runId}` });
  const names = stale.items.map((ns) => ns.metadata!.name!).filter((name) => name);
  for (const name of names) {
    try {
      await core.deleteNamespace({ name });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
  return names;
}
