/** What Vitest's main process hands its test workers through provide/inject. */
import type { ClusterHandle } from './cluster.js';

export const CLUSTER_KEY = 'meshspec.cluster';

declare module 'vitest' {
  interface ProvidedContext {
    /** The cluster of this run, set by meshspec's global setup. */
    'meshspec.cluster': ClusterHandle;
  }
}
