/** Fidelity tests for mutual TLS: PeerAuthentication, DestinationRule tls.mode, XFCC. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTROL_PORT } from '../../apps/echo/src/protocol.js';
import { MeshWorld, type Pod } from './__tests__/world.js';

let world: MeshWorld;
let client: Pod;
let plain: Pod;

beforeEach(async () => {
  world = await new MeshWorld().start();
  client = await world.pod({ name: 'client', labels: { app: 'client' }, serviceAccount: 'sleep' });
  plain = await world.pod({ name: 'legacy', labels: { app: 'legacy' }, sidecar: false });
  world.service('httpbin', { app: 'httpbin' });
  await world.pod({ name: 'httpbin-1', labels: { app: 'httpbin' }, serviceAccount: 'httpbin' });
});
afterEach(() => world.stop());

const peerAuthentication = (name: string, namespace: string, spec: Record<string, unknown>) => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'PeerAuthentication',
  metadata: { name, namespace },
  spec,
});
const headersSeen = (body: unknown) => (body as { headers: Record<string, string> }).headers;

describe('mutual TLS', () => {
  it('mutual TLS migration task: sidecar to sidecar is mTLS, visible to the server as X-Forwarded-Client-Cert with both identities', async () => {
    const { results } = await world.forward(client, { url: 'http://httpbin:8080/headers' });
    expect(results[0]!.status).toBe(200);
    const xfcc = headersSeen(results[0]!.body)['x-forwarded-client-cert'];
    expect(xfcc).toMatch(
      /^By=spiffe:\/\/cluster\.local\/ns\/default\/sa\/httpbin;Hash=[0-9a-f]{64};Subject="";URI=spiffe:\/\/cluster\.local\/ns\/default\/sa\/sleep$/,
    );
  });

  it('PERMISSIVE (the default) accepts plaintext from a pod without a sidecar, with no XFCC (and a forged one removed)', async () => {
    const { results } = await world.forward(plain, { url: 'http://httpbin:8080/', headers: { 'x-forwarded-client-cert': 'By=forged' } });
    expect(results[0]!.status).toBe(200);
    expect(headersSeen(results[0]!.body)['x-forwarded-client-cert']).toBeUndefined();
  });

  it('mutual TLS migration task: namespace-wide STRICT refuses the plaintext client (connection reset, status 0) and still serves sidecars', async () => {
    await world.apply(peerAuthentication('default', 'default', { mtls: { mode: 'STRICT' } }));
    const refused = (await world.forward(plain, { url: 'http://httpbin:8080/' })).results[0]!;
    expect(refused.status).toBe(0);
    expect(refused.error).toMatch(/ECONNRESET|socket hang up/);
    expect((await world.forward(client, { url: 'http://httpbin:8080/' })).results[0]!.status).toBe(200);
  });

  it('mesh-wide STRICT in istio-system applies everywhere; a workload selector policy can relax one workload to PERMISSIVE', async () => {
    await world.apply(peerAuthentication('default', 'istio-system', { mtls: { mode: 'STRICT' } }));
    expect((await world.forward(plain, { url: 'http://httpbin:8080/' })).results[0]!.status).toBe(0);
    await world.apply(peerAuthentication('httpbin', 'default', { selector: { matchLabels: { app: 'httpbin' } }, mtls: { mode: 'PERMISSIVE' } }));
    expect((await world.forward(plain, { url: 'http://httpbin:8080/' })).results[0]!.status).toBe(200);
  });

  it('DestinationRule tls.mode DISABLE sends plaintext: STRICT refuses it and the client sidecar answers 503', async () => {
    await world.apply(peerAuthentication('default', 'default', { mtls: { mode: 'STRICT' } }));
    await world.apply({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'httpbin', namespace: 'default' },
      spec: { host: 'httpbin', trafficPolicy: { tls: { mode: 'DISABLE' } } },
    });
    const { results } = await world.forward(client, { url: 'http://httpbin:8080/' });
    expect(results[0]!.status).toBe(503);
    expect(results[0]!.body).toMatch(/upstream connect error or disconnect\/reset before headers/);
  });

  it('auto mTLS honours PeerAuthentication DISABLE: the server gets plaintext and no XFCC; ISTIO_MUTUAL towards it is a reset (istio/istio@1.30.3 pilot/pkg/xds/endpoints/mtls_checker.go checkMtlsEnabled)', async () => {
    await world.apply(peerAuthentication('httpbin', 'default', { selector: { matchLabels: { app: 'httpbin' } }, mtls: { mode: 'DISABLE' } }));
    const plaintext = (await world.forward(client, { url: 'http://httpbin:8080/' })).results[0]!;
    expect(plaintext.status).toBe(200);
    expect(headersSeen(plaintext.body)['x-forwarded-client-cert']).toBeUndefined();
    await world.apply({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'httpbin', namespace: 'default' },
      spec: { host: 'httpbin', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
    });
    const forced = (await world.forward(client, { url: 'http://httpbin:8080/' })).results[0]!;
    expect(forced.status).toBe(503);
    expect(forced.body).toMatch(/upstream connect error or disconnect\/reset before headers/);
  });

  it('auto mTLS keys on the pod label security.istio.io/tlsMode: a sidecar pod labelled "disabled" gets plaintext (pilot/pkg/serviceregistry/kube/conversion.go PodTLSMode)', async () => {
    world.service('opted-out', { app: 'opted-out' });
    await world.pod({ name: 'opted-out-1', labels: { app: 'opted-out', 'security.istio.io/tlsMode': 'disabled' } });
    const { results } = await world.forward(client, { url: 'http://opted-out:8080/' });
    expect(results[0]!.status).toBe(200);
    expect(headersSeen(results[0]!.body)['x-forwarded-client-cert']).toBeUndefined();
  });

  it('workshop traffic shifting: DestinationRule ISTIO_MUTUAL with subsets keeps mTLS', async () => {
    await world.apply({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'httpbin', namespace: 'default' },
      spec: { host: 'httpbin', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } }, subsets: [{ name: 'v1', labels: { app: 'httpbin' } }] },
    });
    const { results } = await world.forward(client, { url: 'http://httpbin:8080/' });
    expect(headersSeen(results[0]!.body)['x-forwarded-client-cert']).toContain('URI=spiffe://cluster.local/ns/default/sa/sleep');
  });
});

/**
 * A port excluded from inbound capture reaches the app past the sidecar, as istio-iptables sets it
 * up (istio/istio@1.30.3 tools/istio-iptables/pkg/capture/run.go: RETURN for each `-d` port before
 * the redirect; same at 1.29.6, 1.31.0-rc.0); the other ports stay captured. Clients still choose
 * mTLS by the endpoint's tlsMode label (pilot/pkg/networking/core/cluster_tls.go), which a plaintext
 * app cannot answer.
 */
