/**
 * The API clients of one worker, and of a provider's setup. @kubernetes/client-node is slow to
 * import and to configure, so each worker builds them once per cluster and every step shares them.
 *
 * A handle's `kubeconfig` is in $KUBECONFIG form: one file, or several joined with the path
 * delimiter, merged as kubectl merges them. API clients load the merged view here; kubectl and
 * istioctl get the list itself (`kubeToolOptions`), so every consumer reaches the same cluster
 * with the same credentials and no merged copy of the user's credentials is ever written.
 */
import { readFileSync } from 'node:fs';
import { delimiter, dirname } from 'node:path';
import {
  type ApiConstructor,
  type ApiType,
  type Configuration,
  CoreV1Api,
  createConfiguration,
  type HttpLibrary,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  KubernetesObjectApi,
  type Middleware,
  Observable,
  type RequestContext,
  ResponseContext,
  ServerConfiguration,
} from '@kubernetes/client-node';
import type { ClusterHandle } from '../contract/cluster.js';
import type { KubeClients } from './types.js';
import { KubeError } from './errors.js';

type Cluster = Pick<ClusterHandle, 'kubeconfig' | 'context'>;

interface ClientOptions {
  /** Each request the server has not answered within this many ms fails with ApiTimeoutError. */
  requestTimeoutMs?: number;
}

const clientsByCluster = new Map<string, KubeClients>();

/**
 * Keyed by the merged kubeconfig's content, not its paths: a cluster recreated at the same path
 * (a new sim, a kind cluster rebuilt in the same cache) has a new CA and token, and clients built
 * for the old one would fail with "unable to verify the first certificate".
 */
export function createKubeClients(cluster: Cluster, { requestTimeoutMs }: ClientOptions = {}): KubeClients {
  const kc = requestTimeoutMs === undefined ? new KubeConfig() : new DeadlineKubeConfig(requestTimeoutMs);
  mergeKubeconfigFiles(kc, cluster.kubeconfig);
  const key = `${kc.exportConfig()}\0${cluster.context}\0${requestTimeoutMs}`;
  let clients = clientsByCluster.get(key);
  if (!clients) {
    const context = kc.getContextObject(cluster.context);
    if (!context) {
      const known =
        kc
          .getContexts()
          .map((c) => c.name)
          .join(', ') || 'none';
      throw new KubeError(`${describeKubeconfig(cluster.kubeconfig)} has no context "${cluster.context}" (it has: ${known})`);
    }
    // client-node would say only "No active cluster!" (a file of the list that defines it is missing, say).
    if (!kc.getCluster(context.cluster)) {
      throw new KubeError(
        `context "${cluster.context}" of ${describeKubeconfig(cluster.kubeconfig)} uses cluster "${context.cluster}", which is not defined there: ` +
          'add it, or list the file that defines it in KUBECONFIG, or choose another context',
      );
    }
    kc.setCurrentContext(cluster.context);
    clients = { kc, core: kc.makeApiClient(CoreV1Api), objects: KubernetesObjectApi.makeApiClient(kc) };
    clientsByCluster.set(key, clients);
  }
  return clients;
}

/** The files of a kubeconfig in $KUBECONFIG form, without empty entries or repeats (as kubectl reads them). */
export function kubeconfigFiles(kubeconfig: string): string[] {
  return [...new Set(kubeconfig.split(delimiter).filter(Boolean))];
}

/** "kubeconfig /a" or "kubeconfig files /a, /b", for messages. */
export function describeKubeconfig(kubeconfig: string): string {
  const files = kubeconfigFiles(kubeconfig);
  return files.length === 1 ? `kubeconfig ${files[0]}` : `kubeconfig files ${files.join(', ')}`;
}

/** The merged view of a kubeconfig in $KUBECONFIG form; its current context is the first file's that sets one. */
export function loadKubeconfig(kubeconfig: string): KubeConfig {
  return mergeKubeconfigFiles(new KubeConfig(), kubeconfig);
}

/**
 * Merges the files into `kc` by kubectl's rules: a file that does not exist is skipped; the
 * first file to define a cluster, user or context name wins, and so does the first
 * current-context. client-node's own mergeConfig differs (a repeated name throws, the last
 * current-context wins). Relative certificate paths resolve against their own file's folder.
 */
