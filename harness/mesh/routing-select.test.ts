import { describe, expect, it } from 'vitest';
import { compileVirtualService } from './compile/virtual-service.js';
import { pickWeighted, selectRoute, virtualServicesFor, type RouteRequest } from './routing.js';

const vs = (name: string, spec: Record<string, unknown>, created = 0) => ({
  ...compileVirtualService({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'shop' }, spec }),
  createdAt: created,
});
const request = (over: Partial<RouteRequest> = {}): RouteRequest => ({ method: 'GET', path: '/', headers: {}, authority: 'reviews', port: 8080, ...over });
const MESH = new Set(['mesh']);

describe('route selection', () => {
  it('ignores rules for other hosts, other gateways, and rules without http routes', () => {
    const all = [
      vs('other', { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'ratings' } }] }] }),
      vs('ingress-only', { hosts: ['reviews'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }),
      vs('tcp-only', { hosts: ['reviews'], tcp: [{ route: [{ destination: { host: 'reviews' } }] }] }),
      vs('mesh', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }),
    ];
    expect(virtualServicesFor(all, ['reviews.shop.svc.cluster.local'], MESH).map((v) => v.name)).toEqual(['mesh']);
    expect(virtualServicesFor(all, ['reviews.shop.svc.cluster.local'], new Set(['shop/gw'])).map((v) => v.name)).toEqual(['ingress-only']);
  });

  it('takes the first matching route of the oldest rule; a match needs all its conditions', () => {
    const rules = [
      vs('a', {
        hosts: ['reviews'],
        http: [
          {
            name: 'jason',
            match: [{ headers: { 'end-user': { prefix: 'jas' } }, queryParams: { v: { regex: '[0-9]+' } } }],
            route: [{ destination: { host: 'reviews', subset: 'v2' } }],
          },
        ],
      }),
      vs('b', { hosts: ['reviews'], http: [{ name: 'rest', route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] }),
    ];
    expect(selectRoute(rules, request({ headers: { 'end-user': 'jason' }, path: '/?v=12' }), MESH)?.route.name).toBe('jason');
    expect(selectRoute(rules, request({ headers: { 'end-user': 'jason' }, path: '/?v=x' }), MESH)?.route.name).toBe('rest');
    expect(selectRoute(rules, request(), MESH)?.route.name).toBe('rest');
  });

  it('matches withoutHeaders, port and sourceNamespace', () => {
    const rules = [
      vs('a', {
        hosts: ['reviews'],
        http: [{ name: 'x', match: [{ withoutHeaders: { debug: {} }, port: 8080, sourceNamespace: 'web' }], route: [{ destination: { host: 'reviews' } }] }],
      }),
    ];
    expect(selectRoute(rules, request({ sourceNamespace: 'web' }), MESH)?.route.name).toBe('x');
    expect(selectRoute(rules, request({ sourceNamespace: 'web', headers: { debug: '1' } }), MESH)).toBeUndefined();
    expect(selectRoute(rules, request({ sourceNamespace: 'web', port: 9080 }), MESH)).toBeUndefined();
    expect(selectRoute(rules, request({ sourceNamespace: 'shop' }), MESH)).toBeUndefined();
  });

  it('picks weighted destinations in proportion', () => {
    const items = [
      { weight: 90, name: 'a' },
      { weight: 10, name: 'b' },
    ];
    expect(pickWeighted(items, () => 0.5)?.name).toBe('a');
    expect(pickWeighted(items, () => 0.95)?.name).toBe('b');
    expect(pickWeighted(items, () => 0.8999)?.name).toBe('a');
  });
});
