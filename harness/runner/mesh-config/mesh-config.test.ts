/**
 * The config-in-effect wait against a fake istiod: a local HTTP server answering `/debug/configz`,
 * `/debug/syncz`, `/debug/sidecarz` and `/debug/mesh` in the shapes istiod 1.29.6, 1.30.3 and
 * 1.31.0-rc.0 serve (pilot/pkg/xds/debug.go), and an API server stub for the objects and the
 * istiod Service. Each case names the Istio source whose behaviour it reproduces.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { XDS_TYPES, type ConfigzObject, type SidecarScopeJson, type SyncStatus } from '../../istio/debug.js';
import type { ObjectId } from '../../kube/refs.js';
import type { KubeClients } from '../../kube/types.js';
import { gatewayApiProgress } from './gateway-api.js';
import { IstiodDebug } from './istiod.js';
import { atOrPast, goDurationMs, MeshConfigTracker } from './index.js';

/** istiod's clock: the `Date` of every answer, whole seconds (Go's net/http). */
const NOW = Date.parse('2026-07-10T10:00:05Z');
/** A push version (pilot/pkg/xds/discovery.go `NextVersion`) in istiod's current second. */
const version = (counter: number, second = 5) => `2026-07-10T10:00:0${second}Z/${counter}`;
/** `nonce(PushVersion)`: the version and a UUID, no separator (pilot/pkg/xds/discovery.go `nonce`). */
const nonce = (v: string) => v + randomUUID();

function proxy(id: string, type: string, sent: string, acked = sent, lastError?: string): SyncStatus {
  const resource = { sent, acked, sentTime: '2026-07-10T10:00:05.123456789Z', ...(lastError ? { lastError } : {}) };
  return {
    cluster_id: 'Kubernetes',
    proxy: id,
    proxy_type: type,
    istio_version: '1.30.3',
    cluster_sent: sent,
    cluster_acked: acked,
    listener_sent: sent,
    listener_acked: acked,
    resources: { [XDS_TYPES.cluster]: resource, [XDS_TYPES.listener]: resource },
  };
}

const vsId: ObjectId = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'backend', namespace: 'shop' };

function held(id: ObjectId, resourceVersion: string): ConfigzObject {
  // crd.ConvertConfig writes the store's group/version, whatever version was applied.
  return {
    kind: id.kind,
    apiVersion: `${id.apiVersion.split('/')[0]}/v1`,
    metadata: { name: id.name, namespace: id.namespace, resourceVersion, generation: 1 },
    spec: {},
  };
}

