import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createProvider, ProviderError, type ProviderName } from './index.js';

describe('createProvider', () => {
  it.each<ProviderName>(['sim', 'kind', 'kubeconfig'])('%s: returns the provider, or a ProviderError naming the missing module', async (name) => {
    const built = existsSync(new URL(`./${name}/index.ts`, import.meta.url));
    const created = createProvider(name);
    if (built) {
      await expect(created).resolves.toMatchObject({ name });
    } else {
      const error = await created.catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ message: `the ${name} provider is not part of this build (harness/providers/${name}/index.js is missing)` });
    }
  });
});
