/**
 * "Config in effect", one code path on sim, kind and kubeconfig. Before a step changes Istio
 * objects, the tracker notes the newest push each istiod has sent (its mark). A change is then in
 * effect once
 *   1. every istiod holds each changed object at or past the resourceVersion the change left, or
 *      no longer holds a deleted one (`/debug/configz`), and
 *   2. every connected proxy the change can reach has acknowledged a push newer than the mark
 *      (`/debug/syncz`: the push version in each nonce, sent == acked per type as `istioctl
 *      proxy-status` decides SYNCED), while a proxy the change cannot reach is not waited for:
 *      by kind and namespace where Istio's rules decide it alone, else because istiod rebuilt its
 *      scope after the mark without pushing to it (`/debug/sidecarz`).
 * Gateway API objects are in effect by their own status (gateway-api.ts). The mark is taken
 * before the change because nothing istiod serves names the configs a push carried, and moved
 * past what istiod pushed until it held the change when that is read within istiod's debounce
 * (markAfter); when it is not, a push another change set off between the mark and istiod
 * receiving ours counts as ours (see harness/istio/README.md).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Deployment } from '@kubernetes/client-node';
import {
  comparePushVersions,
  formatPushVersion,
  parsePushVersion,
  pushDependence,
  pushVersionOfNonce,
  proxyNamespaceOf,
  syncStateOf,
  type ConfigzObject,
  type MeshConfigJson,
  type PushVersion,
  type SidecarScopeJson,
  type SyncStatus,
} from '../../istio/debug.js';
import { describeApiError } from '../../kube/errors.js';
import { done, notYet, waitFor, type Deadline } from '../../kube/poll.js';
import { readObject } from '../../kube/read.js';
import { describeObject, groupOf, sameObject, type ObjectId } from '../../kube/refs.js';
import type { AppliedObject, KubeClients } from '../../kube/types.js';
import { gatewayApiProgress, isGatewayApiObject } from './gateway-api.js';
import { IstiodDebug, IstiodUnavailable, ISTIOD_NAMESPACE, ProxyNotConnected } from './istiod.js';

const isIstioObject = (o: { apiVersion: string }) => groupOf(o.apiVersion).endsWith('.istio.io');

/** What each istiod had pushed just before a change. */
interface PushMark {
  /** Per istiod pod: its newest push to any proxy, or the start of the second its clock showed, whichever is later. */
  byPod: Map<string, PushVersion>;
  /** For an istiod pod that came later: the start of the earliest second any istiod showed. */
  floor: PushVersion;
}

interface IstioChange {
  id: ObjectId;
  /** What the change left; undefined: the object was deleted. */
  resourceVersion?: string;
  mark: PushMark | Error;
}

/** What a step did to the objects it named before. */
export interface ChangeResult {
  changed?: AppliedObject[];
  deleted?: ObjectId[];
}

const MAX_PROXIES_NAMED = 5;
/** PILOT_DEBOUNCE_AFTER's default (pilot/pkg/features/tuning.go). */
const DEFAULT_DEBOUNCE_MS = 100;

export class MeshConfigTracker {
  private istioChanges: IstioChange[] = [];
  private gatewayApiChanges: ObjectId[] = [];
  private debounce?: Promise<number>;

  constructor(
    private readonly kube: KubeClients,
    private readonly istiod = new IstiodDebug(kube),
  ) {}

  /**
   * Call before changing `targets` (objects of any kind; only Istio and Gateway API ones count),
   * then call the function it returns with what the change did, and await it. An object the change
   * left as it was (an apply of what is already there) is no change.
   */
  async beforeChange(targets: ObjectId[], { deadline, signal }: Deadline): Promise<(result: ChangeResult) => Promise<void>> {
    const istio = targets.filter(isIstioObject);
    const before = new Map<ObjectId, string | undefined>();
    const abort = signal ?? AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    let mark: PushMark | Error | undefined;
    if (istio.length > 0) {
      for (const id of istio) before.set(id, (await readObject(this.kube, id))?.metadata?.resourceVersion);
      mark = await this.mark(abort);
    }
    const previous = (id: ObjectId) => [...before].find(([target]) => sameObject(target, id));
    const sentAt = Date.now();
    return async ({ changed = [], deleted = [] }) => {
      const noted: IstioChange[] = [];
      for (const object of changed) {
        if (isGatewayApiObject(object)) this.gatewayApiChanges = [...this.gatewayApiChanges.filter((c) => !sameObject(c, object)), object];
        const prior = previous(object);
        if (!isIstioObject(object) || !prior || !mark || prior[1] === object.resourceVersion) continue;
        noted.push({ id: object, resourceVersion: object.resourceVersion, mark });
      }
      for (const id of deleted) {
        this.gatewayApiChanges = this.gatewayApiChanges.filter((c) => !sameObject(c, id));
        const prior = previous(id);
        if (!isIstioObject(id) || !prior || prior[1] === undefined || !mark) continue;
        noted.push({ id, mark });
      }
      for (const change of noted) this.noteIstio(change);
      if (noted.length > 0 && !(mark instanceof Error)) await this.markAfter(mark!, noted, sentAt, abort);
    };
  }

