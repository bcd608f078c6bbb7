/**
 * The emulated Istio data plane on the embedded cluster: listeners for every pod's outbound
 * path, sidecars' inbound paths, gateways and addons; configuration pushed from the API
 * server's Istio objects after a short debounce, as istiod pushes xDS, and istiod's debug
 * interface over that push state (istiod.ts).
 */
import { randomBytes } from 'node:crypto';
import { addonHandler, addonKind } from './addons.js';
import { Breakers } from './breaker.js';
import { ISTIOD_CONFIG_KINDS } from '../istio/debug.js';
import { compileMeshConfig } from './compile.js';
import { ROOT_NAMESPACE, type MeshConfig } from './config-types.js';
import { Envoy, type MeshRuntime } from './envoy.js';
import { Istiod, type ChangedConfig } from './istiod.js';
import { listen, type Listener } from './listener.js';
import { MeshMetrics, type Sample } from './metrics.js';
import { scrapeTargetLabels, withTargetLabels } from './scrape.js';
import { PeerCodec } from './peer.js';
import { inboundCaptureOf } from '../istio/inbound-capture.js';
import { gatewayHandler, inboundHandler, outboundHandler, statsHandler, type ProxyDeps } from './proxies.js';
import { podAddress, Resolver } from './resolve.js';
import type { ChangeType, DataPlane, MeshHost, PodAttachment, PodNetwork, ReadonlyKubeObject } from './types.js';
import { UpstreamClient } from './upstream.js';
import { hasSidecar, podKey, workloadOf, type Address, type PodEntry } from './workload.js';

export interface DataPlaneOptions {
  /**
   * istiod's debounce, ms: a push follows once no change came for this long (PILOT_DEBOUNCE_AFTER,
   * 100 ms), or once changes kept coming for PUSH_DEBOUNCE_MAX_MS.
   */
  pushDelayMs?: number;
  /** Where the data plane writes what it skipped or could not do. */
  log?: (message: string) => void;
  /** Called for each Istio object that cannot be used, with a message naming the field and the fix. */
  onConfigError?: (obj: ReadonlyKubeObject, message: string) => void;
  /** Random source for weights, fault percentages and load balancing (tests pin it). */
  random?: () => number;
}

/** Port of the sidecar's merged Prometheus endpoint, as Istio's agent serves it. */
export const STATS_PORT = 15020;

const MESH_CONFIG_MAP = { namespace: ROOT_NAMESPACE, name: 'istio' };

/** PILOT_DEBOUNCE_MAX (pilot/pkg/features/tuning.go): changes without a quiet period are pushed after this long. */
const PUSH_DEBOUNCE_MAX_MS = 10_000;

/** An object of istiod's config store: every change of one is pushed. */
function isIstioConfig(obj: ReadonlyKubeObject): boolean {
  return ISTIOD_CONFIG_KINDS.some(({ group, kind }) => obj.kind === kind && obj.apiVersion.startsWith(`${group}/`));
}

function isMeshConfigMap(obj: ReadonlyKubeObject): boolean {
  return obj.kind === 'ConfigMap' && obj.metadata.namespace === MESH_CONFIG_MAP.namespace && obj.metadata.name === MESH_CONFIG_MAP.name;
}

