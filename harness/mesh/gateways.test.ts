/** Fidelity tests for ingress and egress gateways, ServiceEntry and outbound traffic policy. */
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeshWorld, type Pod } from './__tests__/world.js';

let world: MeshWorld;
beforeEach(async () => {
  world = await new MeshWorld().start();
});
afterEach(() => world.stop());

const istio = (kind: string, name: string, spec: Record<string, unknown>, namespace = 'default') => ({
  apiVersion: `networking.istio.io/v1`,
  kind,
  metadata: { name, namespace },
  spec,
});

async function ingressGet(path: string, host: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const address = world.plane.ingressAddress();
  if (!address) throw new Error('no ingress address');
  // fetch() cannot set Host; the tutorials' curl -H "Host: ..." can.
  return new Promise((resolve, reject) => {
    http
      .get({ host: address.host, port: address.port, path, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('ingress gateway', () => {
  beforeEach(async () => {
    await world.gateway('ingressgateway');
    world.service('flask', { app: 'flask' }, { port: 5000 });
    await world.pod({ name: 'flask-v1', labels: { app: 'flask', version: 'v1' } });
    await world.apply(
      istio('Gateway', 'flask-gateway', {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['flask.example.com'] }],
      }),
    );
    await world.apply(
      istio('VirtualService', 'flask', {
        hosts: ['flask.example.com'],
        gateways: ['flask-gateway'],
        http: [{ match: [{ uri: { prefix: '/list' } }, { uri: { prefix: '/home' } }], route: [{ destination: { host: 'flask', port: { number: 5000 } } }] }],
      }),
    );
  });

  it('Flask tutorial: Host flask.example.com with prefix /list reaches the app through the ingress, answered by server istio-envoy', async () => {
    const res = await ingressGet('/list', 'flask.example.com');
    expect(res.status).toBe(200);
    expect(res.headers.server).toBe('istio-envoy');
    expect(res.headers['x-envoy-upstream-service-time']).toBeDefined();
    expect(JSON.parse(res.body)).toMatchObject({ pod: 'flask-v1', path: '/list', host: 'flask.example.com' });
  });

  it('ingress task: an unmatched path and an unmatched host both get 404', async () => {
    expect((await ingressGet('/admin', 'flask.example.com')).status).toBe(404);
    const wrongHost = await ingressGet('/list', 'other.example.com');
    expect(wrongHost.status).toBe(404);
    expect(wrongHost.headers.server).toBe('istio-envoy');
  });

  it('a port no Gateway server names has no listener: the connection is refused, not answered 404 (istio/istio@1.30.3 pilot/pkg/networking/core/gateway.go buildGatewayListeners)', async () => {
    await world.apply(
      istio('Gateway', 'flask-gateway', {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['flask.example.com'], tls: { mode: 'SIMPLE', credentialName: 'flask' } }],
      }),
    );
    await expect(ingressGet('/list', 'flask.example.com')).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it("a Gateway server may name the gateway Service's targetPort (8080) instead of its port (80)", async () => {
    await world.apply(
      istio('Gateway', 'by-target-port', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080 }, hosts: ['minimal.svc.kind.org'] }] }),
    );
    await world.apply(
      istio('VirtualService', 'minimal', {
        hosts: ['minimal.svc.kind.org'],
        gateways: ['by-target-port'],
        http: [{ route: [{ destination: { host: 'flask', port: { number: 5000 } } }] }],
      }),
    );
    expect((await ingressGet('/', 'minimal.svc.kind.org')).status).toBe(200);
  });

  it('a wildcard server host with a VirtualService for "*" serves any Host; exact URIs match only themselves', async () => {
    await world.apply(istio('Gateway', 'any', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80 }, hosts: ['*'] }] }));
    await world.apply(
      istio('VirtualService', 'notes', {
        hosts: ['*'],
        gateways: ['any'],
        http: [{ match: [{ uri: { exact: '/' } }, { uri: { exact: '/add-note' } }], route: [{ destination: { host: 'flask', port: { number: 5000 } } }] }],
      }),
    );
    expect((await ingressGet('/add-note', 'anything.test')).status).toBe(200);
    expect((await ingressGet('/add-note/x', 'anything.test')).status).toBe(404);
  });
});

