/** Values the main process shares with test workers through Vitest's provide/inject. */
import type { ClusterHandle } from '../providers/types.js';
import type { ProvidedOptions } from './options.js';

export const CLUSTER_KEY = 'meshspec.cluster';
export const OPTIONS_KEY = 'meshspec.options';

declare module 'vitest' {
  interface ProvidedContext {
    /** The cluster of this run, set by meshspec's global setup. */
    'meshspec.cluster': ClusterHandle;
    /** The plugin's options, read by the global setup. */
    'meshspec.options': ProvidedOptions;
  }
}
