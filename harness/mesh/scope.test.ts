/**
 * Fidelity tests for configuration scoping: exportTo on VirtualService, DestinationRule,
 * ServiceEntry and Services, the Sidecar resource's egress hosts, and Istio's DestinationRule
 * lookup path. Each test names the Istio documentation behaviour it reproduces (Traffic
 * Management Best Practices, "Cross-namespace configuration sharing"; Sidecar reference).
 */
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeshWorld, tally, type Pod } from './__tests__/world.js';

let world: MeshWorld;
beforeEach(async () => {
  world = await new MeshWorld().start();
});
afterEach(() => world.stop());

const istio = (kind: string, name: string, namespace: string, spec: Record<string, unknown>) => ({
  apiVersion: 'networking.istio.io/v1',
  kind,
  metadata: { name, namespace },
  spec,
});
const registryOnly = (namespace: string, spec: Record<string, unknown> = {}) =>
  istio('Sidecar', 'default', namespace, { ...spec, outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
const status = async (from: Pod, url: string) => (await world.forward(from, { url })).results[0]!.status;
/**
 * Blocked under REGISTRY_ONLY on a port where the proxy imports no HTTP service: the virtual
 * outbound listener's BlackHoleCluster resets the connection (status 0); see gateways.test.ts for
 * the 502 of a port that has an HTTP listener.
 */
const BLOCKED = 0;

describe('ServiceEntry exportTo and Sidecar egress hosts', () => {
  const EXTERNAL = 'http://external.meshspec.test/';
  let clientA: Pod;
  let clientB: Pod;
  beforeEach(async () => {
    clientA = await world.pod({ name: 'client-a', namespace: 'team-a', labels: { app: 'client' } });
    clientB = await world.pod({ name: 'client-b', namespace: 'team-b', labels: { app: 'client' } });
    await world.externalServer(['external.meshspec.test'], (_req, res) => res.end('outside'));
  });
  const entry = (namespace: string, extra: Record<string, unknown> = {}) =>
    istio('ServiceEntry', 'external', namespace, {
      hosts: ['external.meshspec.test'],
      location: 'MESH_EXTERNAL',
      ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
      resolution: 'DNS',
      ...extra,
    });

  it('exportTo ".": a ServiceEntry in namespace A opens the host for A only; B stays blocked under REGISTRY_ONLY', async () => {
    await world.apply(registryOnly('team-a'));
    await world.apply(registryOnly('team-b'));
    await world.apply(entry('team-a', { exportTo: ['.'] }));
    expect(await status(clientA, EXTERNAL)).toBe(200);
    expect(await status(clientB, EXTERNAL)).toBe(BLOCKED);
  });

  it('a ServiceEntry exported to "*" (the default) or to B by name opens the host for B too; "~" for nobody', async () => {
    await world.apply(registryOnly('team-b'));
    await world.apply(entry('team-a'));
    expect(await status(clientB, EXTERNAL)).toBe(200);
    await world.apply(entry('team-a', { exportTo: ['team-b'] }));
    expect(await status(clientB, EXTERNAL)).toBe(200);
    await world.apply(entry('team-a', { exportTo: ['~'] }));
    expect(await status(clientB, EXTERNAL)).toBe(BLOCKED);
  });

  it('Sidecar egress hosts "./*" and "istio-system/*": a ServiceEntry exported to all from another namespace is not imported', async () => {
    await world.apply(registryOnly('team-b', { egress: [{ hosts: ['./*', 'istio-system/*'] }] }));
    await world.apply(entry('team-a'));
    expect(await status(clientB, EXTERNAL)).toBe(BLOCKED);
    // "*/external.meshspec.test" imports that host from any namespace.
    await world.apply(registryOnly('team-b', { egress: [{ hosts: ['./*', '*/external.meshspec.test'] }] }));
    expect(await status(clientB, EXTERNAL)).toBe(200);
    // "~/*" imports nothing.
    await world.apply(registryOnly('team-b', { egress: [{ hosts: ['~/*'] }] }));
    expect(await status(clientB, EXTERNAL)).toBe(BLOCKED);
  });

  it('egress hosts of a listener with a port import only on that port', async () => {
    await world.apply(registryOnly('team-b', { egress: [{ port: { number: 9999 }, hosts: ['*/*'] }] }));
    await world.apply(entry('team-a'));
    expect(await status(clientB, EXTERNAL)).toBe(BLOCKED);
  });

  it('Sidecar selection: one selecting the workload wins over the namespace-wide one; the root namespace one applies where a namespace has none', async () => {
    await world.apply(entry('team-a', { exportTo: ['.'] }));
    // Root namespace default: REGISTRY_ONLY everywhere without a Sidecar of its own.
    await world.apply(registryOnly('istio-system'));
    expect(await status(clientB, EXTERNAL)).toBe(BLOCKED);
    await world.apply(istio('Sidecar', 'default', 'team-b', { outboundTrafficPolicy: { mode: 'ALLOW_ANY' } }));
    expect(await status(clientB, EXTERNAL)).toBe(200);
    await world.apply({ ...registryOnly('team-b', { workloadSelector: { labels: { app: 'client' } } }), metadata: { name: 'client', namespace: 'team-b' } });
    expect(await status(clientB, EXTERNAL)).toBe(BLOCKED);
  });
});

describe('Services: exportTo annotation and egress hosts', () => {
  let client: Pod;
  beforeEach(async () => {
    client = await world.pod({ name: 'client', namespace: 'team-b', labels: { app: 'client' } });
    world.host.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'backend', namespace: 'team-a', annotations: { 'networking.istio.io/exportTo': '.' } },
      spec: { selector: { app: 'backend' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
    });
    await world.pod({ name: 'backend-1', namespace: 'team-a', labels: { app: 'backend' } });
  });

  it('a Service annotated networking.istio.io/exportTo "." is unknown to other namespaces: REGISTRY_ONLY blocks it', async () => {
    await world.apply(registryOnly('team-b'));
    expect(await status(client, 'http://backend.team-a:8080/')).toBe(BLOCKED);
  });

  it('under ALLOW_ANY a hidden Service is passthrough: reachable through kube-proxy, but its VirtualService does not apply', async () => {
    await world.apply(
      istio('VirtualService', 'backend', 'team-a', {
        hosts: ['backend'],
        http: [{ fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }, route: [{ destination: { host: 'backend' } }] }],
      }),
    );
    expect(await status(client, 'http://backend.team-a:8080/')).toBe(200);
  });
});

