/**
 * The provider contract: a provider brings up a cluster with Istio in the main process
 * (Vitest global setup, or the CLI) and describes it with a serialisable ClusterHandle
 * that workers receive through Vitest's provide/inject. Modelled on Playwright's
 * TestRunnerPlugin: a factory from options returns `{name, setup, teardown}`.
 */

export type ProviderName = 'sim' | 'kind' | 'kubeconfig';
export type IstioProfile = 'demo' | 'default' | 'minimal';

/** Istio's observability addons, as its release ships them in `samples/addons/<name>.yaml`. */
export const ADDONS = ['prometheus', 'grafana', 'kiali', 'jaeger'] as const;
export type Addon = (typeof ADDONS)[number];

/** Where the ingress gateway answers, as seen from the machine running the tests. */
export interface IngressTarget {
  /** Base URL, e.g. "http://127.0.0.1:30080". Requests set their own Host header. */
  http: string;
}

/** Everything a worker needs to reach and use the cluster. Must stay JSON-serialisable. */
export interface ClusterHandle {
  provider: ProviderName;
  /** Identifies this run; every namespace meshspec creates is labelled `meshspec.dev/run=<runId>`. */
  runId: string;
  /**
   * The cluster's kubeconfig in $KUBECONFIG form: one absolute path, or several joined with the
   * path delimiter that are merged as kubectl merges them (kube/clients.ts).
   */
  kubeconfig: string;
  /** Context to use inside that kubeconfig. */
  context: string;
  istio: {
    version: string;
    profile: IstioProfile;
    /** Absolute path of istioctl for this version, or null where the provider has none (sim). */
    istioctl: string | null;
    /**
     * Whether Istio's ambient data plane (ztunnel) runs in the cluster, so that scenarios with
     * `mesh: ambient` can run. meshspec installs sidecar profiles only, and sim does not emulate it.
     */
    ambient: boolean;
  };
  ingress: IngressTarget | null;
  /** Image references rewritten in applied manifests, e.g. meshspec/echo -> localhost:5001/meshspec/echo:abc123. */
  imageRewrites: Record<string, string>;
  /**
   * Values manifests may reference as ${NAME}: e.g. EXTERNAL_HOST / EXTERNAL_IP, where the
   * provider runs the "service outside the cluster" of the egress chapters. The runner adds NAMESPACE.
   */
  variables: Record<string, string>;
  /** Directory where diagnostics and reports of this run are written. */
  artifactsDir: string;
}

/** One line of progress per phase, with elapsed time; providers never print directly. */
export interface ProgressReporter {
  phase(name: string): { done(detail?: string): void; fail(error: unknown): void; update(detail: string): void };
  info(message: string): void;
}

export interface ProviderOptions {
  runId: string;
  /** Istio version to install (kind) or emulate (sim); undefined = the provider's default. */
  istioVersion?: string;
  /** Profiles the selected scenarios need; a provider installs the widest. */
  profiles: IstioProfile[];
  /** Addons the selected scenarios need, installed in istio-system (all of them, whatever the profile). */
  addons: Addon[];
  /** Keep the cluster for the next run and reuse one that exists. */
  reuse: boolean;
  artifactsDir: string;
  /** Repository root, for manifests, cluster configs and the echo app. */
  rootDir: string;
  progress: ProgressReporter;
  /** Provider-specific settings (kubeconfig path, context, allowed contexts...). */
  settings: Record<string, string | undefined>;
}

export interface ClusterProvider {
  name: ProviderName;
  setup(options: ProviderOptions): Promise<ClusterHandle>;
  /** Removes only what setup created (unless reuse was asked for). */
  teardown(): Promise<void>;
  /**
   * After a run with failures, before teardown: cluster-level diagnostics that no single step
   * owns (e.g. `kind export logs` when the cluster itself is unhealthy). Returns a line for the
   * user, or null when there is nothing to say.
   */
  diagnoseFailedRun?(handle: ClusterHandle): Promise<string | null>;
}

/** A provider failure the user can act on: printed as a banner without a stack trace. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