  /** Resolves once every change noted so far is in effect; a timeout names what is behind. */
  async waitInEffect(deadline: Deadline): Promise<void> {
    const istio = [...this.istioChanges];
    const gatewayApi = [...this.gatewayApiChanges];
    const count = istio.length + gatewayApi.length;
    if (count === 0) return;
    for (const change of istio) if (change.mark instanceof Error) throw change.mark;
    const state: ProbeState = { confirming: new Set() };
    await waitFor(
      `the mesh to put ${count} change(s) into effect`,
      async () => {
        const behind = [...(await this.gatewayApiBehind(gatewayApi)), ...(istio.length > 0 ? await this.istioBehind(istio, state, deadline.signal) : [])];
        return behind.length === 0 ? done(undefined) : notYet(`${behind.length} not in effect yet: ${behind.join('; ')}`);
      },
      deadline,
      'If the mesh needs longer to take the change up, set timeout: on the step (or the scenario)',
    );
    this.istioChanges = this.istioChanges.filter((c) => !istio.includes(c));
    this.gatewayApiChanges = this.gatewayApiChanges.filter((c) => !gatewayApi.includes(c));
  }

  close(): Promise<void> {
    return this.istiod.close();
  }

  /** The newest change of an object replaces an older one: waiting for it waits for both. */
  private noteIstio(change: IstioChange): void {
    this.istioChanges = [...this.istioChanges.filter((c) => !sameObject(c.id, change.id)), change];
  }

  private async mark(signal: AbortSignal): Promise<PushMark | Error> {
    try {
      const pods = await this.istiod.pods();
      if (pods.length === 0)
        return new Error(`no Ready istiod pod behind Service ${ISTIOD_NAMESPACE}/istiod when the change was made, so nothing tells when it is in effect`);
      const byPod = new Map<string, PushVersion>();
      let floor: PushVersion | undefined;
      for (const pod of pods) {
        const { body, date } = await this.istiod.get<SyncStatus[]>(pod, '/debug/syncz', signal);
        const second: PushVersion = { at: date, counter: 0 };
        const newest = newestOf(body);
        byPod.set(pod, newest && comparePushVersions(newest, second) > 0 ? newest : second);
        if (!floor || date < floor.at) floor = second;
      }
      return { byPod, floor: floor! };
    } catch (error) {
      return new Error(`could not read what istiod had pushed before the change, so nothing tells when it is in effect: ${describeApiError(error)}`);
    }
  }

  /**
   * Moves the mark past every push istiod made before it held the change, when that can be
   * known: istiod pushes a change no sooner than its debounce after the change reached it
   * (pilot/pkg/xds/discovery.go `debounce`: a quiet period of PILOT_DEBOUNCE_AFTER after the last
   * event, unless events kept coming for PILOT_DEBOUNCE_MAX), so a push state read after istiod
   * holds the change and within that time of sending it holds no push of it yet. Without this,
   * another change's push started between the mark and istiod receiving ours would count as ours.
   */
  private async markAfter(mark: PushMark, changes: IstioChange[], sentAt: number, signal: AbortSignal): Promise<void> {
    const until = sentAt + (await this.debounceMs());
    const pods = [...mark.byPod.keys()];
    try {
      while (Date.now() < until && !signal.aborted) {
        const configs = await Promise.all(pods.map((pod) => this.istiod.get<ConfigzObject[]>(pod, '/debug/configz', signal)));
        if (changes.every((change) => configs.every(({ body }) => !takenWhy(body, change)))) {
          const states = await Promise.all(pods.map((pod) => this.istiod.get<SyncStatus[]>(pod, '/debug/syncz', signal)));
          if (Date.now() >= until) return;
          pods.forEach((pod, i) => {
            const newest = newestOf(states[i]!.body);
            if (newest && comparePushVersions(newest, mark.byPod.get(pod)!) > 0) mark.byPod.set(pod, newest);
          });
          return;
        }
        await sleep(10, undefined, { signal });
      }
    } catch (error) {
      // The mark from before the change stands; only a cancelled step is worth passing on.
      if (signal.aborted) throw error;
    }
  }