class FakeIstiod {
  configz: ConfigzObject[] = [];
  syncz: SyncStatus[] = [];
  sidecarz = new Map<string, string>();
  /** Paths answered with this status and no body. */
  refuse = new Map<string, number>();
  private readonly server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://istiod');
    const refused = this.refuse.get(url.pathname);
    if (refused) return res.writeHead(refused, { date: new Date(NOW).toUTCString() }).end();
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json', date: new Date(NOW).toUTCString() }).end(JSON.stringify(body));
    if (url.pathname === '/debug/configz') return json(this.configz);
    if (url.pathname === '/debug/syncz') return json(this.syncz);
    if (url.pathname === '/debug/mesh') return json({ rootNamespace: 'istio-system' });
    if (url.pathname === '/debug/sidecarz') {
      const scope = this.sidecarz.get(url.searchParams.get('proxyID') ?? '');
      // pilot/pkg/xds/debug.go `errorHandler`
      if (!scope) return res.writeHead(404).end('Proxy not connected to this Pilot instance. It may be connected to another instance.\n');
      const body: SidecarScopeJson = {
        version: scope,
        name: 'default-sidecar',
        namespace: 'shop',
        outboundTrafficPolicy: { mode: 1 },
        services: [],
        egressListenerServices: [[]],
        servicesByHostname: {},
        sidecar: null,
        destinationRules: {},
      };
      return json(body);
    }
    res.writeHead(404).end('404 page not found\n');
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The API server side: the istiod Service and its pod, and the objects a step changes. */
function apiServer(objects: Map<string, { resourceVersion: string }>): KubeClients {
  const pod: V1Pod = { metadata: { name: 'istiod-1' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
  const core = {
    readNamespacedService: async () => ({ spec: { selector: { app: 'istiod', istio: 'pilot' } } }),
    listNamespacedPod: async () => ({ items: [pod] }),
  };
  const read = async (o: { kind: string; metadata: { name: string; namespace?: string } }) => {
    const found = objects.get(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    if (!found) throw new ApiException(404, 'Not Found', '{"reason":"NotFound"}', {});
    return { metadata: { ...o.metadata, resourceVersion: found.resourceVersion } };
  };
  return { core, objects: { read } } as unknown as KubeClients;
}

let istiod: FakeIstiod;
let objects: Map<string, { resourceVersion: string }>;
let tracker: MeshConfigTracker;

beforeAll(async () => {
  istiod = new FakeIstiod();
  await istiod.start();
});

afterAll(() => istiod.close());

function reset(): void {
  istiod.configz = [];
  istiod.syncz = [];
  istiod.sidecarz.clear();
  istiod.refuse.clear();
  objects = new Map();
  const kube = apiServer(objects);
  tracker = new MeshConfigTracker(kube, new IstiodDebug(kube, async () => ({ url: istiod.url, lastError: () => undefined, close: async () => undefined })));
}

afterEach(() => tracker.close());

const soon = (ms = 600) => ({ deadline: Date.now() + ms });

/** A change of `id` from resourceVersion `from` (absent: created) to `to` (absent: deleted), istiod's newest push being `mark`. */
async function change(id: ObjectId, from: string | undefined, to: string | undefined): Promise<void> {
  if (from) objects.set(`${id.kind}/${id.namespace}/${id.name}`, { resourceVersion: from });
  const noted = await tracker.beforeChange([id], soon(5_000));
  await noted(to === undefined ? { deleted: [id] } : { changed: [{ ...id, resourceVersion: to }] });
}

describe('config in effect', () => {
  it('waits until istiod holds the object at the resourceVersion the change left (debug.go configz, crd/conversion.go ConvertConfig)', async () => {
    reset();
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(7)))];
    await change(vsId, '5', '9');
    istiod.configz = [held(vsId, '5')];
    await expect(tracker.waitInEffect(soon())).rejects.toThrow(
      'VirtualService/backend in namespace shop: istiod pod istiod-1 holds it at resourceVersion 5, and the change made 9',
    );
    istiod.configz = [];
    await expect(tracker.waitInEffect(soon())).rejects.toThrow('istiod pod istiod-1 does not hold it yet');
    istiod.configz = [held(vsId, '10')];
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(8)))];
    await tracker.waitInEffect(soon());
  });

  it('counts only a push newer than the one istiod had sent before the change (xdsgen.go pushXds nonce, discovery.go NextVersion)', async () => {
    reset();
    const before = nonce(version(7));
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', before)];
    await change(vsId, undefined, '3');
    istiod.configz = [held(vsId, '3')];
    await expect(tracker.waitInEffect(soon())).rejects.toThrow(
      /^timed out after \d\.\ds waiting for the mesh to put 1 change\(s\) into effect; last seen: 1 not in effect yet: VirtualService\/backend in namespace shop: 1 proxy\(ies\) behind: istio-ingressgateway-1\.istio-system \(istiod istiod-1\) has had no push from istiod since the change \(its newest push is 2026-07-10T10:00:05Z\/7, istiod had pushed 2026-07-10T10:00:05Z\/7 before the change\)\. If the mesh needs longer to take the change up, set timeout: on the step \(or the scenario\)$/,
    );
    // A push of a later second with a restarted counter is newer too.
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(1, 6)))];
    await tracker.waitInEffect(soon());
  });

  it('does not count a push istiod made before it held the change, made within its debounce of sending it (discovery.go debounce)', async () => {
    reset();
    const gateway = 'istio-ingressgateway-1.istio-system';
    istiod.syncz = [proxy(gateway, 'router', nonce(version(7)))];
    const noted = await tracker.beforeChange([vsId], soon(5_000));
    // Another change's push (8) went out between the mark and the apply; istiod holds ours at once.
    istiod.syncz = [proxy(gateway, 'router', nonce(version(8)))];
    istiod.configz = [held(vsId, '3')];
    await noted({ changed: [{ ...vsId, resourceVersion: '3' }] });
    await expect(tracker.waitInEffect(soon())).rejects.toThrow(
      'has had no push from istiod since the change (its newest push is 2026-07-10T10:00:05Z/8, istiod had pushed 2026-07-10T10:00:05Z/8 before the change)',
    );
    istiod.syncz = [proxy(gateway, 'router', nonce(version(9)))];
    await tracker.waitInEffect(soon());
  });

  it('waits for the acknowledgement and reports a rejection, as proxy-status decides SYNCED, STALE and ERROR (statusgen.go debugSyncStatus, pkg/xds/server.go)', async () => {
    reset();
    const old = nonce(version(7));
    istiod.syncz = [proxy('backend-1.shop', 'sidecar', old)];
    await change(vsId, undefined, '3');
    istiod.configz = [held(vsId, '3')];
    const pushed = nonce(version(8));
    istiod.syncz = [proxy('backend-1.shop', 'sidecar', pushed, old)];
    await expect(tracker.waitInEffect(soon())).rejects.toThrow(
      "backend-1.shop (istiod istiod-1) has not acknowledged istiod's push 2026-07-10T10:00:05Z/8 (last acknowledged: 2026-07-10T10:00:05Z/7)",
    );
    istiod.syncz = [proxy('backend-1.shop', 'sidecar', pushed, old, 'Proto constraint validation failed')];
    await expect(tracker.waitInEffect(soon())).rejects.toThrow("backend-1.shop (istiod istiod-1) rejected istiod's push: Proto constraint validation failed");
    istiod.syncz = [proxy('backend-1.shop', 'sidecar', pushed)];
    await tracker.waitInEffect(soon());
  });

  it('does not wait for a sidecar istiod rebuilt the scope of without pushing to it, after a second look (ads.go pushConnection, proxy_dependencies.go)', async () => {
    reset();
    const old = nonce(version(7));
    istiod.syncz = [proxy('elsewhere-1.other', 'sidecar', old)];
    istiod.sidecarz.set('elsewhere-1.other', version(7));
    await change(vsId, undefined, '3');
    istiod.configz = [held(vsId, '3')];
    await expect(tracker.waitInEffect(soon())).rejects.toThrow(
      'elsewhere-1.other (istiod istiod-1) has had neither a push nor a new scope from istiod since the change',
    );
    istiod.sidecarz.set('elsewhere-1.other', version(8));
    await tracker.waitInEffect(soon());
  });

  it('does not wait for a sidecar in another namespace for a policy outside the root namespace (sidecar.go DependsOnConfig, clusterScopedKnownConfigTypes)', async () => {
    reset();
    istiod.syncz = [proxy('backend-1.shop', 'sidecar', nonce(version(7)))];
    const policy: ObjectId = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', name: 'deny', namespace: 'other' };
    await change(policy, undefined, '4');
    istiod.configz = [held(policy, '4')];
    await tracker.waitInEffect(soon());
  });

  it('does not wait for a gateway after a Sidecar change (proxy_dependencies.go UnAffectedConfigKinds)', async () => {
    reset();
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(7)))];
    const sidecar: ObjectId = { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', name: 'default', namespace: 'shop' };
    await change(sidecar, undefined, '4');
    istiod.configz = [held(sidecar, '4')];
    await tracker.waitInEffect(soon());
  });

  it('waits after a deletion until istiod no longer holds the object, then for the push', async () => {
    reset();
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(7)))];
    await change(vsId, '5', undefined);
    istiod.configz = [held(vsId, '5')];
    await expect(tracker.waitInEffect(soon())).rejects.toThrow('istiod pod istiod-1 still holds it (resourceVersion 5), though it was deleted');
    istiod.configz = [];
    await expect(tracker.waitInEffect(soon())).rejects.toThrow('has had no push from istiod since the change');
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(8)))];
    await tracker.waitInEffect(soon());
  });

  it('has nothing to wait for when the change left the object as it was', async () => {
    reset();
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(7)))];
    await change(vsId, '5', '5');
    istiod.refuse.set('/debug/configz', 500);
    await tracker.waitInEffect(soon());
  });

  it('waits once for the newest change of an object', async () => {
    reset();
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(7)))];
    await change(vsId, undefined, '3');
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(8)))];
    await change(vsId, '3', '6');
    istiod.configz = [held(vsId, '6')];
    await expect(tracker.waitInEffect(soon())).rejects.toThrow(
      /put 1 change\(s\) into effect.*has had no push from istiod since the change \(its newest push is 2026-07-10T10:00:05Z\/8/,
    );
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(9)))];
    await tracker.waitInEffect(soon());
  });

  it('says when istiod could not be read before the change', async () => {
    reset();
    istiod.refuse.set('/debug/syncz', 404);
    await change(vsId, undefined, '3');
    await expect(tracker.waitInEffect(soon())).rejects.toThrow(
      'could not read what istiod had pushed before the change, so nothing tells when it is in effect: istiod pod istiod-1 does not serve /debug/syncz on port 15014 (is its debug interface off, ENABLE_DEBUG_ON_HTTP=false?)',
    );
  });

  it('says what a 401 from istiod means (debug.go allowAuthenticatedOrLocalhost)', async () => {
    reset();
    istiod.syncz = [proxy('istio-ingressgateway-1.istio-system', 'router', nonce(version(7)))];
    await change(vsId, undefined, '3');
    istiod.refuse.set('/debug/configz', 401);
    await expect(tracker.waitInEffect(soon())).rejects.toThrow(
      'istiod pod istiod-1 refused /debug/configz (401): it serves its debug endpoints without credentials to localhost only, which a port-forward is',
    );
  });
});

