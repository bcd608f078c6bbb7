/**
 * The emulated Istio data plane on the embedded cluster: listeners for every pod's outbound
 * path, sidecars' inbound paths, gateways and addons; configuration pushed from the API
 * server's Istio objects after a short debounce, as istiod pushes xDS.
 */
import { randomBytes } from 'node:crypto';
import { addonHandler, addonKind } from './addons.js';
import { Breakers } from './breaker.js';
import { compileMeshConfig, ISTIO_KINDS } from './compile.js';
import { ROOT_NAMESPACE, type MeshConfig } from './config-types.js';
import { Envoy, type MeshRuntime } from './envoy.js';
import { listen, type Listener } from './listener.js';
import { MeshMetrics } from './metrics.js';
import { PeerCodec } from './peer.js';
import { inboundCaptureOf } from '../istio/inbound-capture.js';
import { gatewayHandler, inboundHandler, outboundHandler, statsHandler, type ProxyDeps } from './proxies.js';
import { podAddress, Resolver } from './resolve.js';
import type { ChangeType, DataPlane, MeshHost, PodAttachment, PodNetwork, ReadonlyKubeObject } from './types.js';
import { UpstreamClient } from './upstream.js';
import { hasSidecar, podKey, workloadOf, type Address, type PodEntry } from './workload.js';

export interface DataPlaneOptions {
  /** How long after a change the proxies take it up, ms (Istio debounces pushes by 100 ms). */
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

function isIstioObject(obj: ReadonlyKubeObject): boolean {
  return ISTIO_KINDS.some(({ group, kind }) => obj.kind === kind && obj.apiVersion.startsWith(`${group}/`));
}

function isMeshConfigMap(obj: ReadonlyKubeObject): boolean {
  return obj.kind === 'ConfigMap' && obj.metadata.namespace === MESH_CONFIG_MAP.namespace && obj.metadata.name === MESH_CONFIG_MAP.name;
}

function objectKey(obj: { kind: string; namespace?: string; name: string }): string {
  return `${obj.kind}/${obj.namespace ?? 'default'}/${obj.name}`;
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
  /** Generation last reported as reconciled, per object. */
  const reconciled = new Map<string, number>();
  let config: MeshConfig | undefined;
  let generation = 0;
  let pushTimer: NodeJS.Timeout | undefined;
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

  function push(): void {
    pushTimer = undefined;
    const { config: next, accepted } = compileMeshConfig(
      (group, kind) => host.list(group, kind),
      host.get('', 'ConfigMap', MESH_CONFIG_MAP.namespace, MESH_CONFIG_MAP.name),
      (obj, error) => {
        log(error.message);
        options.onConfigError?.(obj, error.message);
      },
    );
    config = next;
    generation++;
    for (const obj of accepted) {
      const key = objectKey(obj);
      if (reconciled.get(key) === obj.generation) continue;
      // Recorded before writing status, so the status change this causes is not taken for a new one.
      reconciled.set(key, obj.generation);
      try {
        host.markReconciled(obj.group, obj.kind, obj.namespace, obj.name, obj.generation);
      } catch (error) {
        log(`could not write status of ${obj.kind} ${obj.namespace}/${obj.name}: ${(error as Error).message}`);
      }
    }
  }

  function onChange(type: ChangeType, obj: ReadonlyKubeObject): void {
    if (isIstioObject(obj)) {
      const key = objectKey({ kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name });
      if (type === 'DELETED') reconciled.delete(key);
      else if (reconciled.get(key) === (obj.metadata.generation ?? 1)) return; // only its status changed
    } else if (!isMeshConfigMap(obj)) {
      return;
    }
    // Bounded delay: a burst of changes is taken up together, pushDelayMs after its first change.
    pushTimer ??= setTimeout(push, pushDelayMs);
  }

  async function open(key: string, handler: Parameters<typeof listen>[0]): Promise<Address> {
    const listener = await listen(handler);
    listeners.set(key, [...(listeners.get(key) ?? []), listener]);
    return listener.address;
  }

  function entryFor(pod: ReadonlyKubeObject, meshProxy: boolean, sidecar: boolean): PodEntry {
    const namespace = pod.metadata.namespace ?? 'default';
    return { namespace, name: pod.metadata.name, workload: workloadOf(pod), sidecar, meshProxy, appPorts: new Map(), inbound: new Map(), captures: sidecar ? inboundCaptureOf(pod) : () => false };
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
      return {
        env: { MESHSPEC_OUTBOUND_PROXY: `http://${outbound.host}:${outbound.port}` },
        inbound: (containerPort) => podAddress(entry, containerPort),
      };
    },

    async detachPod(namespace, name) {
      const key = podKey(namespace, name);
      await closePod(key);
      await addons.get(key)?.close();
      addons.delete(key);
    },

    async startGateway(pod) {
      const entry = entryFor(pod, true, false);
      const key = podKey(entry.namespace, entry.name);
      await closePod(key);
      entry.anyPort = await open(key, gatewayHandler(deps, entry));
      pods.set(key, entry);
      return { ready: true };
    },

    async startAddon(pod, image) {
      const kind = addonKind(image);
      if (!kind) return null;
      const key = podKey(pod.metadata.namespace ?? 'default', pod.metadata.name);
      await addons.get(key)?.close();
      const listener = await listen(addonHandler(kind, () => metrics.samples()));
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
      rt.upstream.close();
    },
  };
}
