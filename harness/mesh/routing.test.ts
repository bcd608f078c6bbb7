/**
 * Fidelity tests for service resolution and VirtualService routing. Each test names the Istio
 * documentation outcome it reproduces.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeshWorld, tally, type Pod } from './__tests__/world.js';

let world: MeshWorld;
let client: Pod;

beforeEach(async () => {
  world = await new MeshWorld().start();
  client = await world.pod({ name: 'client', labels: { app: 'client' } });
});
afterEach(() => world.stop());

async function reviews() {
  world.service('reviews', { app: 'reviews' });
  const v1 = await world.pod({ name: 'reviews-v1', labels: { app: 'reviews', version: 'v1' } });
  const v2 = await world.pod({ name: 'reviews-v2', labels: { app: 'reviews', version: 'v2' } });
  await world.apply({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'reviews', namespace: 'default' },
    spec: {
      host: 'reviews',
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
    },
  });
  return { v1, v2 };
}

function virtualService(name: string, spec: Record<string, unknown>, namespace = 'default') {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace }, spec };
}

describe('service resolution', () => {
  it('resolves name, name.ns, name.ns.svc and the FQDN to ready endpoints, like kube-dns and kube-proxy', async () => {
    world.service('backend', { app: 'backend' }, { port: 80, targetPort: 'http' });
    await world.pod({ name: 'backend-1', labels: { app: 'backend' } });
    for (const host of ['backend', 'backend.default', 'backend.default.svc', 'backend.default.svc.cluster.local']) {
      const { results } = await world.forward(client, { url: `http://${host}/x` });
      expect(results[0], host).toMatchObject({ status: 200, pod: 'backend-1' });
    }
  });

  it('spreads requests over the ready pods of a Service and skips pods that are not ready', async () => {
    world.service('backend', { app: 'backend' });
    await world.pod({ name: 'backend-1', labels: { app: 'backend' } });
    await world.pod({ name: 'backend-2', labels: { app: 'backend' } });
    const notReady = await world.pod({ name: 'backend-3', labels: { app: 'backend' } });
    world.host.apply({ ...notReady.object, status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    const { results } = await world.forward(client, { url: 'http://backend:8080/', count: 60, concurrency: 4 });
    const pods = tally(results.map((r) => r.pod));
    expect(pods.get('backend-3')).toBeUndefined();
    expect(pods.get('backend-1')).toBeGreaterThan(10);
    expect(pods.get('backend-2')).toBeGreaterThan(10);
  });

  it('reaches a pod by its IP, with or without a sidecar on the caller', async () => {
    const target = await world.pod({ name: 'target', labels: { app: 'target' } });
    const plain = await world.pod({ name: 'plain', labels: { app: 'plain' }, sidecar: false });
    const ip = target.object.status.podIP as string;
    expect((await world.forward(client, { url: `http://${ip}:8080/` })).results[0]).toMatchObject({ status: 200, pod: 'target' });
    expect((await world.forward(plain, { url: `http://${ip}:8080/` })).results[0]).toMatchObject({ status: 200, pod: 'target' });
  });

  it('answers 503 "no healthy upstream" when a Service has no ready endpoint', async () => {
    world.service('empty', { app: 'nobody' });
    const { results } = await world.forward(client, { url: 'http://empty:8080/' });
    expect(results[0]).toMatchObject({ status: 503, body: 'no healthy upstream' });
  });

  it('answers 503 with an empty body (cluster_not_found, NC) for a subset no DestinationRule defines and a destination host that does not exist (envoyproxy/envoy source/common/router/router.cc; istio/istio@1.30.3 pilot/pkg/networking/core/httproute.go ValidateClusters false)', async () => {
    await reviews();
    await world.apply(virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v3' } }] }] }));
    const missingSubset = (await world.forward(client, { url: 'http://reviews:8080/' })).results[0]!;
    expect(missingSubset).toMatchObject({ status: 503 });
    expect(missingSubset.body ?? '').toBe('');
    await world.apply(virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'nowhere' } }] }] }));
    const missingHost = (await world.forward(client, { url: 'http://reviews:8080/' })).results[0]!;
    expect(missingHost).toMatchObject({ status: 503 });
    expect(missingHost.body ?? '').toBe('');
  });

  it('generates x-request-id and sets x-envoy-attempt-count on the upstream request', async () => {
    world.service('backend', { app: 'backend' });
    await world.pod({ name: 'backend-1', labels: { app: 'backend' } });
    const { results } = await world.forward(client, { url: 'http://backend:8080/', idPrefix: 'rid-' });
    const seen = (results[0]!.body as { headers: Record<string, string> }).headers;
    expect(seen['x-request-id']).toBe('rid-0');
    expect(seen['x-envoy-attempt-count']).toBe('1');
    expect(results[0]!.headers['x-envoy-upstream-service-time']).toMatch(/^\d+$/);
    expect(results[0]!.headers.server).toBe('envoy');
  });
});

describe('VirtualService routing', () => {
  it('traffic shifting task: weight 75/25 over subsets v1/v2 splits requests about 75/25', async () => {
    await reviews();
    await world.apply(
      virtualService('reviews', {
        hosts: ['reviews'],
        http: [
          {
            route: [
              { destination: { host: 'reviews', subset: 'v1' }, weight: 75 },
              { destination: { host: 'reviews', subset: 'v2' }, weight: 25 },
            ],
          },
        ],
      }),
    );
    const { results } = await world.forward(client, { url: 'http://reviews:8080/', count: 400, concurrency: 8 });
    const versions = tally(results.map((r) => r.version));
    // Binomial(400, 0.25): 100 +- 8.7; 60..140 is beyond 4.5 sigma.
    expect(versions.get('v2')).toBeGreaterThan(60);
    expect(versions.get('v2')).toBeLessThan(140);
    expect(versions.get('v1')! + versions.get('v2')!).toBe(400);
  });

  it('request routing task: a header match sends end-user jason to v2 and everyone else to v1', async () => {
    await reviews();
    await world.apply(
      virtualService('reviews', {
        hosts: ['reviews'],
        http: [
          { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
          { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
        ],
      }),
    );
    const jason = await world.forward(client, { url: 'http://reviews:8080/', count: 10, headers: { 'end-user': 'jason' } });
    const anonymous = await world.forward(client, { url: 'http://reviews:8080/', count: 10 });
    expect(new Set(jason.results.map((r) => r.version))).toEqual(new Set(['v2']));
    expect(new Set(anonymous.results.map((r) => r.version))).toEqual(new Set(['v1']));
  });

  it('matches uri prefix/exact/regex, method and query parameters, and answers 404 when no route matches', async () => {
    await reviews();
    await world.apply(
      virtualService('reviews', {
        hosts: ['reviews.default.svc.cluster.local'],
        http: [
          { match: [{ uri: { exact: '/exact' } }], route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
          { match: [{ uri: { prefix: '/api/' }, method: { exact: 'POST' } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
          {
            match: [{ uri: { regex: '/items/[0-9]+' } }, { queryParams: { canary: { exact: 'yes' } } }],
            route: [{ destination: { host: 'reviews', subset: 'v2' } }],
          },
        ],
      }),
    );
    const call = async (path: string, method = 'GET') => (await world.forward(client, { url: `http://reviews:8080${path}`, method })).results[0]!;
    expect(await call('/exact')).toMatchObject({ status: 200, version: 'v1' });
    expect(await call('/exact/more')).toMatchObject({ status: 404 });
    expect(await call('/api/x', 'POST')).toMatchObject({ status: 200, version: 'v2' });
    expect(await call('/api/x', 'GET')).toMatchObject({ status: 404 });
    expect(await call('/items/42')).toMatchObject({ status: 200, version: 'v2' });
    expect(await call('/items/abc')).toMatchObject({ status: 404 });
    expect(await call('/other?canary=yes')).toMatchObject({ status: 200, version: 'v2' });
  });

  it('applies sourceLabels only to callers carrying them', async () => {
    await reviews();
    const tester = await world.pod({ name: 'tester', labels: { app: 'tester' } });
    await world.apply(
      virtualService('reviews', {
        hosts: ['reviews'],
        http: [
          { match: [{ sourceLabels: { app: 'tester' } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
          { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
        ],
      }),
    );
    expect((await world.forward(tester, { url: 'http://reviews:8080/' })).results[0]!.version).toBe('v2');
    expect((await world.forward(client, { url: 'http://reviews:8080/' })).results[0]!.version).toBe('v1');
  });

  it("workshop frontend->backend chain: the frontend's own call is routed by its sidecar and keeps the request id", async () => {
    await reviews();
    world.service('frontend', { app: 'frontend' });
    await world.pod({ name: 'frontend-1', labels: { app: 'frontend' }, upstream: 'http://reviews:8080/notes' });
    await world.apply(virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] }));
    const { results } = await world.forward(client, { url: 'http://frontend:8080/', idPrefix: 'chain-' });
    const body = results[0]!.body as { pod: string; upstream: { status: number; body: { version: string; requestId: string } } };
    expect(body.pod).toBe('frontend-1');
    expect(body.upstream).toMatchObject({ status: 200, body: { version: 'v2', requestId: 'chain-0' } });
  });

  it('port naming: http routes do not apply on a Service port Istio treats as TCP (name tcp-*, mongo, redis or appProtocol)', async () => {
    await reviews();
    world.host.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews', namespace: 'default' },
      spec: { selector: { app: 'reviews' }, ports: [{ name: 'tcp-reviews', port: 8080, targetPort: 8080 }] },
    });
    await world.apply(virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] }));
    const { results } = await world.forward(client, { url: 'http://reviews:8080/', count: 40, concurrency: 4 });
    expect(tally(results.map((r) => r.version)).get('v1')).toBeGreaterThan(5);
  });

  it('answers a caller without a sidecar with server: istio-envoy from the inbound, and a sidecar caller with envoy from its outbound (istio/istio@1.30.3 pilot/pkg/networking/util/proxy_headers.go GetProxyHeadersFromProxyConfig)', async () => {
    world.service('backend', { app: 'backend' });
    await world.pod({ name: 'backend-1', labels: { app: 'backend' } });
    const plain = await world.pod({ name: 'plain', labels: { app: 'plain' }, sidecar: false });
    expect((await world.forward(plain, { url: 'http://backend:8080/' })).results[0]!.headers.server).toBe('istio-envoy');
    expect((await world.forward(client, { url: 'http://backend:8080/' })).results[0]!.headers.server).toBe('envoy');
  });

  it('does not apply VirtualServices to a caller without a sidecar', async () => {
    await reviews();
    const plain = await world.pod({ name: 'plain', labels: { app: 'plain' }, sidecar: false });
    await world.apply(virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] }));
    const { results } = await world.forward(plain, { url: 'http://reviews:8080/', count: 40, concurrency: 4 });
    const versions = tally(results.map((r) => r.version));
    expect(versions.get('v1')).toBeGreaterThan(5);
    expect(versions.get('v2')).toBeGreaterThan(5);
    // No sidecar on the way out: no Envoy headers were added.
    expect((results[0]!.body as { headers: Record<string, string> }).headers['x-envoy-attempt-count']).toBeUndefined();
  });

  it('rewrites uri and authority, sets and removes headers, redirects, and answers directResponse', async () => {
    await reviews();
    await world.apply(
      virtualService('reviews', {
        hosts: ['reviews'],
        http: [
          { match: [{ uri: { prefix: '/old' } }], redirect: { uri: '/new', authority: 'ratings' } },
          { match: [{ uri: { exact: '/maintenance' } }], directResponse: { status: 503, body: { string: 'down for maintenance' } } },
          {
            match: [{ uri: { prefix: '/v1/' } }],
            rewrite: { uri: '/', authority: 'reviews.internal' },
            headers: { request: { set: { 'x-routed': 'yes' }, remove: ['x-secret'] }, response: { add: { 'x-served-by': 'mesh' } } },
            route: [{ destination: { host: 'reviews', subset: 'v1' } }],
          },
        ],
      }),
    );
    const direct = (await world.forward(client, { url: 'http://reviews:8080/maintenance' })).results[0]!;
    expect(direct).toMatchObject({ status: 503, body: 'down for maintenance' });
    const redirect = (await world.forward(client, { url: 'http://reviews:8080/old' })).results[0]!;
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('http://ratings/new');
    const rewritten = (await world.forward(client, { url: 'http://reviews:8080/v1/books?id=1', headers: { 'x-secret': 's' } })).results[0]!;
    const body = rewritten.body as { path: string; host: string; headers: Record<string, string> };
    expect(body.path).toBe('/books?id=1');
    expect(body.host).toBe('reviews.internal');
    expect(body.headers['x-routed']).toBe('yes');
    expect(body.headers['x-secret']).toBeUndefined();
    expect(rewritten.headers['x-served-by']).toBe('mesh');
  });

  it('takes up a change after a bounded push delay, not at once', async () => {
    await reviews();
    const before = world.plane.configGeneration();
    const vs = virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] });
    const pushed = world.apply(vs);
    expect(world.plane.configGeneration()).toBe(before);
    await pushed;
    expect(world.plane.configGeneration()).toBeGreaterThan(before);
    expect((await world.forward(client, { url: 'http://reviews:8080/', count: 5 })).results.every((r) => r.version === 'v2')).toBe(true);
  });

  it('falls back to plain service routing once the VirtualService is deleted', async () => {
    await reviews();
    const route = await world.apply(virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] }));
    const before = world.plane.configGeneration();
    world.host.delete(route);
    await expect.poll(() => world.plane.configGeneration()).toBeGreaterThan(before);
    const { results } = await world.forward(client, { url: 'http://reviews:8080/', count: 40, concurrency: 4 });
    expect(tally(results.map((r) => r.version)).get('v1')).toBeGreaterThan(5);
  });

  it('skips a bad VirtualService with a message naming the field, and keeps serving', async () => {
    await reviews();
    await world.apply(virtualService('broken', { hosts: ['reviews'], http: [{ timeout: 'soon', route: [{ destination: { host: 'reviews' } }] }] }));
    expect(world.logs.join('\n')).toContain('VirtualService default/broken: spec.http[0].timeout must be a duration such as 500ms or 2s (got "soon")');
    expect((await world.forward(client, { url: 'http://reviews:8080/' })).results[0]!.status).toBe(200);
  });
});
