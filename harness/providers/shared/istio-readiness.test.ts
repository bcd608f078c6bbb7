import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../contract/cluster.js';
import { istioDeployments, rolloutPending, waitForValidationWebhook } from './istio-readiness.js';

const unreachable = () =>
  new ApiException(500, 'Internal error', JSON.stringify({
    message: 'Internal error occurred: failed calling webhook "validation.istio.io": dial tcp 10.96.12.4:443: connect: connection refused',
  }), {});

describe('validation webhook wait', () => {
  it('retries a refused dry-run until the webhook accepts it', async () => {
    let calls = 0;
    const retries: string[] = [];
    await waitForValidationWebhook(async () => {
      calls += 1;
      if (calls <= 3) throw unreachable();
    }, { attempts: 10, delayMs: 1, onRetry: (d) => retries.push(d) });
    expect(calls).toBe(4);
    expect(retries[0]).toBe('validation webhook not ready (attempt 1/10): 500: Internal error occurred: failed calling webhook "validation.istio.io": dial tcp 10.96.12.4:443: connect: connection refused');
  });

  it('gives up after the bounded number of attempts with a clear error', async () => {
    let calls = 0;
    const error = await waitForValidationWebhook(async () => {
      calls += 1;
      throw unreachable();
    }, { attempts: 3, delayMs: 1 }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/^The Istio validation webhook did not accept configuration after 3 attempts: .*connection refused$/);
  });

  it('does not retry when the webhook answers and rejects the probe', async () => {
    let calls = 0;
    const error = await waitForValidationWebhook(async () => {
      calls += 1;
      throw new ApiException(400, 'Bad Request', { message: 'admission webhook "validation.istio.io" denied the request: configuration is invalid' }, {});
    }, { attempts: 5, delayMs: 1 }).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect((error as ProviderError).message).toContain('denied the request: configuration is invalid');
  });
});

describe('rollout', () => {
  const deployment = (status: object, generation = 2) => ({ metadata: { name: 'istiod', generation }, spec: { replicas: 1 } as never, status });

  it('is complete when the newest generation is observed, updated and available', () => {
    expect(rolloutPending(deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }))).toBeNull();
  });

  it('names what is still missing', () => {
    expect(rolloutPending(deployment({ observedGeneration: 1 }))).toBe('istiod: new generation not observed yet');
    expect(rolloutPending(deployment({ observedGeneration: 2, updatedReplicas: 1, availableReplicas: 0 }))).toBe('istiod: 0/1 available');
    expect(rolloutPending(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 }))).toBe('istiod: old replicas terminating');
  });

  it('knows the deployments of each profile', () => {
    expect(istioDeployments('minimal')).toEqual(['istiod']);
    expect(istioDeployments('default')).toEqual(['istiod', 'istio-ingressgateway']);
    expect(istioDeployments('demo')).toEqual(['istiod', 'istio-ingressgateway', 'istio-egressgateway']);
  });
});
