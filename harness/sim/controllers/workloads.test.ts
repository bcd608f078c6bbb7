import { describe, expect, it } from 'vitest';
import { podTemplateHash } from './workloads.js';

describe('podTemplateHash', () => {
  it('is the same for equal templates written in another order or with unset fields, and differs on change', () => {
    const a = { metadata: { labels: { app: 'web', version: 'v1' } }, spec: { containers: [{ name: 'app', image: 'x:1' }] } };
    const b = { spec: { containers: [{ image: 'x:1', name: 'app' }] }, metadata: { creationTimestamp: null, labels: { version: 'v1', app: 'web' } } };
    expect(podTemplateHash(a)).toBe(podTemplateHash(b));
    expect(podTemplateHash(a)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(podTemplateHash({ ...a, spec: { containers: [{ name: 'app', image: 'x:2' }] } })).not.toBe(podTemplateHash(a));
  });
});