describe('ports excluded from inbound capture (traffic.sidecar.istio.io/excludeInboundPorts)', () => {
  let open: Pod;
  beforeEach(async () => {
    world.service('open', { app: 'open' });
    open = await world.pod({
      name: 'open-1',
      labels: { app: 'open' },
      serviceAccount: 'open',
      annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': '8080' },
    });
    await world.apply(peerAuthentication('default', 'default', { mtls: { mode: 'STRICT' } }));
  });

  it('a plaintext client reaches the excluded port under namespace-wide STRICT, and the app sees its headers as sent (no proxy in between)', async () => {
    const { results } = await world.forward(plain, { url: 'http://open:8080/', headers: { 'x-forwarded-client-cert': 'By=forged' } });
    expect(results[0]!.status).toBe(200);
    expect(headersSeen(results[0]!.body)['x-forwarded-client-cert']).toBe('By=forged');
  });

  it('a port not excluded stays captured: STRICT refuses the plaintext client there', async () => {
    const podIP = open.object.status!.podIP as string;
    const [refused] = (await world.forward(plain, { url: `http://${podIP}:${CONTROL_PORT}/_echo/healthz` })).results;
    expect(refused!.status).toBe(0);
    expect((await world.forward(plain, { url: `http://${podIP}:8080/` })).results[0]!.status).toBe(200);
  });

  it('a sidecar client sends mTLS to the excluded port (auto mTLS by tlsMode) and fails; with tls DISABLE it gets through', async () => {
    const failed = (await world.forward(client, { url: 'http://open:8080/' })).results[0]!;
    expect(failed.status).toBe(503);
    expect(failed.body).toMatch(/upstream connect error or disconnect\/reset before headers/);
    await world.apply({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'open', namespace: 'default' },
      spec: { host: 'open', trafficPolicy: { tls: { mode: 'DISABLE' } } },
    });
    const [plaintext] = (await world.forward(client, { url: 'http://open:8080/' })).results;
    expect(plaintext!.status).toBe(200);
    const seen = headersSeen(plaintext!.body);
    expect(seen['x-forwarded-client-cert']).toBeUndefined();
    expect(Object.keys(seen).filter((h) => h.startsWith('x-meshspec'))).toEqual([]);
  });
});
