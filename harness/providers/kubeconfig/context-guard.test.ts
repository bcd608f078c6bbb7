import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../contract/cluster.js';
import { assertContextAllowed, parseAllowList } from './context-guard.js';

describe('context guard', () => {
  it('accepts kind and sim contexts without being told', () => {
    expect(() => assertContextAllowed('kind-meshspec', [])).not.toThrow();
    expect(() => assertContextAllowed('meshspec-sim', [])).not.toThrow();
  });

  it('refuses any other context and says how to allow it', () => {
    const refuse = () => assertContextAllowed('arn:aws:eks:eu-west-1:1234:cluster/prod', []);
    expect(refuse).toThrow(ProviderError);
    expect(refuse).toThrow(expect.objectContaining({
      message: expect.stringContaining('Refusing to run against context "arn:aws:eks:eu-west-1:1234:cluster/prod"'),
      hint: 'If this cluster is meant for tests, allow it: --allow-context arn:aws:eks:eu-west-1:1234:cluster/prod',
    }));
  });

  it('accepts a context named in the allow list', () => {
    expect(parseAllowList(' gke-test , staging,,')).toEqual(['gke-test', 'staging']);
    expect(() => assertContextAllowed('staging', parseAllowList('gke-test,staging'))).not.toThrow();
    expect(() => assertContextAllowed('stag', parseAllowList('gke-test,staging'))).toThrow(ProviderError);
  });
});