describe('VirtualService exportTo', () => {
  let inside: Pod;
  let outside: Pod;
  beforeEach(async () => {
    world.service('reviews', { app: 'reviews' }, { namespace: 'shop' });
    await world.pod({ name: 'reviews-1', namespace: 'shop', labels: { app: 'reviews' } });
    inside = await world.pod({ name: 'client-in', namespace: 'shop', labels: { app: 'client' } });
    outside = await world.pod({ name: 'client-out', namespace: 'other', labels: { app: 'client' } });
  });
  const teapot = (exportTo?: string[]) =>
    istio('VirtualService', 'reviews', 'shop', {
      hosts: ['reviews'],
      exportTo,
      http: [{ fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }, route: [{ destination: { host: 'reviews' } }] }],
    });

  it('a VirtualService exported to "." applies to clients in its namespace, not to another namespace\'s clients', async () => {
    await world.apply(teapot(['.']));
    expect(await status(inside, 'http://reviews:8080/')).toBe(418);
    expect(await status(outside, 'http://reviews.shop:8080/')).toBe(200);
  });

  it('without exportTo (mesh default "*") it applies to every namespace; defaultVirtualServiceExportTo "." narrows the default', async () => {
    await world.apply(teapot());
    expect(await status(outside, 'http://reviews.shop:8080/')).toBe(418);
    await world.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', namespace: 'istio-system' },
      data: { mesh: 'defaultVirtualServiceExportTo: ["."]\n' },
    });
    expect(await status(outside, 'http://reviews.shop:8080/')).toBe(200);
    expect(await status(inside, 'http://reviews:8080/')).toBe(418);
  });

  it('a gateway sees the VirtualServices exported to its namespace (istio-system) only', async () => {
    await world.gateway('ingressgateway');
    await world.apply(
      istio('Gateway', 'web', 'shop', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80 }, hosts: ['reviews.example.com'] }] }),
    );
    const bound = (exportTo: string[]) =>
      istio('VirtualService', 'web', 'shop', {
        hosts: ['reviews.example.com'],
        gateways: ['web'],
        exportTo,
        http: [{ route: [{ destination: { host: 'reviews', port: { number: 8080 } } }] }],
      });
    await world.apply(bound(['.']));
    expect(await ingressStatus('reviews.example.com')).toBe(404);
    await world.apply(bound(['.', 'istio-system']));
    expect(await ingressStatus('reviews.example.com')).toBe(200);
  });
});

