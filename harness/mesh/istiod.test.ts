/**
 * The sim's istiod debug interface over the data plane's push state: the shapes of istio/istio
 * 1.29.6-1.31.0-rc.0 pilot/pkg/xds/debug.go, pushes only where a change can reach
 * (pilot/pkg/xds/proxy_dependencies.go), and callers off the pod's loopback refused as
 * `allowAuthenticatedOrLocalhost` refuses them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePushVersion, pushVersionOfNonce, XDS_TYPES, type ConfigzObject, type SidecarScopeJson, type SyncStatus } from '../istio/debug.js';
import { MeshWorld } from './__tests__/world.js';
import type { KubeObject } from './types.js';

let world: MeshWorld;
let debug: { loopback: { host: string; port: number }; network: { host: string; port: number } };

const istiodPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'istiod-1', namespace: 'istio-system' },
  spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.29.0' }] },
};

async function get<T>(path: string, origin: 'loopback' | 'network' = 'loopback'): Promise<{ status: number; body: T; text: string }> {
  const { host, port } = debug[origin];
  const response = await fetch(`http://${host}:${port}${path}`);
  const text = await response.text();
  return { status: response.status, text, body: (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined) as T };
}

const syncz = async () => (await get<SyncStatus[]>('/debug/syncz')).body;
const clusterNonce = async (id: string) => (await syncz()).find((p) => p.proxy === id)?.resources?.[XDS_TYPES.cluster]?.sent;
const scopeVersion = async (id: string) => (await get<SidecarScopeJson>(`/debug/sidecarz?proxyID=${id}`)).body.version;

const vs = (name: string, namespace: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace },
  spec,
});

beforeEach(async () => {
  world = await new MeshWorld().start();
  debug = (await world.plane.startIstiod(istiodPod))!;
  await world.gateway('ingressgateway');
  await world.pod({ name: 'shop-1', namespace: 'shop', labels: { app: 'shop' } });
  await world.pod({ name: 'other-1', namespace: 'other', labels: { app: 'other' } });
  world.service('shop', { app: 'shop' }, { namespace: 'shop' });
});

afterEach(() => world.stop());

describe("the sim's istiod", () => {
  it('lists every connected proxy in the shape of debug.go SyncStatus, each type sent and acknowledged with a nonce of the push version', async () => {
    const proxies = await syncz();
    // By connection id, as SortedClients orders them.
    expect(proxies.map((p) => [p.proxy, p.proxy_type])).toEqual([
      ['istio-ingressgateway-1.istio-system', 'router'],
      ['other-1.other', 'sidecar'],
      ['shop-1.shop', 'sidecar'],
    ]);
    const shop = proxies.find((p) => p.proxy === 'shop-1.shop')!;
    expect(shop.cluster_id).toBe('Kubernetes');
    expect(Object.keys(shop.resources!).sort()).toEqual(Object.values(XDS_TYPES).sort());
    const cluster = shop.resources![XDS_TYPES.cluster]!;
    expect(cluster.acked).toBe(cluster.sent);
    expect(shop.cluster_sent).toBe(cluster.sent);
    expect(cluster.sentTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(pushVersionOfNonce(cluster.sent!)).toEqual(parsePushVersion(cluster.sent!.slice(0, -36)));
    expect((await get<SyncStatus[]>('/debug/syncz?namespace=shop')).body.map((p) => p.proxy)).toEqual(['shop-1.shop']);
  });

  it('holds every Istio object in configz as crd.ConvertConfig writes it, at its resourceVersion', async () => {
    const stored = await world.apply(vs('shop', 'shop', { hosts: ['shop'], http: [{ route: [{ destination: { host: 'shop' } }] }] }));
    const { body } = await get<ConfigzObject[]>('/debug/configz');
    expect(body).toEqual([
      {
        kind: 'VirtualService',
        apiVersion: 'networking.istio.io/v1',
        metadata: expect.objectContaining({ name: 'shop', namespace: 'shop', resourceVersion: stored.metadata.resourceVersion, generation: 1 }),
        spec: stored.spec,
      },
    ]);
  });

  it('pushes a change only to the proxies it can reach, and rebuilds every scope', async () => {
    const before = {
      shop: await clusterNonce('shop-1.shop'),
      other: await clusterNonce('other-1.other'),
      gateway: await clusterNonce('istio-ingressgateway-1.istio-system'),
    };
    const scopeBefore = await scopeVersion('other-1.other');
    // Exported to its own namespace only: "other" does not import it (sidecar.go DependsOnConfig), gateways take every VirtualService.
    await world.apply(vs('local', 'shop', { hosts: ['shop'], exportTo: ['.'], http: [{ route: [{ destination: { host: 'shop' } }] }] }));
    expect(await clusterNonce('shop-1.shop')).not.toBe(before.shop);
    expect(await clusterNonce('istio-ingressgateway-1.istio-system')).not.toBe(before.gateway);
    expect(await clusterNonce('other-1.other')).toBe(before.other);
    const rebuilt = await scopeVersion('other-1.other');
    expect(rebuilt).not.toBe(scopeBefore);
    expect(pushVersionOfNonce((await clusterNonce('shop-1.shop'))!)).toEqual(parsePushVersion(rebuilt));
  });

  it('does not push a Sidecar to gateways (UnAffectedConfigKinds), nor to sidecars it does not select', async () => {
    const gateway = await clusterNonce('istio-ingressgateway-1.istio-system');
    const shop = await clusterNonce('shop-1.shop');
    const other = await clusterNonce('other-1.other');
    await world.apply({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name: 'default', namespace: 'other' },
      spec: { egress: [{ hosts: ['./*'] }] },
    });
    expect(await clusterNonce('istio-ingressgateway-1.istio-system')).toBe(gateway);
    expect(await clusterNonce('shop-1.shop')).toBe(shop);
    expect(await clusterNonce('other-1.other')).not.toBe(other);
    expect((await get<SidecarScopeJson>('/debug/sidecarz?proxyID=other-1.other')).body).toMatchObject({
      name: 'default',
      namespace: 'other',
      sidecar: { egress: [{ hosts: ['./*'] }] },
    });
  });

  it('pushes a mesh config change to every proxy', async () => {
    const nonces = (await syncz()).map((p) => p.cluster_sent);
    await world.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', namespace: 'istio-system' },
      data: { mesh: 'outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n' },
    });
    const after = (await syncz()).map((p) => p.cluster_sent);
    expect(after.every((nonce, i) => nonce !== nonces[i])).toBe(true);
    expect((await get<SidecarScopeJson>('/debug/sidecarz?proxyID=shop-1.shop')).body.outboundTrafficPolicy).toEqual({});
    expect((await get<{ rootNamespace: string; outboundTrafficPolicy: { mode: string } }>('/debug/mesh')).body).toMatchObject({
      rootNamespace: 'istio-system',
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
  });

  it('answers sidecarz for unknown or missing proxies as errorHandler does', async () => {
    expect(await get('/debug/sidecarz')).toMatchObject({ status: 400, text: 'You must provide a proxyID in the query string\n' });
    expect(await get('/debug/sidecarz?proxyID=gone-1.shop')).toMatchObject({
      status: 404,
      text: 'Proxy not connected to this Pilot instance. It may be connected to another instance.\n',
    });
  });

  it('forgets a proxy that disconnects', async () => {
    await world.plane.detachPod('shop', 'shop-1');
    expect((await syncz()).map((p) => p.proxy)).not.toContain('shop-1.shop');
  });

  it('refuses its debug endpoints with an empty 401 to callers that are not on its loopback', async () => {
    expect(await get('/debug/syncz', 'network')).toMatchObject({ status: 401, text: '' });
    expect(await get('/debug/configz', 'network')).toMatchObject({ status: 401, text: '' });
  });
});
