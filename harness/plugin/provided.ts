/** What the plugin hands its own global setup through Vitest's provide/inject (main process only). */
import type { ProvidedOptions } from './options.js';

export const OPTIONS_KEY = 'meshspec.options';

declare module 'vitest' {
  interface ProvidedContext {
    /** The plugin's options, read by the global setup. */
    'meshspec.options': ProvidedOptions;
  }
}
