import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../contract/cluster.js';
import { istioDeployments, rolloutPending, waitForValidationWebhook } from './readiness.js';

const unreachable = () =>
  new ApiException(
    500,
    'Internal error',
    JSON.stringify({
      message: 'Internal error occurred: failed calling webhook "validation.istio.io": dial tcp 10.96.12.4:443: connect: connection refused',
    }),
    {},
  );

describe('validation webhook wait', () => {
  it('retries a refused dry-run until the webhook accepts it', async () => {
    let calls = 0;
    const retries: string[] = [];
    await waitForValidationWebhook(
      async () => {
        calls += 1;
        if (calls <= 3) throw unreachable();
      },
      { attempts: 10, delayMs: 1, onRetry: (d) => retries.push(d) },
    );
    expect(calls).toBe(4);
    expect(retries[0]).toBe(
      'validation webhook not ready (attempt 1/10): 500: Internal error occurred: failed calling webhook "validation.istio.io": dial tcp 10.96.12.4:443: connect: connection refused',
    );
  });

  it('gives up after the bounded number of attempts with a clear error', async () => {
    let calls = 0;
    const error = await waitForValidationWebhook(
      async () => {
        calls += 1;
        throw unreachable();
      },
      { attempts: 3, delayMs: 1 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/^The Istio validation webhook did not accept configuration after 3 attempts: .*connection refused$/);
  });

  // The Status bodies below are the API server's (kubernetes/apiserver@v0.33.0): a webhook denial is
  // ToStatusErr's (pkg/admission/plugin/webhook/errors/statuserror.go; 400 when the webhook sets no code,
  // as Istio's does), an authorization refusal ForbiddenStatusError's (pkg/endpoints/handlers/responsewriters/errors.go,
  // through apimachinery's NewForbidden; a create has no name in the URL, hence "virtualservices.networking.istio.io is forbidden").
  const refusalOf = async (status: number, body: object) => {
    let calls = 0;
    const error = await waitForValidationWebhook(
      async () => {
        calls += 1;
        throw new ApiException(status, 'refused', JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: status, ...body }), {});
      },
      { attempts: 5, delayMs: 1 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  };

  it('does not retry when the webhook answers and rejects the probe, and says it was the webhook', async () => {
    const error = await refusalOf(400, {
      message: 'admission webhook "validation.istio.io" denied the request: configuration is invalid: virtual service must have at least one host',
    });
    expect(error.message).toBe(
      'The Istio validation webhook rejected a valid VirtualService: 400: admission webhook "validation.istio.io" denied the request: configuration is invalid: virtual service must have at least one host',
    );
  });

  it("names a webhook other than Istio's that denies the probe, whatever code it answers", async () => {
    const error = await refusalOf(403, {
      reason: 'Forbidden',
      message: 'admission webhook "validation.gatekeeper.sh" denied the request: [deny-istio-system] no changes in istio-system',
      details: { group: 'networking.istio.io', kind: 'virtualservices' },
    });
    expect(error.message).toBe(
      'The admission webhook "validation.gatekeeper.sh" rejected a valid VirtualService: 403 Forbidden: admission webhook "validation.gatekeeper.sh" denied the request: [deny-istio-system] no changes in istio-system',
    );
  });

  it('reports a 403 from authorization as missing rights, naming the user, verb, resource and namespace and the RBAC that grants them', async () => {
    const error = await refusalOf(403, {
      reason: 'Forbidden',
      message:
        'virtualservices.networking.istio.io is forbidden: User "alice@example.com" cannot create resource "virtualservices" in API group "networking.istio.io" in the namespace "istio-system"',
      details: { group: 'networking.istio.io', kind: 'virtualservices' },
    });
    expect(error.message).toBe(
      'The API server\'s authorization (RBAC) forbids user "alice@example.com" to create virtualservices.networking.istio.io in namespace istio-system: meshspec checks that Istio\'s validation webhook answers with a server-side dry run of a VirtualService there, and a dry run needs the rights of the request itself. (403 Forbidden: virtualservices.networking.istio.io is forbidden: User "alice@example.com" cannot create resource "virtualservices" in API group "networking.istio.io" in the namespace "istio-system")',
    );
    expect(error.hint).toBe(
      'Grant that user create on virtualservices.networking.istio.io in istio-system, e.g. kubectl create role meshspec-webhook-probe -n istio-system --verb=create --resource=virtualservices.networking.istio.io && kubectl create rolebinding meshspec-webhook-probe -n istio-system --role=meshspec-webhook-probe --user=alice@example.com',
    );
    expect(error.message).not.toContain('webhook rejected');
  });

  it("says a refusal that is neither is the API server's own, before the webhook", async () => {
    const error = await refusalOf(403, {
      reason: 'Forbidden',
      message:
        'virtualservices.networking.istio.io "meshspec-webhook-probe" is forbidden: unable to create new content in namespace istio-system because it is being terminated',
    });
    expect(error.message).toBe(
      'The API server refused the dry run of a valid VirtualService in istio-system, before Istio\'s validation webhook answered: 403 Forbidden: virtualservices.networking.istio.io "meshspec-webhook-probe" is forbidden: unable to create new content in namespace istio-system because it is being terminated',
    );
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
    expect(rolloutPending(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 }))).toBe(
      'istiod: old replicas terminating',
    );
  });

  it('knows the deployments of each profile', () => {
    expect(istioDeployments('minimal')).toEqual(['istiod']);
    expect(istioDeployments('default')).toEqual(['istiod', 'istio-ingressgateway']);
    expect(istioDeployments('demo')).toEqual(['istiod', 'istio-ingressgateway', 'istio-egressgateway']);
  });
});