export function createDataPlane(host: MeshHost, options: DataPlaneOptions = {}): DataPlane {
  const pushDelayMs = options.pushDelayMs ?? 100;
  const log = options.log ?? ((message: string) => console.warn(`[mesh] ${message}`));
  const pods = new Map<string, PodEntry>();
  const listeners = new Map<string, Listener[]>();
  /** Addon stand-ins by pod; kept apart from the pod's own listeners, which attachPod may replace. */
  const addons = new Map<string, Listener>();
  const inFlight = new Set<Promise<unknown>>();
  const metrics = new MeshMetrics();
  /** istiod's own listeners (its debug port), by pod. */
  const istiodListeners = new Map<string, Listener[]>();

  /** What the Prometheus addon holds: each scraped pod's proxy samples under its target labels. */
  function scrapedSamples(): Sample[] {
    return metrics.proxies().flatMap((key) => {
      const [namespace, name] = key.split('/') as [string, string];
      const pod = host.get('', 'Pod', namespace, name);
      const target = pod && scrapeTargetLabels(pod);
      return target ? withTargetLabels(metrics.samples(key), target) : [];
    });
  }
  /** What changed since the last push; 'all' after a mesh config change, which istiod pushes to every proxy. */
  let changed: ChangedConfig[] | 'all' = 'all';
  let config: MeshConfig | undefined;
  let generation = 0;
  let pushTimer: NodeJS.Timeout | undefined;
  /** When the changes waiting for a push began, and the last of them came. */
  let debounce: { first: number; last: number } | undefined;
  let unsubscribe: (() => void) | undefined;

  const rt: MeshRuntime = {
    config: () => {
      if (!config) throw new Error('the data plane has not started: call start() first');
      return config;
    },
    resolver: new Resolver(host, pods),
    upstream: new UpstreamClient(),
    breakers: new Breakers(),
    peers: new PeerCodec(randomBytes(16).toString('hex')),
    log,
    track(work) {
      inFlight.add(work);
      work.finally(() => inFlight.delete(work)).catch(() => undefined);
    },
    random: options.random ?? Math.random,
  };
  const deps: ProxyDeps = { rt, envoy: new Envoy(rt), metrics };
  const istiod = new Istiod(host, rt.config);

  /** pilot/pkg/xds/discovery.go `debounce`: push after a quiet period, or when changes kept coming too long. */
  function debounced(): void {
    pushTimer = undefined;
    const now = Date.now();
    const quiet = now - debounce!.last;
    if (quiet >= pushDelayMs || now - debounce!.first >= PUSH_DEBOUNCE_MAX_MS) {
      debounce = undefined;
      push();
    } else {
      pushTimer = setTimeout(debounced, pushDelayMs - quiet);
    }
  }

  function push(): void {
    config = compileMeshConfig(
      (group, kind) => host.list(group, kind),
      host.get('', 'ConfigMap', MESH_CONFIG_MAP.namespace, MESH_CONFIG_MAP.name),
      (obj, error) => {
        log(error.message);
        options.onConfigError?.(obj, error.message);
      },
    );
    generation++;
    istiod.push(changed);
    changed = [];
  }

  function onChange(_type: ChangeType, obj: ReadonlyKubeObject): void {
    if (isMeshConfigMap(obj)) changed = 'all';
    else if (!isIstioConfig(obj)) return;
    else if (changed !== 'all') {
      changed.push({ group: obj.apiVersion.split('/')[0]!, kind: obj.kind, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name });
    }
    const now = Date.now();
    debounce = { first: debounce?.first ?? now, last: now };
    pushTimer ??= setTimeout(debounced, pushDelayMs);
  }

  async function open(key: string, handler: Parameters<typeof listen>[0]): Promise<Address> {
    const listener = await listen(handler);
    listeners.set(key, [...(listeners.get(key) ?? []), listener]);
    return listener.address;
  }

  function entryFor(pod: ReadonlyKubeObject, meshProxy: boolean, sidecar: boolean): PodEntry {
    const namespace = pod.metadata.namespace ?? 'default';
    return {
      namespace,
      name: pod.metadata.name,
      workload: workloadOf(pod),
      sidecar,
      meshProxy,
      appPorts: new Map(),
      inbound: new Map(),
      captures: sidecar ? inboundCaptureOf(pod) : () => false,
    };
  }

  async function closePod(key: string): Promise<void> {
    pods.delete(key);
    rt.breakers.forget(key);
    await Promise.all((listeners.get(key) ?? []).map((l) => l.close()));
    listeners.delete(key);
  }

  return {
    async start() {
      push();
      unsubscribe = host.onChange(onChange);
    },

    async attachPod({ pod, appPorts }: PodAttachment): Promise<PodNetwork> {
      const sidecar = hasSidecar(pod);
      const entry = { ...entryFor(pod, sidecar, sidecar), appPorts: new Map(appPorts) };
      const key = podKey(entry.namespace, entry.name);
      await closePod(key);
      entry.anyPort = addons.get(key)?.address;
      const outbound = await open(key, outboundHandler(deps, entry));
      if (sidecar) {
        // A port the sidecar does not capture (excludeInboundPorts) reaches the app directly: podAddress.
        for (const containerPort of appPorts.keys()) {
          if (entry.captures(containerPort)) entry.inbound.set(containerPort, await open(key, inboundHandler(deps, entry, containerPort)));
        }
        // The stats port is one more inbound port of the sidecar, as Prometheus scrapes it.
        entry.inbound.set(STATS_PORT, await open(key, statsHandler(metrics, key)));
      }
      pods.set(key, entry);
      if (sidecar) istiod.connect(pod, 'sidecar');
      return {
        env: { MESHSPEC_OUTBOUND_PROXY: `http://${outbound.host}:${outbound.port}` },
        inbound: (containerPort) => podAddress(entry, containerPort),
      };
    },

    async detachPod(namespace, name) {
      const key = podKey(namespace, name);
      istiod.disconnect(namespace, name);
      await closePod(key);
      await Promise.all((istiodListeners.get(key) ?? []).map((l) => l.close()));
      istiodListeners.delete(key);
      await addons.get(key)?.close();
      addons.delete(key);
    },

    async startGateway(pod) {
      const entry = entryFor(pod, true, false);
      const key = podKey(entry.namespace, entry.name);
      await closePod(key);
      entry.anyPort = await open(key, gatewayHandler(deps, entry));
      pods.set(key, entry);
      istiod.connect(pod, 'router');
      return { ready: true };
    },

    async startIstiod(pod) {
      const key = podKey(pod.metadata.namespace ?? 'default', pod.metadata.name);
      await Promise.all((istiodListeners.get(key) ?? []).map((l) => l.close()));
      const [loopback, network] = await Promise.all([listen(istiod.handler('loopback')), listen(istiod.handler('network'))]);
      istiodListeners.set(key, [loopback, network]);
      return { loopback: loopback.address, network: network.address };
    },

    async startAddon(pod, image) {
      const kind = addonKind(image);
      if (!kind) return null;
      const key = podKey(pod.metadata.namespace ?? 'default', pod.metadata.name);
      await addons.get(key)?.close();
      const listener = await listen(addonHandler(kind, scrapedSamples));
      addons.set(key, listener);
      const entry = pods.get(key) ?? entryFor(pod, false, false);
      entry.anyPort = listener.address;
      pods.set(key, entry);
      return listener.address;
    },

    ingressAddress() {
      const gateway = [...pods.values()].find((p) => p.meshProxy && !p.sidecar && p.workload.labels.istio === 'ingressgateway');
      return gateway?.anyPort ?? null;
    },

    configGeneration: () => generation,

    async stop() {
      unsubscribe?.();
      clearTimeout(pushTimer);
      await Promise.allSettled([...inFlight]);
      await Promise.all([...listeners.keys()].map(closePod));
      await Promise.all([...addons.values()].map((l) => l.close()));
      addons.clear();
      await Promise.all([...istiodListeners.values()].flat().map((l) => l.close()));
      istiodListeners.clear();
      rt.upstream.close();
    },
  };
}