describe('resource versions', () => {
  it('compare as integers when both are (KEP-5504), else for equality', () => {
    expect(atOrPast('10', '9')).toBe(true);
    expect(atOrPast('9', '10')).toBe(false);
    expect(atOrPast('9', '9')).toBe(true);
    expect(atOrPast('abc', 'abc')).toBe(true);
    expect(atOrPast('abd', 'abc')).toBe(false);
    expect(atOrPast(undefined, '1')).toBe(false);
  });
});

describe("Go durations (PILOT_DEBOUNCE_AFTER in istiod's Deployment)", () => {
  it('read as Go writes them, nothing else', () => {
    expect(goDurationMs('100ms')).toBe(100);
    expect(goDurationMs('1.5s')).toBe(1500);
    expect(goDurationMs('1m30s')).toBe(90_000);
    expect(goDurationMs('500us')).toBe(0.5);
    expect(goDurationMs('100')).toBeUndefined();
  });
});

describe('Gateway API status (kubernetes-sigs/gateway-api v1.5.1 apis/v1)', () => {
  const gateway = (conditions: { type: string; status: string; reason?: string; message?: string; observedGeneration?: number }[], generation = 2) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', generation },
    status: { conditions },
  });

  it('takes a Gateway as in effect once Programmed is True at its generation (gateway_types.go GatewayConditionProgrammed)', () => {
    expect(gatewayApiProgress(gateway([]))).toEqual({ done: false, why: 'no Programmed condition yet' });
    expect(
      gatewayApiProgress(gateway([{ type: 'Programmed', status: 'False', reason: 'Pending', message: 'waiting for deployment', observedGeneration: 2 }])),
    ).toEqual({ done: false, why: 'Programmed=False (Pending: waiting for deployment)' });
    expect(gatewayApiProgress(gateway([{ type: 'Programmed', status: 'True', observedGeneration: 1 }]))).toEqual({
      done: false,
      why: 'Programmed for generation 1, but the object is at generation 2',
    });
    expect(gatewayApiProgress(gateway([{ type: 'Programmed', status: 'True', observedGeneration: 2 }]))).toEqual({ done: true, value: undefined });
  });

  it('takes a route as in effect once every reporting parent accepts it (shared_types.go RouteParentStatus, RouteConditionAccepted)', () => {
    const route = (parents: object[]) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', generation: 1 },
      status: { parents },
    });
    expect(gatewayApiProgress(route([]))).toEqual({ done: false, why: 'no parent has reported on it yet (status.parents is empty)' });
    expect(
      gatewayApiProgress(
        route([
          {
            controllerName: 'istio.io/gateway-controller',
            conditions: [{ type: 'Accepted', status: 'False', reason: 'NoMatchingParent', observedGeneration: 1 }],
          },
        ]),
      ),
    ).toEqual({ done: false, why: 'istio.io/gateway-controller: Accepted=False (NoMatchingParent)' });
    expect(
      gatewayApiProgress(route([{ controllerName: 'istio.io/gateway-controller', conditions: [{ type: 'Accepted', status: 'True', observedGeneration: 1 }] }])),
    ).toEqual({ done: true, value: undefined });
  });
});
