import { describe, expect, it } from 'vitest';
import { compileMeshConfig } from './compile.js';
import { compileDestinationRule } from './compile/destination-rule.js';
import { ConfigError } from './compile/fields.js';
import { compileGateway } from './compile/gateway.js';
import { compileMeshSettings } from './compile/mesh-settings.js';
import { compilePeerAuthentication } from './compile/peer-authentication.js';
import { compileServiceEntry } from './compile/service-entry.js';
import { compileSidecar } from './compile/sidecar.js';
import { compileVirtualService, DEFAULT_RETRY_POLICY } from './compile/virtual-service.js';
import type { KubeObject } from './types.js';

const object = (kind: string, spec: unknown, namespace = 'shop'): KubeObject => ({
  apiVersion: kind === 'PeerAuthentication' ? 'security.istio.io/v1' : 'networking.istio.io/v1',
  kind,
  metadata: { name: 'it', namespace, generation: 3 },
  spec,
});

describe('compileVirtualService', () => {
  it('expands short hosts relative to its namespace and defaults gateways to mesh', () => {
    const vs = compileVirtualService(
      object('VirtualService', { hosts: ['reviews', 'flask.example.com'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }),
    );
    expect(vs.hosts).toEqual(['reviews.shop.svc.cluster.local', 'flask.example.com']);
    expect(vs.gateways).toEqual(['mesh']);
    expect(vs.http[0]!.route[0]).toMatchObject({ host: 'reviews.shop.svc.cluster.local', weight: 100 });
    expect(vs.http[0]!.retries).toBeUndefined();
  });

  it('reads both fault percentage forms and gateway names with and without namespace', () => {
    const vs = compileVirtualService(
      object('VirtualService', {
        hosts: ['x'],
        gateways: ['gw', 'istio-system/shared', 'mesh'],
        http: [
          {
            fault: { delay: { fixedDelay: '3s', percent: 50 }, abort: { httpStatus: 503, percentage: { value: 12.5 } } },
            match: [{ gateways: ['gw'] }],
            route: [{ destination: { host: 'x' } }],
          },
        ],
      }),
    );
    expect(vs.gateways).toEqual(['shop/gw', 'istio-system/shared', 'mesh']);
    expect(vs.http[0]!.fault).toEqual({ delay: { ms: 3000, percent: 50 }, abort: { status: 503, percent: 12.5 } });
    expect(vs.http[0]!.matches[0]!.gateways).toEqual(['shop/gw']);
  });

  it('reads retryOn conditions and status codes; retries without attempts retry nothing (istio/istio@1.30.3 pilot/pkg/networking/core/route/retry/retry.go ConvertPolicy: Attempts <= 0 returns no policy)', () => {
    const vs = compileVirtualService(
      object('VirtualService', {
        hosts: ['x'],
        http: [{ retries: { perTryTimeout: '2s', retryOn: 'gateway-error,retriable-4xx,503' }, route: [{ destination: { host: 'x' } }] }],
      }),
    );
    const retries = vs.http[0]!.retries!;
    expect(retries.attempts).toBe(0);
    expect(retries.perTryTimeoutMs).toBe(2000);
    expect([...retries.retryOn].sort()).toEqual(['gateway-error', 'retriable-4xx', 'retriable-status-codes']);
    expect([...retries.retriableStatusCodes]).toEqual([503]);
    expect(DEFAULT_RETRY_POLICY.retryOn.has('5xx')).toBe(false);
    expect(DEFAULT_RETRY_POLICY.retryOn.has('connect-failure')).toBe(true);
  });

  it.each([
    [{ hosts: [], http: [] }, 'VirtualService shop/it: spec.hosts needs at least one host'],
    [
      { hosts: ['x'], http: [{ route: [{ destination: { host: 'x' }, weight: 'half' }] }] },
      'spec.http[0].route[0].weight must be an integer from 0 to 100 (got "half")',
    ],
    [
      { hosts: ['x'], http: [{ route: [{ destination: { host: 'a' } }, { destination: { host: 'b' } }] }] },
      'spec.http[0].route has several destinations but no weights',
    ],
    [
      { hosts: ['x'], http: [{ retries: { retryOn: '5xx,sometimes' }, route: [{ destination: { host: 'x' } }] }] },
      'spec.http[0].retries.retryOn has unknown condition "sometimes"',
    ],
    [
      { hosts: ['x'], http: [{ match: [{ uri: { regex: '(' } }], route: [{ destination: { host: 'x' } }] }] },
      'spec.http[0].match[0].uri.regex is not a valid regular expression',
    ],
    [
      { hosts: ['x'], http: [{ fault: { abort: { percentage: { value: 10 } } }, route: [{ destination: { host: 'x' } }] }] },
      'spec.http[0].fault.abort.httpStatus is required, e.g. 500',
    ],
    [
      { hosts: ['x'], http: [{ fault: { delay: { fixedDelay: '1s', percentage: { value: 150 } } }, route: [{ destination: { host: 'x' } }] }] },
      'spec.http[0].fault.delay.percentage.value must be a number from 0 to 100 (got 150)',
    ],
    [{ hosts: ['x'], http: [{ match: [{ headers: { a: { exact: 'b' } } }] }] }, 'spec.http[0] needs a route, a redirect or a directResponse'],
  ])('refuses bad input naming the field: %#', (spec, message) => {
    expect(() => compileVirtualService(object('VirtualService', spec))).toThrow(ConfigError);
    expect(() => compileVirtualService(object('VirtualService', spec))).toThrow(message);
  });
});

describe('other kinds', () => {
  it('DestinationRule subsets inherit the rule policy field by field', () => {
    const rule = compileDestinationRule(
      object('DestinationRule', {
        host: 'backend',
        trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } } },
        subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'DISABLE' } } }],
      }),
    );
    expect(rule.host).toBe('backend.shop.svc.cluster.local');
    expect(rule.subsets.get('v1')).toMatchObject({
      labels: { version: 'v1' },
      trafficPolicy: { tlsMode: 'DISABLE', connectionPool: { maxConnections: 1, http1MaxPendingRequests: 1 } },
    });
    expect(() => compileDestinationRule(object('DestinationRule', { host: 'b', trafficPolicy: { tls: { mode: 'MTLS' } } }))).toThrow(
      'spec.trafficPolicy.tls.mode must be one of DISABLE, ISTIO_MUTUAL, SIMPLE, MUTUAL (got "MTLS")',
    );
  });

  it("outlierDetection: the deprecated consecutiveErrors is ignored and consecutive 5xx stays at Envoy's 5 unless set (istio/istio@1.30.3 pilot/pkg/networking/core/cluster_traffic_policy.go applyOutlierDetection)", () => {
    const rule = compileDestinationRule(
      object('DestinationRule', { host: 'b', trafficPolicy: { outlierDetection: { consecutiveErrors: 1, baseEjectionTime: '3m' } } }),
    );
    expect(rule.trafficPolicy.outlierDetection).toEqual({
      consecutive5xxErrors: 5,
      consecutiveGatewayErrors: undefined,
      baseEjectionTimeMs: 180_000,
      maxEjectionPercent: 10,
    });
    const gateway = compileDestinationRule(object('DestinationRule', { host: 'b', trafficPolicy: { outlierDetection: { consecutiveGatewayErrors: 2 } } }));
    expect(gateway.trafficPolicy.outlierDetection).toMatchObject({ consecutive5xxErrors: 5, consecutiveGatewayErrors: 2 });
  });

  it('Gateway hosts in ns/host, ./host and bare forms', () => {
    const gateway = compileGateway(
      object('Gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80 }, hosts: ['*', 'apps/*.example.com', './local.test'] }] }),
    );
    expect(gateway.servers[0]!.hosts).toEqual([
      { namespace: '*', host: '*' },
      { namespace: 'apps', host: '*.example.com' },
      { namespace: 'shop', host: 'local.test' },
    ]);
    expect(() => compileGateway(object('Gateway', { servers: [{ port: { number: 80 } }] }))).toThrow(
      'Gateway shop/it: spec.servers[0].hosts needs at least one host, e.g. "*"',
    );
  });

  it('ServiceEntry STATIC needs endpoints', () => {
    expect(() => compileServiceEntry(object('ServiceEntry', { hosts: ['a.test'], resolution: 'STATIC', ports: [{ number: 80 }] }))).toThrow(
      'spec.endpoints is required with resolution STATIC',
    );
    expect(compileServiceEntry(object('ServiceEntry', { hosts: ['A.test'], resolution: 'DNS', ports: [{ number: 80, name: 'http' }] }))).toMatchObject({
      hosts: ['a.test'],
      location: 'MESH_EXTERNAL',
    });
  });

  it('PeerAuthentication modes, UNSET inheriting, and per-port settings', () => {
    const pa = compilePeerAuthentication(
      object('PeerAuthentication', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'UNSET' }, portLevelMtls: { 8080: { mode: 'STRICT' } } }),
    );
    expect(pa).toMatchObject({ selector: { app: 'db' }, mode: undefined });
    expect(pa.portModes.get(8080)).toBe('STRICT');
  });

  it('mesh config: outboundTrafficPolicy and default exportTo from the istio ConfigMap, ALLOW_ANY and "*" by default', () => {
    const configMap = (mesh: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', namespace: 'istio-system' },
      data: { mesh },
    });
    expect(compileMeshSettings(undefined)).toMatchObject({
      outboundMode: 'ALLOW_ANY',
      exportToDefaults: { service: '*', virtualService: '*', destinationRule: '*' },
    });
    expect(compileMeshSettings(configMap('accessLogFile: /dev/stdout\noutboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n')).outboundMode).toBe('REGISTRY_ONLY');
    expect(compileMeshSettings(configMap('defaultVirtualServiceExportTo: ["."]\ndefaultServiceExportTo: [".", "*"]\n')).exportToDefaults).toEqual({
      service: '*',
      virtualService: '.',
      destinationRule: '*',
    });
    expect(() => compileMeshSettings(configMap('outboundTrafficPolicy: {mode: CLOSED}'))).toThrow(
      'ConfigMap istio-system/istio: data.mesh.outboundTrafficPolicy.mode must be one of ALLOW_ANY, REGISTRY_ONLY (got "CLOSED")',
    );
  });

  it('exportTo: "." is the own namespace, "~" nobody (ServiceEntry only), "*" everybody; unset leaves the mesh default', () => {
    const vs = (exportTo?: string[]) =>
      compileVirtualService(object('VirtualService', { hosts: ['a'], exportTo, http: [{ route: [{ destination: { host: 'a' } }] }] }));
    expect(vs().exportTo).toBeUndefined();
    expect(vs(['*']).exportTo).toBe('*');
    expect(vs(['.', 'istio-system']).exportTo).toEqual(new Set(['shop', 'istio-system']));
    expect(() => vs(['~'])).toThrow('VirtualService shop/it: spec.exportTo[0] cannot be "~" (none): only a ServiceEntry can be exported to nobody');
    expect(compileServiceEntry(object('ServiceEntry', { hosts: ['a.test'], exportTo: ['~'] })).exportTo).toEqual(new Set());
    expect(compileServiceEntry(object('ServiceEntry', { hosts: ['a.test'], exportTo: ['.'] })).exportTo).toEqual(new Set(['shop']));
    expect(compileDestinationRule(object('DestinationRule', { host: 'a', exportTo: ['other'] })).exportTo).toEqual(new Set(['other']));
  });

  it.each([
    [['*', '.'], 'spec.exportTo cannot combine "*" or "~" with other entries'],
    [['~', 'other'], 'spec.exportTo cannot combine "*" or "~" with other entries'],
    [['.', 'shop'], 'spec.exportTo has "shop" twice ("." is the namespace shop)'],
    [['Bad_Name'], 'spec.exportTo[0] must be "*", ".", "~" or a namespace name (got "Bad_Name")'],
  ])("refuses exportTo %j as Istio's validation does", (exportTo, message) => {
    expect(() => compileServiceEntry(object('ServiceEntry', { hosts: ['a.test'], exportTo }))).toThrow(message);
  });

  it('Sidecar egress hosts are namespace/dnsName; without egress it imports every namespace', () => {
    expect(compileSidecar(object('Sidecar', { egress: [{ port: { number: 80 }, hosts: ['./*', 'istio-system/*', '*/Api.example.com'] }] })).egress).toEqual([
      {
        port: 80,
        hosts: [
          { namespace: '.', host: '*' },
          { namespace: 'istio-system', host: '*' },
          { namespace: '*', host: 'api.example.com' },
        ],
      },
    ]);
    expect(compileSidecar(object('Sidecar', { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } })).egress).toEqual([
      { hosts: [{ namespace: '*', host: '*' }] },
    ]);
    expect(() => compileSidecar(object('Sidecar', { egress: [{ hosts: ['api.example.com'] }] }))).toThrow(
      'Sidecar shop/it: spec.egress[0].hosts[0] must be namespace/dnsName, e.g. "./*" or "istio-system/*" (got "api.example.com")',
    );
    expect(() => compileSidecar(object('Sidecar', { egress: [{ hosts: [] }] }))).toThrow('spec.egress[0].hosts needs at least one host');
  });
});

describe('compileMeshConfig', () => {
  it('keeps the good objects and reports the bad ones', () => {
    const good = object('VirtualService', { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }] });
    const bad = {
      ...object('VirtualService', { hosts: ['b'], http: [{ timeout: 5, route: [{ destination: { host: 'b' } }] }] }),
      metadata: { name: 'bad', namespace: 'shop' },
    };
    const errors: string[] = [];
    const config = compileMeshConfig(
      (group, kind) => (group === 'networking.istio.io' && kind === 'VirtualService' ? [good, bad] : []),
      undefined,
      (obj, error) => errors.push(`${obj.metadata.name}: ${error.message}`),
    );
    expect(config.virtualServices.map((v) => v.name)).toEqual(['it']);
    expect(errors).toEqual(['bad: VirtualService shop/bad: spec.http[0].timeout must be a string (got 5)']);
  });
});
