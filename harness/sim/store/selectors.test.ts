import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { parseFieldSelector, parseLabelSelector, selectorObjectMatches } from './selectors.js';
import type { KubeObject } from './types.js';

const pod = (labels: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p1', namespace: 'ns1', labels },
  status: { phase: 'Running' },
  ...extra,
});

describe('label selectors', () => {
  it('supports equality, inequality, set-based and existence terms', () => {
    const p = pod({ app: 'web', version: 'v2' });
    expect(parseLabelSelector('app=web')(p)).toBe(true);
    expect(parseLabelSelector('app==web,version!=v1')(p)).toBe(true);
    expect(parseLabelSelector('version in (v1, v2),app')(p)).toBe(true);
    expect(parseLabelSelector('version notin (v2)')(p)).toBe(false);
    expect(parseLabelSelector('!canary')(p)).toBe(true);
    expect(parseLabelSelector('!app')(p)).toBe(false);
    expect(parseLabelSelector('app=api')(p)).toBe(false);
    expect(parseLabelSelector('')(p)).toBe(true);
  });

  it('rejects malformed keys with a 400 naming the selector', () => {
    expect(() => parseLabelSelector('bad key=x')).toThrowError(ApiError);
    expect(() => parseLabelSelector('bad key=x')).toThrow(/invalid label key "bad key"/);
  });

  it('matches LabelSelector objects with matchExpressions', () => {
    const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'version', operator: 'In', values: ['v1'] }] };
    expect(selectorObjectMatches(selector, { app: 'web', version: 'v1' })).toBe(true);
    expect(selectorObjectMatches(selector, { app: 'web', version: 'v2' })).toBe(false);
    expect(selectorObjectMatches(undefined, { app: 'web' })).toBe(false);
  });
});

describe('field selectors', () => {
  it('filters on name, namespace and phase', () => {
    const p = pod({});
    expect(parseFieldSelector('metadata.name=p1')(p)).toBe(true);
    expect(parseFieldSelector('metadata.namespace==ns2')(p)).toBe(false);
    expect(parseFieldSelector('status.phase!=Running')(p)).toBe(false);
    expect(parseFieldSelector('metadata.name=p1,status.phase=Running')(p)).toBe(true);
  });

  it('names the supported fields when given another', () => {
    expect(() => parseFieldSelector('spec.replicas=2')).toThrow(/field label not supported: spec.replicas \(supported: metadata.name/);
  });
});
