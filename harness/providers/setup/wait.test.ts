import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../contract/cluster.js';
import { pollUntilReady } from './wait.js';

describe('pollUntilReady', () => {
  it('reports what is pending until the check is ready, riding out an API server that is not ready yet', async () => {
    const answers: (string | null | Error)[] = ['istiod: 0/1 available', new ApiException(503, 'Service Unavailable', '{}', {}), null];
    const pending: string[] = [];
    await pollUntilReady(
      'Istio',
      async () => {
        const answer = answers.shift()!;
        if (answer instanceof Error) throw answer;
        return answer;
      },
      { deadline: Date.now() + 5_000, onPending: (p) => pending.push(p) },
    );
    expect(answers).toEqual([]);
    expect(pending).toEqual(['istiod: 0/1 available']);
  });

  it('times out with a ProviderError naming what it waited for and what was still pending', async () => {
    const error = await pollUntilReady('CoreDNS', async () => 'coredns: 1/2 updated', { deadline: Date.now() + 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toBe('Timed out waiting for CoreDNS: coredns: 1/2 updated.');
  });
});