  /** istiod's PILOT_DEBOUNCE_AFTER from its Deployment, or its default of 100 ms (pilot/pkg/features/tuning.go). */
  private debounceMs(): Promise<number> {
    this.debounce ??= readObject<V1Deployment>(this.kube, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'istiod', namespace: ISTIOD_NAMESPACE }).then(
      (deployment) => {
        const value = deployment?.spec?.template.spec?.containers.flatMap((c) => c.env ?? []).find((e) => e.name === 'PILOT_DEBOUNCE_AFTER')?.value;
        return (value !== undefined ? goDurationMs(value) : undefined) ?? DEFAULT_DEBOUNCE_MS;
      },
      () => DEFAULT_DEBOUNCE_MS,
    );
    return this.debounce;
  }

  private async gatewayApiBehind(changes: ObjectId[]): Promise<string[]> {
    const behind: string[] = [];
    for (const id of changes) {
      const object = await readObject(this.kube, id);
      const progress = object ? gatewayApiProgress(object) : done(undefined);
      if (!progress.done) behind.push(`${describeObject(id)}: ${progress.why}`);
    }
    return behind;
  }

  private async istioBehind(changes: IstioChange[], state: ProbeState, signal?: AbortSignal): Promise<string[]> {
    try {
      return await this.istioProbe(changes, state, signal);
    } catch (error) {
      if (error instanceof IstiodUnavailable) return [error.message];
      throw error;
    }
  }

  private async istioProbe(changes: IstioChange[], state: ProbeState, signal?: AbortSignal): Promise<string[]> {
    const pods = await this.istiod.pods();
    if (pods.length === 0) return [`no Ready istiod pod behind Service ${ISTIOD_NAMESPACE}/istiod`];
    const configs = await Promise.all(pods.map((pod) => this.istiod.get<ConfigzObject[]>(pod, '/debug/configz', signal)));
    const untaken = changes.flatMap((change) =>
      pods.flatMap((pod, i) => {
        const why = takenWhy(configs[i]!.body, change);
        return why ? [`${describeObject(change.id)}: istiod pod ${pod} ${why}`] : [];
      }),
    );
    // A push can carry only what istiod holds.
    if (untaken.length > 0) return untaken;
    state.rootNamespace ??= (await this.istiod.get<MeshConfigJson>(pods[0]!, '/debug/mesh', signal)).body.rootNamespace || ISTIOD_NAMESPACE;
    const behind = new Map<IstioChange, string[]>(changes.map((c) => [c, []]));
    for (const pod of pods) {
      const { body: proxies } = await this.istiod.get<SyncStatus[]>(pod, '/debug/syncz', signal);
      for (const proxy of proxies) {
        if (!proxy.proxy) continue;
        const scope = new ScopeVersion(() => this.istiod.get<SidecarScopeJson>(pod, `/debug/sidecarz?proxyID=${encodeURIComponent(proxy.proxy!)}`, signal));
        for (const change of changes) {
          const mark = change.mark as PushMark;
          const why = await proxyBehind(proxy, change, mark.byPod.get(pod) ?? mark.floor, state, scope, pod);
          if (why) behind.get(change)!.push(`${proxy.proxy} (istiod ${pod}) ${why}`);
        }
      }
    }
    return [...behind]
      .filter(([, proxies]) => proxies.length > 0)
      .map(([change, proxies]) => {
        const named = proxies.slice(0, MAX_PROXIES_NAMED).join(', ');
        const more = proxies.length > MAX_PROXIES_NAMED ? ` and ${proxies.length - MAX_PROXIES_NAMED} more` : '';
        return `${describeObject(change.id)}: ${proxies.length} proxy(ies) behind: ${named}${more}`;
      });
  }
}

interface ProbeState {
  rootNamespace?: string;
  /** Proxies seen once with a rebuilt scope and no push: one more look tells a push in the making from none. */
  confirming: Set<string>;
}

/** A proxy's SidecarScope version, asked at most once per probe. */
class ScopeVersion {
  private answer?: Promise<PushVersion | 'gone' | undefined>;
  constructor(private readonly read: () => Promise<{ body: SidecarScopeJson }>) {}
  get(): Promise<PushVersion | 'gone' | undefined> {
    this.answer ??= this.read().then(
      ({ body }) => parsePushVersion(body.version ?? ''),
      (error: unknown) => {
        if (error instanceof ProxyNotConnected) return 'gone' as const;
        throw error;
      },
    );
    return this.answer;
  }
}

/** The newest push version an istiod has sent any proxy. */
function newestOf(proxies: SyncStatus[]): PushVersion | undefined {
  return proxies.map(newestSent).reduce<PushVersion | undefined>((a, b) => (b && (!a || comparePushVersions(b, a) > 0) ? b : a), undefined);
}

