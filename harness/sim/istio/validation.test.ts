/**
 * What a cluster says to Istio objects. Sources: istio/istio@1.30.3
 * pkg/config/validation/{validation.go,virtualservice.go} (the webhook's texts) and
 * manifests/charts/base/files/crd-all.gen.yaml (the schema); kubernetes/apiserver@v0.36.3
 * pkg/admission/plugin/webhook/errors/statuserror.go (a denial is 400), kubernetes/apimachinery@v0.36.3
 * pkg/util/validation/field/errors.go and kubernetes/apiextensions-apiserver@v0.36.3
 * pkg/apiserver/schema/cel/validation.go (how schema violations are worded).
 */
import { describe, expect, it } from 'vitest';
import type { ApiError } from '../store/errors.js';
import { reviewIstioObject, schemaViolations } from './validation.js';

const object = (kind: string, spec: unknown, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1',
  kind,
  metadata: { name: 'r', namespace: 'shop', ...metadata },
  spec,
});
const vs = (spec: unknown) => object('VirtualService', spec);

/** The webhook's denial, or its warnings when it accepts. */
function review(group: string, kind: string, obj: any): { status: Record<string, unknown> } | { warnings: string[] } {
  try {
    return { warnings: reviewIstioObject(group, kind, obj) };
  } catch (error) {
    return { status: (error as ApiError).toStatus() };
  }
}

const denial = (message: string) => ({
  status: {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `admission webhook "validation.istio.io" denied the request: configuration is invalid: ${message}`,
    code: 400,
  },
});

const schema = (group: string, kind: string, obj: any) => schemaViolations(group, kind, obj).map((c) => `${c.field}: ${c.message}`);

describe('istiod webhook', () => {
  it('accepts weights that do not add up to 100: Envoy treats them as relative (validateHTTPRouteDestinations)', () => {
    const routes = (...weights: number[]) =>
      vs({ hosts: ['r'], http: [{ route: weights.map((weight, i) => ({ destination: { host: 'r', subset: `v${i}` }, weight })) }] });
    expect(review('networking.istio.io', 'VirtualService', routes(90, 20))).toEqual({ warnings: [] });
    expect(review('networking.istio.io', 'VirtualService', routes(33, 33, 33))).toEqual({ warnings: [] });
    expect(review('networking.istio.io', 'VirtualService', routes(0, 0))).toEqual(denial('total destination weight = 0'));
    expect(review('networking.istio.io', 'VirtualService', routes(0))).toEqual({ warnings: [] });
  });

  it('accepts a delegate VirtualService without hosts and a route to a subset no DestinationRule defines', () => {
    expect(review('networking.istio.io', 'VirtualService', vs({ http: [{ route: [{ destination: { host: 'r', subset: 'nowhere' } }] }] }))).toEqual({
      warnings: [],
    });
  });

  it('lists several errors as go-multierror does (hashicorp/go-multierror@v1.1.1 format.go)', () => {
    const spec = { hosts: ['r'], http: [{ retries: { perTryTimeout: '2s' }, route: [{ destination: { host: 'r' }, weight: -1 }] }] };
    expect(review('networking.istio.io', 'VirtualService', vs(spec))).toEqual(
      denial('2 errors occurred:\n\t* http retry policy configured when attempts are set to 0 (disabled)\n\t* weight -1 < 0\n\n'),
    );
    expect(review('networking.istio.io', 'VirtualService', vs({ hosts: ['r'] }))).toEqual(denial('http, tcp or tls must be provided in virtual service'));
  });

  it('checks faults as validateHTTPFaultInjection does: a delay needs no fixedDelay, an abort without a type is a warning', () => {
    const fault = (f: unknown) => vs({ hosts: ['r'], http: [{ fault: f, route: [{ destination: { host: 'r' } }] }] });
    expect(review('networking.istio.io', 'VirtualService', fault({ delay: { percentage: { value: 50 } } }))).toEqual({ warnings: [] });
    expect(review('networking.istio.io', 'VirtualService', fault({ abort: { percentage: { value: 50 } } }))).toEqual({
      warnings: ['abort configured, but error type not set'],
    });
    expect(review('networking.istio.io', 'VirtualService', fault({ delay: { fixedDelay: '1s', percentage: { value: 120 } } }))).toEqual(
      denial('percentage 120 is neither 0.0, nor in range [0.0001, 100.0]'),
    );
    expect(review('networking.istio.io', 'VirtualService', fault({ abort: { httpStatus: 700 } }))).toEqual(denial('HTTP status 700 is not in range 200-599'));
    expect(review('networking.istio.io', 'VirtualService', fault({ delay: { fixedDelay: '1s', percentage: { value: 0.00005 } } }))).toEqual(
      denial('percentage 5e-05 is neither 0.0, nor in range [0.0001, 100.0]'),
    );
  });

  it('takes the port protocols of protocol.Parse, REDIS, MYSQL and HTTP_PROXY included', () => {
    const gateway = (protocol: string) => object('Gateway', { servers: [{ port: { number: 6379, name: 'p', protocol }, hosts: ['*'] }] });
    for (const protocol of ['REDIS', 'MYSQL', 'HTTP_PROXY', 'grpc-web'])
      expect(review('networking.istio.io', 'Gateway', gateway(protocol)), protocol).toEqual({ warnings: [] });
    expect(review('networking.istio.io', 'Gateway', gateway('QUIC'))).toEqual(
      denial('invalid protocol "QUIC", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP'),
    );
    const entry = (protocol: string) =>
      object('ServiceEntry', { hosts: ['db.example.com'], resolution: 'DNS', ports: [{ number: 3306, name: 'db', protocol }] });
    expect(review('networking.istio.io', 'ServiceEntry', entry('MYSQL'))).toEqual({ warnings: [] });
    expect(review('networking.istio.io', 'ServiceEntry', entry('QUIC'))).toEqual(denial('unsupported protocol: QUIC'));
  });

  it('warns about a TCP ServiceEntry port without addresses when no address is auto-allocated (resolution NONE, or opted out)', () => {
    const warning = 'addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled';
    const entry = (spec: Record<string, unknown>, labels?: Record<string, string>) =>
      object('ServiceEntry', { hosts: ['db.example.com'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], ...spec }, labels ? { labels } : {});
    expect(review('networking.istio.io', 'ServiceEntry', entry({ resolution: 'NONE' }))).toEqual({ warnings: [warning] });
    expect(review('networking.istio.io', 'ServiceEntry', entry({ resolution: 'DNS' }))).toEqual({ warnings: [] });
    expect(review('networking.istio.io', 'ServiceEntry', entry({ resolution: 'DNS' }, { 'networking.istio.io/enable-autoallocate-ip': 'false' }))).toEqual({
      warnings: [warning],
    });
    expect(review('networking.istio.io', 'ServiceEntry', entry({ resolution: 'NONE', addresses: ['10.0.0.1'] }))).toEqual({ warnings: [] });
  });

  it('checks DestinationRules and prefixes AuthorizationPolicy errors with the policy (multierror.Prefix)', () => {
    const spec = { host: 'r', subsets: [{ name: 'v1' }, { name: 'v1' }], trafficPolicy: { outlierDetection: { consecutiveErrors: 1 } } };
    const rule = object('DestinationRule', spec);
    expect(review('networking.istio.io', 'DestinationRule', rule)).toEqual(denial('duplicate subset names: v1'));
    expect(review('networking.istio.io', 'DestinationRule', object('DestinationRule', { ...spec, subsets: [] }))).toEqual({
      warnings: ['outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead'],
    });
    const policy = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'ext', namespace: 'shop' },
      spec: { action: 'CUSTOM', rules: [{}] },
    };
    expect(review('security.istio.io', 'AuthorizationPolicy', policy)).toEqual(denial('invalid policy ext.shop: `provider.name` must not be empty'));
  });
});