describe('DestinationRule lookup: client namespace, service namespace, root namespace, as exported', () => {
  let client: Pod;
  beforeEach(async () => {
    world.service('reviews', { app: 'reviews' }, { namespace: 'shop' });
    await world.pod({ name: 'reviews-v1', namespace: 'shop', labels: { app: 'reviews', version: 'v1' } });
    await world.pod({ name: 'reviews-v2', namespace: 'shop', labels: { app: 'reviews', version: 'v2' } });
    client = await world.pod({ name: 'client', namespace: 'other', labels: { app: 'client' } });
    await world.apply(
      istio('VirtualService', 'reviews-v2', 'other', {
        hosts: ['reviews.shop.svc.cluster.local'],
        http: [{ route: [{ destination: { host: 'reviews.shop.svc.cluster.local', subset: 'v2' } }] }],
      }),
    );
  });
  const subsets = (name: string, namespace: string, version: string, exportTo?: string[]) =>
    istio('DestinationRule', name, namespace, {
      host: 'reviews.shop.svc.cluster.local',
      exportTo,
      subsets: [{ name: 'v2', labels: { version } }],
    });
  const pods = async () => tally((await world.forward(client, { url: 'http://reviews.shop:8080/', count: 6 })).results.map((r) => r.pod ?? r.status));

  it('a rule in the service namespace exported to "." does not define subsets for other namespaces\' clients (503 no healthy upstream)', async () => {
    await world.apply(subsets('reviews', 'shop', 'v2', ['.']));
    expect(await pods()).toEqual(new Map([[503, 6]]));
    await world.apply(subsets('reviews', 'shop', 'v2'));
    expect(await pods()).toEqual(new Map([['reviews-v2', 6]]));
  });

  it("the client namespace's rule wins over the service namespace's, which wins over the root namespace's", async () => {
    await world.apply(subsets('root', 'istio-system', 'v1'));
    expect(await pods()).toEqual(new Map([['reviews-v1', 6]]));
    await world.apply(subsets('service', 'shop', 'v2'));
    expect(await pods()).toEqual(new Map([['reviews-v2', 6]]));
    await world.apply(subsets('client', 'other', 'v1'));
    expect(await pods()).toEqual(new Map([['reviews-v1', 6]]));
  });
});

async function ingressStatus(host: string): Promise<number> {
  const address = world.plane.ingressAddress();
  if (!address) throw new Error('no ingress address');
  // fetch() cannot set Host; the tutorials' curl -H "Host: ..." can.
  return new Promise((resolve, reject) => {
    http
      .get({ host: address.host, port: address.port, path: '/', headers: { host } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      })
      .on('error', reject);
  });
}
