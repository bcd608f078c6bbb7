import { describe, expect, it } from 'vitest';
import {
  comparePushVersions,
  formatPushVersion,
  nonceOf,
  parsePushVersion,
  proxyNamespaceOf,
  pushDependence,
  pushVersionOfNonce,
  rebuildsSidecarScope,
  syncStateOf,
} from './debug.js';

describe('push versions and nonces (istio/istio 1.29.6-1.31.0-rc.0 pilot/pkg/xds/discovery.go NextVersion and nonce)', () => {
  it('reads the version off a nonce, which is the version and a UUID with no separator', () => {
    const nonce = nonceOf('2026-07-10T10:00:05Z/17', 'c7f2a8b4-1b2c-4d5e-8f90-123456789abc');
    expect(nonce).toBe('2026-07-10T10:00:05Z/17c7f2a8b4-1b2c-4d5e-8f90-123456789abc');
    expect(pushVersionOfNonce(nonce)).toEqual({ at: Date.parse('2026-07-10T10:00:05Z'), counter: 17 });
    expect(pushVersionOfNonce('not-a-nonce')).toBeUndefined();
  });

  it('reads RFC 3339 with any zone, writes UTC whole seconds', () => {
    expect(parsePushVersion('2026-07-10T12:00:05+02:00/3')).toEqual({ at: Date.parse('2026-07-10T10:00:05Z'), counter: 3 });
    expect(parsePushVersion('2026-07-10T10:00:05Z')).toBeUndefined();
    expect(formatPushVersion({ at: Date.parse('2026-07-10T10:00:05Z'), counter: 3 })).toBe('2026-07-10T10:00:05Z/3');
  });

  it("orders by time, then counter, so a restarted istiod's pushes are newer", () => {
    const v = (s: string) => parsePushVersion(s)!;
    expect(comparePushVersions(v('2026-07-10T10:00:05Z/18'), v('2026-07-10T10:00:05Z/17'))).toBeGreaterThan(0);
    expect(comparePushVersions(v('2026-07-10T10:00:06Z/1'), v('2026-07-10T10:00:05Z/17'))).toBeGreaterThan(0);
    expect(comparePushVersions(v('2026-07-10T10:00:05Z/17'), v('2026-07-10T10:00:05Z/17'))).toBe(0);
  });
});

describe('sync state (pilot/pkg/xds/statusgen.go debugSyncStatus)', () => {
  it('is ERROR on a NACK, NOT SENT without a nonce, SYNCED when the ack is the nonce sent, else STALE', () => {
    expect(syncStateOf({ sent: 'a', acked: 'a', lastError: 'bad' })).toBe('ERROR');
    expect(syncStateOf({})).toBe('NOT SENT');
    expect(syncStateOf({ sent: 'a', acked: 'a' })).toBe('SYNCED');
    expect(syncStateOf({ sent: 'b', acked: 'a' })).toBe('STALE');
  });
});

describe('proxy ids (pilot/cmd/pilot-agent/app/cmd.go: PodName + "." + PodNamespace)', () => {
  it('take the namespace after the last dot, pod names may hold dots', () => {
    expect(proxyNamespaceOf('backend-v1-5d9c8-abcde.shop')).toBe('shop');
    expect(proxyNamespaceOf('web.v2-0.shop')).toBe('shop');
  });
});

describe('who gets a push (pilot/pkg/xds/proxy_dependencies.go, pilot/pkg/model/sidecar.go)', () => {
  const sidecar = { type: 'sidecar', namespace: 'shop' };
  const router = { type: 'router', namespace: 'istio-system' };
  const change = (group: string, kind: string, namespace = 'shop') => ({ group, kind, namespace });

  it('spares gateways Sidecars and sidecars networking Gateways (UnAffectedConfigKinds)', () => {
    expect(pushDependence(change('networking.istio.io', 'Sidecar'), router, 'istio-system')).toBe('never');
    expect(pushDependence(change('networking.istio.io', 'Gateway'), sidecar, 'istio-system')).toBe('never');
    expect(pushDependence(change('networking.istio.io', 'VirtualService'), router, 'istio-system')).toBe('always');
    expect(pushDependence(change('networking.istio.io', 'ServiceEntry'), router, 'istio-system')).toBe('scope');
  });

  it("scopes cluster-scoped kinds to the root namespace and the proxy's own (clusterScopedKnownConfigTypes)", () => {
    expect(pushDependence(change('security.istio.io', 'AuthorizationPolicy', 'shop'), sidecar, 'istio-system')).toBe('always');
    expect(pushDependence(change('security.istio.io', 'AuthorizationPolicy', 'istio-system'), sidecar, 'istio-system')).toBe('always');
    expect(pushDependence(change('telemetry.istio.io', 'Telemetry', 'other'), sidecar, 'istio-system')).toBe('never');
  });

  it("leaves the sidecar-scoped kinds to the proxy's scope, pushes any other kind", () => {
    for (const kind of ['VirtualService', 'DestinationRule', 'ServiceEntry', 'Sidecar'])
      expect(pushDependence(change('networking.istio.io', kind), sidecar, 'istio-system')).toBe('scope');
    expect(pushDependence(change('security.istio.io', 'PeerAuthentication'), sidecar, 'istio-system')).toBe('scope');
    expect(pushDependence(change('networking.istio.io', 'WorkloadEntry'), sidecar, 'istio-system')).toBe('always');
    expect(pushDependence(change('networking.istio.io', 'VirtualService'), { type: 'ztunnel', namespace: 'istio-system' }, 'istio-system')).toBe('never');
  });

  it('rebuilds every scope for the sidecar-scoped kinds only (pilot/pkg/xds/ads.go computeProxyState)', () => {
    expect(rebuildsSidecarScope({ group: 'networking.istio.io', kind: 'DestinationRule' })).toBe(true);
    expect(rebuildsSidecarScope({ group: 'security.istio.io', kind: 'AuthorizationPolicy' })).toBe(false);
  });
});