describe('CRD schema', () => {
  it('reports missing required fields and unknown enum values as the API server words them', () => {
    expect(schema('networking.istio.io', 'DestinationRule', object('DestinationRule', { subsets: [{}], trafficPolicy: { tls: { mode: 'ON' } } }))).toEqual([
      'spec.host: Required value',
      'spec.trafficPolicy.tls.mode: Unsupported value: "ON": supported values: "DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"',
      'spec.subsets[0].name: Required value',
    ]);
    expect(schema('networking.istio.io', 'Gateway', object('Gateway', { servers: [{ port: { number: 80, protocol: 'HTTP' } }] }))).toEqual([
      'spec.servers[0].hosts: Required value',
      'spec.servers[0].port.name: Required value',
    ]);
    expect(schema('networking.istio.io', 'VirtualService', vs({ hosts: ['r'], http: [{ route: [{ destination: {} }] }] }))).toEqual([
      'spec.http[0].route[0].destination.host: Required value',
    ]);
  });

  it("checks durations with the CRD's CEL rule, which fails to evaluate on a string time.ParseDuration refuses", () => {
    const timeout = (value: string) =>
      schema('networking.istio.io', 'VirtualService', vs({ hosts: ['r'], http: [{ timeout: value, route: [{ destination: { host: 'r' } }] }] }));
    expect(timeout('1.5s')).toEqual([]);
    expect(timeout('500us')).toEqual(['spec.http[0].timeout: Invalid value: "500us": must be a valid duration greater than 1ms']);
    expect(timeout('5 seconds')).toEqual([
      "spec.http[0].timeout: Invalid value: \"string\": type conversion error from 'string' to 'google.protobuf.Duration' evaluating rule: must be a valid duration greater than 1ms",
    ]);
  });

  it('applies the CEL rules on whole objects without printing the object', () => {
    const peer = {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'p' },
      spec: { mtls: { mode: 'strict' }, portLevelMtls: { 8080: { mode: 'DISABLE' } } },
    };
    expect(schema('security.istio.io', 'PeerAuthentication', peer)).toEqual([
      'spec.mtls.mode: Unsupported value: "strict": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
      'spec: Invalid value: portLevelMtls requires selector',
    ]);
    expect(schemaViolations('security.istio.io', 'PeerAuthentication', peer as never)[0]).toMatchObject({
      reason: 'FieldValueNotSupported',
      field: 'spec.mtls.mode',
    });
  });
});
