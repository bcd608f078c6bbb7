import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describeApiError, isTransient } from './errors.js';

const apiError = (code: number, body: unknown) => new ApiException(code, 'Unsuccessful HTTP Request', body, {});

describe('API errors', () => {
  it('reads the Status the server sent, with field causes', () => {
    const body = JSON.stringify({
      kind: 'Status',
      reason: 'Invalid',
      message: 'VirtualService.networking.istio.io "r" is invalid',
      details: { causes: [{ field: 'spec.http[0].route', message: 'total weight 90 != 100' }] },
    });
    expect(describeApiError(apiError(422, body))).toBe(
      '422 Invalid: VirtualService.networking.istio.io "r" is invalid (spec.http[0].route: total weight 90 != 100)',
    );
  });

  it('copes with bodies that are not JSON', () => {
    expect(describeApiError(apiError(502, 'Bad Gateway\n'))).toBe('502: Bad Gateway');
  });

  it('tells transient failures from permanent ones', () => {
    expect(isTransient(apiError(500, '{}'))).toBe(true);
    expect(isTransient(apiError(429, '{}'))).toBe(true);
    expect(isTransient(apiError(404, '{}'))).toBe(false);
    expect(isTransient(apiError(422, '{}'))).toBe(false);
    expect(isTransient(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient(new Error('boom'))).toBe(false);
  });
});
