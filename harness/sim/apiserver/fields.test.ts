import { describe, expect, it } from 'vitest';
import { unknownFields } from './fields.js';

describe('unknownFields', () => {
  const deployment = () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { anything: 'goes' } },
    spec: {
      replica: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x', imagee: 'y', env: [{ name: 'A', vaule: '1' }] }] } },
    },
    status: { whatever: true },
  });

  it('names each undeclared field by its path and leaves maps and status alone', () => {
    expect(unknownFields('apps', 'Deployment', deployment(), false)).toEqual([
      'spec.replica',
      'spec.template.spec.containers[0].imagee',
      'spec.template.spec.containers[0].env[0].vaule',
    ]);
  });

  it('drops them on request, as typed decoding does', () => {
    const obj = deployment();
    unknownFields('apps', 'Deployment', obj, true);
    expect(obj.spec).not.toHaveProperty('replica');
    expect(obj.spec.template.spec.containers[0]).toEqual({ name: 'app', image: 'x', env: [{ name: 'A' }] });
  });

  it('checks Istio routes and ignores kinds it has no shape for', () => {
    const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r' }, spec: { hosts: ['r'], http: [{ rout: [] }] } };
    expect(unknownFields('networking.istio.io', 'VirtualService', vs, false)).toEqual(['spec.http[0].rout']);
    expect(unknownFields('example.com', 'Widget', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, anything: 1 }, false)).toEqual([]);
  });
});
