/**
 * Reading istiod's debug endpoints, pod by pod, through a port-forward to the monitoring port.
 * Not through the API server's service proxy: istiod answers a debug request that does not come
 * from localhost only when it carries an xDS credential (pilot/pkg/xds/debug.go
 * `allowAuthenticatedOrLocalhost`), and the API server neither calls from localhost nor passes the
 * caller's token on (k8s.io/apiserver endpoints/filters/authentication.go deletes
 * `Authorization`), so that way gets 401. A port-forward is dialled on the pod's own localhost.
 * Each istiod replica serves only its own proxies and counts its own pushes, so every Ready pod
 * behind the Service is asked.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { ISTIOD_DEBUG_PORT } from '../../istio/debug.js';
import { describeApiError, isNotFound } from '../../kube/errors.js';
import { readyPods } from '../../kube/pods.js';
import { forwardPort, type PortForwardListener } from '../../kube/port-forward.js';
import type { KubeClients } from '../../kube/types.js';

export const ISTIOD_NAMESPACE = 'istio-system';
/** The default revision's Service (manifests/charts/istio-control/istio-discovery/templates/service.yaml). */
const ISTIOD_SERVICE = 'istiod';

/** An answer of one istiod pod, with its clock (Go's net/http sets `Date` on every response). */
export interface IstiodAnswer<T> {
  body: T;
  /** Epoch ms of the `Date` header: istiod's clock, whole seconds. */
  date: number;
}

/** istiod is there but cannot answer now (restarting, a dropped stream): worth asking again. */
export class IstiodUnavailable extends Error {
  override name = 'IstiodUnavailable';
}

/** The answer to a proxy-specific request for a proxy another istiod serves. */
export class ProxyNotConnected extends Error {
  override name = 'ProxyNotConnected';
}

/** How a pod's monitoring port is reached: a listener whose connections end up there. */
export type OpenPort = (pod: string) => Promise<Pick<PortForwardListener, 'url' | 'lastError' | 'close'>>;

export class IstiodDebug {
  private readonly forwards = new Map<string, ReturnType<OpenPort>>();

  constructor(
    private readonly kube: KubeClients,
    private readonly open: OpenPort = (pod) => forwardPort(kube, ISTIOD_NAMESPACE, async () => ({ pod, port: ISTIOD_DEBUG_PORT })),
  ) {}

  /** Names of the Ready istiod pods behind the Service, by name. */
  async pods(): Promise<string[]> {
    const service = await this.kube.core.readNamespacedService({ name: ISTIOD_SERVICE, namespace: ISTIOD_NAMESPACE }).catch((error: unknown) => {
      if (isNotFound(error))
        throw new Error(
          `there is no Service ${ISTIOD_NAMESPACE}/${ISTIOD_SERVICE}: meshspec reads istiod's debug endpoints to know when a change is in effect, and runs on Istio's default revision`,
        );
      throw error;
    });
    const selector = Object.entries(service.spec?.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods: V1Pod[] = selector ? await readyPods(this.kube, ISTIOD_NAMESPACE, selector) : [];
    const names = pods.map((pod) => pod.metadata!.name!);
    for (const name of [...this.forwards.keys()].filter((name) => !names.includes(name))) void this.drop(name);
    return names;
  }

  /** GET `path` (with its query) of one istiod pod's monitoring port, as JSON. */
  async get<T>(pod: string, path: string, signal?: AbortSignal): Promise<IstiodAnswer<T>> {
    const forward = await this.forward(pod);
    let response: Response;
    try {
      response = await fetch(`${forward.url}${path}`, { signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      const refused = forward.lastError();
      if (refused && /\b40[13]\b/.test(refused.message)) {
        throw new Error(
          `the API server refused a port-forward to istiod pod ${ISTIOD_NAMESPACE}/${pod}:${ISTIOD_DEBUG_PORT} (${describeApiError(refused)}): meshspec reads istiod's debug endpoints to know when a change is in effect; allow "create" on pods/portforward in ${ISTIOD_NAMESPACE}`,
        );
      }
      throw new IstiodUnavailable(
        `istiod pod ${pod} did not answer ${path}: ${refused ? describeApiError(refused) : (((error as Error).cause as Error | undefined)?.message ?? (error as Error).message)}`,
      );
    }
    const text = await response.text();
    if (response.status === 404 && path.startsWith('/debug/sidecarz')) throw new ProxyNotConnected(text.trim());
    if (response.status === 404) {
      throw new Error(
        `istiod pod ${pod} does not serve ${path} on port ${ISTIOD_DEBUG_PORT} (is its debug interface off, ENABLE_DEBUG_ON_HTTP=false?): meshspec needs it to know when a change is in effect`,
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new Error(
        `istiod pod ${pod} refused ${path} (${response.status}): it serves its debug endpoints without credentials to localhost only, which a port-forward is`,
      );
    }
    if (!response.ok) throw new IstiodUnavailable(`istiod pod ${pod} answered ${path} with ${response.status}: ${text.slice(0, 200)}`);
    const date = Date.parse(response.headers.get('date') ?? '');
    try {
      return { body: JSON.parse(text) as T, date: Number.isNaN(date) ? Date.now() : date };
    } catch {
      throw new Error(`istiod pod ${pod} answered ${path} with something that is not JSON: ${text.slice(0, 200)}`);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.forwards.keys()].map((name) => this.drop(name)));
  }

  private forward(pod: string): ReturnType<OpenPort> {
    let forward = this.forwards.get(pod);
    if (!forward) {
      forward = this.open(pod);
      this.forwards.set(pod, forward);
    }
    return forward;
  }

  private async drop(pod: string): Promise<void> {
    const forward = this.forwards.get(pod);
    this.forwards.delete(pod);
    await (await forward)?.close();
  }
}
