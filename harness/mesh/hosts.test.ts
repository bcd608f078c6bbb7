import { describe, expect, it } from 'vitest';
import { expandHost, hostMatches, serviceNameOf, splitAuthority } from './hosts.js';

describe('hosts', () => {
  it('expands only short names', () => {
    expect(expandHost('Reviews', 'shop')).toBe('reviews.shop.svc.cluster.local');
    expect(expandHost('reviews.other.svc.cluster.local', 'shop')).toBe('reviews.other.svc.cluster.local');
    expect(expandHost('*', 'shop')).toBe('*');
  });
  it('matches wildcards', () => {
    expect(hostMatches('*', 'a.b')).toBe(true);
    expect(hostMatches('*.example.com', 'flask.example.com')).toBe(true);
    expect(hostMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostMatches('a.test', 'b.test')).toBe(false);
  });
  it('follows kube-dns search paths', () => {
    expect(serviceNameOf('backend', 'shop')).toEqual({ name: 'backend', namespace: 'shop' });
    expect(serviceNameOf('backend.web', 'shop')).toEqual({ name: 'backend', namespace: 'web' });
    expect(serviceNameOf('backend.web.svc', 'shop')).toEqual({ name: 'backend', namespace: 'web' });
    expect(serviceNameOf('backend.web.svc.cluster.local', 'shop')).toEqual({ name: 'backend', namespace: 'web' });
    expect(serviceNameOf('external.meshspec.test', 'shop')).toBeUndefined();
  });
  it('splits authorities', () => {
    expect(splitAuthority('reviews:9080')).toEqual({ host: 'reviews', port: 9080 });
    expect(splitAuthority('Example.COM')).toEqual({ host: 'example.com', port: 80 });
  });
});
