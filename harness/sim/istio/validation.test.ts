import { describe, expect, it } from 'vitest';
import { missingSubsetWarnings, validateIstioObject } from './validation.js';

const vs = (spec: unknown) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r' }, spec });

function problems(group: string, kind: string, obj: any): string[] {
  try {
    validateIstioObject(group, kind, obj);
    return [];
  } catch (error: any) {
    return error.details.causes.map((c: any) => `${c.field}: ${c.message}`);
  }
}

describe('istiod webhook validation', () => {
  it('rejects route weights that do not add up to 100, naming the field', () => {
    const spec = { hosts: ['r'], http: [{ route: [{ destination: { host: 'r', subset: 'v1' }, weight: 90 }, { destination: { host: 'r', subset: 'v2' }, weight: 20 }] }] };
    expect(problems('networking.istio.io', 'VirtualService', vs(spec))).toEqual(['spec.http[0].route: total destination weight 110 != 100']);
  });

  it('accepts a subset no DestinationRule defines and a single unweighted route', () => {
    expect(problems('networking.istio.io', 'VirtualService', vs({ hosts: ['r'], http: [{ route: [{ destination: { host: 'r', subset: 'nowhere' } }] }] }))).toEqual([]);
  });

  it('checks required fields and duration formats', () => {
    const spec = { http: [{ timeout: '5 seconds', route: [{ destination: {} }], fault: { delay: { percentage: { value: 120 } } } }] };
    expect(problems('networking.istio.io', 'VirtualService', vs(spec))).toEqual([
      'spec.hosts: required field is missing',
      'spec.http[0].route[0].destination.host: required field is missing',
      'spec.http[0].timeout: invalid duration "5 seconds": use a number with a unit, e.g. 500ms, 2s, 1m',
      'spec.http[0].fault.delay.fixedDelay: fixedDelay is required for a delay fault',
      'spec.http[0].fault.delay.percentage.value: percentage 120 must be between 0 and 100',
    ]);
  });

  it('checks DestinationRules, Gateways and PeerAuthentications', () => {
    expect(problems('networking.istio.io', 'DestinationRule', { metadata: { name: 'd' }, spec: { host: 'r', subsets: [{ name: 'v1' }, { name: 'v1' }], trafficPolicy: { tls: { mode: 'ON' } } } })).toEqual([
      'spec.trafficPolicy.tls.mode: unsupported value "ON": expected one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL',
      'spec.subsets[1].name: duplicate subset name "v1"',
    ]);
    expect(problems('networking.istio.io', 'Gateway', { metadata: { name: 'g' }, spec: { servers: [{ port: { number: 80, protocol: 'HTTP' } }] } })).toEqual(['spec.servers[0].hosts: required field is missing']);
    expect(problems('security.istio.io', 'PeerAuthentication', { metadata: { name: 'p' }, spec: { mtls: { mode: 'strict' } } })).toEqual([
      'spec.mtls.mode: unsupported value "strict": expected one of UNSET, DISABLE, PERMISSIVE, STRICT',
    ]);
  });

  it('answers like the webhook: 422 whose message names the webhook and the field', () => {
    expect(() => validateIstioObject('networking.istio.io', 'VirtualService', vs({ http: [] }))).toThrow(
      /^admission webhook "validation.istio.io" denied the request: configuration is invalid: spec.hosts: required field is missing/,
    );
  });
});

describe('missing subsets', () => {
  it('warns for a subset no DestinationRule of that host defines, matching short and full host names', () => {
    const route = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'shop' }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 50 }, { destination: { host: 'reviews', subset: 'v3' }, weight: 50 }] }] } };
    const rule = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'd', namespace: 'shop' }, spec: { host: 'reviews.shop.svc.cluster.local', subsets: [{ name: 'v1' }] } };
    expect(missingSubsetWarnings(route, [rule])).toEqual(['subset "v3" of host "reviews" is not defined by any DestinationRule: requests routed to it fail until one defines it']);
    expect(missingSubsetWarnings(route, [])).toHaveLength(2);
  });

  it('reads a short host relative to its own object: a rule for "reviews" in another namespace is another service', () => {
    const route = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'shop' }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] } };
    const elsewhere = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'd', namespace: 'other' }, spec: { host: 'reviews', subsets: [{ name: 'v1' }] } };
    const qualified = { ...elsewhere, spec: { host: 'reviews.shop', subsets: [{ name: 'v1' }] } };
    expect(missingSubsetWarnings(route, [elsewhere])).toHaveLength(1);
    expect(missingSubsetWarnings(route, [qualified])).toEqual([]);
  });
});
