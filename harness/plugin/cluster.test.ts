import { describe, expect, it } from 'vitest';
import { ProviderError } from '../contract/cluster.js';
import { asProviderError } from './cluster.js';

describe('asProviderError', () => {
  it("keeps a provider's own error as it is", () => {
    const own = new ProviderError('Docker is not running', 'start Docker');
    expect(asProviderError(own, { provider: 'kind' })).toBe(own);
  });

  it('turns an API server that does not answer into a message and a hint about the kubeconfig', () => {
    const refused = Object.assign(new Error('request to https://127.0.0.1:1/api failed, reason: connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const error = asProviderError(refused, { provider: 'kubeconfig' });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe('the kubeconfig provider could not start: request to https://127.0.0.1:1/api failed, reason: connect ECONNREFUSED 127.0.0.1:1');
    expect(error.hint).toContain('check that the cluster is running and that the kubeconfig and context are the right ones');
    expect(error.cause).toBe(refused);
  });

  it('names the provider for any other unexpected error', () => {
    const error = asProviderError(new TypeError('x is undefined'), { provider: 'sim' });
    expect(error.message).toBe('the sim provider could not start: x is undefined');
    expect(error.hint).toContain('marked with ✗');
  });
});