describe('egress', () => {
  let client: Pod;
  beforeEach(async () => {
    client = await world.pod({ name: 'client', labels: { app: 'client' } });
    await world.externalServer(['minimal.external.kind.org', '192.0.2.10'], (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ servedBy: 'external', host: req.headers.host, via: req.headers['x-forwarded-client-cert'] ?? null }));
    });
  });

  const entry = (resolution: 'DNS' | 'STATIC') =>
    istio('ServiceEntry', 'minimal-external', {
      hosts: ['minimal.external.kind.org'],
      location: 'MESH_EXTERNAL',
      ports: [{ number: 9090, name: 'http', protocol: 'HTTP' }],
      resolution,
      ...(resolution === 'STATIC' ? { endpoints: [{ address: '192.0.2.10' }] } : {}),
    });

  it('ALLOW_ANY (the default) lets a sidecar reach an external host without a ServiceEntry', async () => {
    const { results } = await world.forward(client, { url: 'http://minimal.external.kind.org:9090/' });
    expect(results[0]).toMatchObject({ status: 200, body: { servedBy: 'external' } });
  });

  it('egress task: REGISTRY_ONLY (mesh config) blocks an external host until a ServiceEntry (DNS) allows it: 502 where an HTTP service has the port, a reset where none has (istio/istio@1.30.3 pilot/pkg/networking/core/httproute.go block_all, BlackHoleCluster)', async () => {
    await world.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', namespace: 'istio-system' },
      data: { mesh: 'outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n' },
    });
    expect((await world.forward(client, { url: 'http://minimal.external.kind.org:9090/' })).results[0]!.status).toBe(0);
    world.service('metrics', { app: 'metrics' }, { port: 9090 });
    expect((await world.forward(client, { url: 'http://minimal.external.kind.org:9090/' })).results[0]!.status).toBe(502);
    await world.apply(entry('DNS'));
    expect((await world.forward(client, { url: 'http://minimal.external.kind.org:9090/' })).results[0]).toMatchObject({
      status: 200,
      body: { servedBy: 'external' },
    });
  });

  it('a Sidecar resource with REGISTRY_ONLY blocks per namespace; STATIC endpoints resolve by address', async () => {
    await world.apply(istio('Sidecar', 'default', { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }));
    expect((await world.forward(client, { url: 'http://minimal.external.kind.org:9090/' })).results[0]!.status).toBe(0);
    await world.apply(entry('STATIC'));
    expect((await world.forward(client, { url: 'http://minimal.external.kind.org:9090/' })).results[0]!.status).toBe(200);
  });

  it('kube-meshy egress gateway: mesh traffic to the external host goes through istio-egressgateway, then out', async () => {
    const gateway = await world.gateway('egressgateway');
    await world.apply(entry('DNS'));
    await world.apply(
      istio('Gateway', 'istio-egressgateway', {
        selector: { istio: 'egressgateway' },
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['minimal.external.kind.org'] }],
      }),
    );
    await world.apply(
      istio('DestinationRule', 'egressgateway-for-minimal', { host: 'istio-egressgateway.istio-system.svc.cluster.local', subsets: [{ name: 'minimal' }] }),
    );
    await world.apply(
      istio('VirtualService', 'direct-minimal-through-egress-gateway', {
        hosts: ['minimal.external.kind.org'],
        gateways: ['istio-egressgateway', 'mesh'],
        http: [
          {
            match: [{ gateways: ['mesh'], port: 9090 }],
            route: [{ destination: { host: 'istio-egressgateway.istio-system.svc.cluster.local', subset: 'minimal', port: { number: 80 } } }],
          },
          { match: [{ gateways: ['istio-egressgateway'], port: 80 }], route: [{ destination: { host: 'minimal.external.kind.org', port: { number: 9090 } } }] },
        ],
      }),
    );
    const { results } = await world.forward(client, { url: 'http://minimal.external.kind.org:9090/', count: 3 });
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    // The gateway counted the requests it forwarded: they went through it.
    const prometheus = await world.plane.startAddon(
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'prometheus-1', namespace: 'istio-system' } },
      'prom/prometheus:v3.5.0',
    );
    const query = encodeURIComponent(`sum(istio_requests_total{source_workload="${gateway.metadata.name}",destination_service="minimal.external.kind.org"})`);
    const answer = (await (await fetch(`http://${prometheus!.host}:${prometheus!.port}/api/v1/query?query=${query}`)).json()) as {
      data: { result: Array<{ value: [number, string] }> };
    };
    expect(answer.data.result[0]!.value[1]).toBe('3');
  });

  it('a pod without a sidecar reaches external hosts by DNS whatever the outbound policy', async () => {
    const plain = await world.pod({ name: 'plain', labels: { app: 'plain' }, sidecar: false });
    await world.apply(istio('Sidecar', 'default', { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }));
    expect((await world.forward(plain, { url: 'http://minimal.external.kind.org:9090/' })).results[0]!.status).toBe(200);
    const unknown = (await world.forward(plain, { url: 'http://nowhere.invalid/' })).results[0]!;
    expect(unknown.status).toBe(0);
  });
});