/** A Go duration ("100ms", "1.5s", "1m30s") in ms, or undefined when it is not one. */
export function goDurationMs(value: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) return undefined;
  return [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0);
}

/** The newest push version among a proxy's sent nonces. */
function newestSent(proxy: SyncStatus): PushVersion | undefined {
  let newest: PushVersion | undefined;
  for (const resource of Object.values(proxy.resources ?? {})) {
    const version = resource.sent ? pushVersionOfNonce(resource.sent) : undefined;
    if (version && (!newest || comparePushVersions(version, newest) > 0)) newest = version;
  }
  return newest;
}

/** Why istiod does not hold the change yet, or undefined when it does. */
function takenWhy(configz: ConfigzObject[], change: IstioChange): string | undefined {
  const group = groupOf(change.id.apiVersion);
  const held = configz.find(
    (o) =>
      groupOf(o.apiVersion) === group &&
      o.kind === change.id.kind &&
      o.metadata.name === change.id.name &&
      (o.metadata.namespace ?? '') === (change.id.namespace ?? ''),
  );
  if (change.resourceVersion === undefined)
    return held ? `still holds it (resourceVersion ${held.metadata.resourceVersion}), though it was deleted` : undefined;
  if (!held) return 'does not hold it yet (it never will for a namespace meshConfig.discoverySelectors leaves out)';
  if (!atOrPast(held.metadata.resourceVersion, change.resourceVersion))
    return `holds it at resourceVersion ${held.metadata.resourceVersion}, and the change made ${change.resourceVersion}`;
  return undefined;
}

/**
 * Resource versions of one type compare as integers (Kubernetes 1.35, KEP-5504; the API server
 * has always issued etcd revisions); anything else is compared for equality only.
 */
export function atOrPast(held: string | undefined, wanted: string): boolean {
  if (held === undefined) return false;
  if (/^\d+$/.test(held) && /^\d+$/.test(wanted)) return BigInt(held) >= BigInt(wanted);
  return held === wanted;
}

/** Why this proxy has not taken the change up, or undefined when it has or never will. */
async function proxyBehind(
  proxy: SyncStatus,
  change: IstioChange,
  mark: PushVersion,
  state: ProbeState,
  scope: ScopeVersion,
  pod: string,
): Promise<string | undefined> {
  const dependence = pushDependence(
    { group: groupOf(change.id.apiVersion), kind: change.id.kind, namespace: change.id.namespace ?? '' },
    { type: proxy.proxy_type ?? '', namespace: proxyNamespaceOf(proxy.proxy!) },
    state.rootNamespace!,
  );
  if (dependence === 'never') return undefined;
  const pushed = Object.values(proxy.resources ?? {}).filter((r) => {
    const version = r.sent ? pushVersionOfNonce(r.sent) : undefined;
    return version !== undefined && comparePushVersions(version, mark) > 0;
  });
  if (pushed.length > 0) {
    const rejected = pushed.find((r) => syncStateOf(r) === 'ERROR');
    if (rejected) return `rejected istiod's push: ${rejected.lastError}`;
    const stale = pushed.find((r) => syncStateOf(r) === 'STALE');
    if (stale) return `has not acknowledged istiod's push ${versionOf(stale.sent)} (last acknowledged: ${versionOf(stale.acked)})`;
    return undefined;
  }
  const newest = newestSent(proxy);
  const since = `its newest push is ${newest ? formatPushVersion(newest) : 'none'}, istiod had pushed ${formatPushVersion(mark)} before the change`;
  if (dependence === 'always') return `has had no push from istiod since the change (${since})`;
  const rebuilt = await scope.get();
  if (rebuilt === 'gone') return undefined;
  if (rebuilt && comparePushVersions(rebuilt, mark) > 0) {
    // istiod rebuilds the scope, then pushes if the proxy depends on the change (ads.go
    // pushConnection): a scope with nothing sent after it, seen twice, means no push is coming.
    const key = `${pod}|${proxy.proxy}|${describeObject(change.id)}|${formatPushVersion(rebuilt)}`;
    if (state.confirming.has(key)) return undefined;
    state.confirming.add(key);
    return `has a scope of ${formatPushVersion(rebuilt)} and no push yet (looking again to tell whether one is on its way)`;
  }
  return `has had neither a push nor a new scope from istiod since the change (${since})`;
}

function versionOf(nonce: string | undefined): string {
  const version = nonce ? pushVersionOfNonce(nonce) : undefined;
  return version ? formatPushVersion(version) : nonce || 'none';
}
