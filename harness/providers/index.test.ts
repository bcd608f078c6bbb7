import { describe, expect, it } from 'vitest';
import type { ProviderName } from '../contract/cluster.js';
import { createProvider } from './index.js';

describe('createProvider', () => {
  it.each<ProviderName>(['sim', 'kind', 'kubeconfig'])('%s: returns the provider of that name', async (name) => {
    await expect(createProvider(name)).resolves.toMatchObject({ name });
  });
});