function mergeKubeconfigFiles(kc: KubeConfig, kubeconfig: string): KubeConfig {
  const files = kubeconfigFiles(kubeconfig);
  kc.loadFromOptions({ clusters: [], users: [], contexts: [], currentContext: '' });
  let found = 0;
  for (const file of files) {
    const text = readKubeconfigFile(file);
    if (text === undefined) continue;
    found++;
    // An empty file is an empty config to kubectl; client-node cannot parse it.
    if (!text.trim()) continue;
    const part = new KubeConfig();
    try {
      part.loadFromString(text);
    } catch (error) {
      throw new KubeError(`cannot read kubeconfig ${file}: ${(error as Error).message}`);
    }
    part.makePathsAbsolute(dirname(file));
    const has = (list: { name: string }[], name: string) => list.some((entry) => entry.name === name);
    for (const cluster of part.clusters) if (!has(kc.clusters, cluster.name)) kc.addCluster(cluster);
    for (const user of part.users) if (!has(kc.users, user.name)) kc.addUser(user);
    for (const context of part.contexts) if (!has(kc.contexts, context.name)) kc.addContext(context);
    if (!kc.currentContext && part.currentContext) kc.currentContext = part.currentContext;
  }
  if (found === 0) {
    throw new KubeError(files.length === 1 ? `kubeconfig ${files[0]} does not exist` : `none of the kubeconfig files exists: ${files.join(', ')}`);
  }
  return kc;
}

/** The file's text, or undefined when it does not exist (skipped, as kubectl skips it). */
function readKubeconfigFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KubeError(`cannot read kubeconfig ${file}: ${(error as Error).message}`);
  }
}

/**
 * How kubectl and istioctl reach the run's cluster: the kubeconfig in their KUBECONFIG, which both
 * merge by the rules above (their --kubeconfig flag takes a single file), and the context as a flag.
 */
export function kubeToolOptions(cluster: Cluster): { args: string[]; env: { KUBECONFIG: string } } {
  return { args: ['--context', cluster.context], env: { KUBECONFIG: cluster.kubeconfig } };
}

/** A request the API server did not answer in time. */
export class ApiTimeoutError extends KubeError {
  override name = 'ApiTimeoutError';
  readonly server: string;
  constructor(
    method: string,
    url: string,
    readonly timeoutMs: number,
  ) {
    const { origin, pathname, search } = new URL(url);
    super(`the API server ${origin} did not answer ${method} ${pathname}${search} within ${timeoutMs / 1000}s`);
    this.server = origin;
  }
}

/**
 * The configuration of an API client for `kc`'s current cluster, bounded by the request timeout
 * `kc` was made with (if any). For clients built by hand with their own middleware (verbatim
 * PATCH bodies), which makeApiClient cannot give them.
 */
export function apiConfiguration(kc: KubeConfig, promiseMiddleware?: Middleware[]): Configuration {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeError('the kubeconfig has no current cluster');
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    httpApi: kc instanceof DeadlineKubeConfig ? new DeadlineHttpLibrary(kc.requestTimeoutMs) : undefined,
    promiseMiddleware,
  });
}

/**
 * A KubeConfig whose API clients give up on a request after `requestTimeoutMs`. Every client
 * made from it (here, and by discovery or anything else given `clients.kc`) goes through
 * makeApiClient or apiConfiguration, so that is where the deadline goes in.
 */
class DeadlineKubeConfig extends KubeConfig {
  constructor(readonly requestTimeoutMs: number) {
    super();
  }

  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    return new apiClientType(apiConfiguration(this));
  }
}

/** client-node's fetch with an abort signal per request; an aborted request or body becomes ApiTimeoutError. */
class DeadlineHttpLibrary implements HttpLibrary {
  private readonly fetch = new IsomorphicFetchHttpLibrary();

  constructor(private readonly timeoutMs: number) {}

  send(request: RequestContext): Observable<ResponseContext> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const own = request.getSignal();
    request.setSignal(own ? AbortSignal.any([own, deadline]) : deadline);
    const timedOut = (error: unknown): never => {
      throw deadline.aborted ? new ApiTimeoutError(request.getHttpMethod(), request.getUrl(), this.timeoutMs) : error;
    };
    return new Observable(
      this.fetch
        .send(request)
        .toPromise()
        .then(
          ({ httpStatusCode, headers, body }) =>
            new ResponseContext(httpStatusCode, headers, {
              text: () => body.text().catch(timedOut),
              binary: () => body.binary().catch(timedOut),
            }),
          timedOut,
        ),
    );
  }
}
