/**
 * Run settings in one place: environment variables (set by the `meshspec` CLI, or by a user
 * running Vitest directly) take precedence over plugin options, which take precedence over
 * defaults.
 */
import path from 'node:path';
import type { LoadedSpec } from '../spec/index.js';
import { ADDONS, type Addon, type ClusterHandle, type IstioProfile, type ProviderName } from '../contract/cluster.js';

export const PROVIDER_NAMES = ['sim', 'kind', 'kubeconfig'] as const satisfies readonly ProviderName[];
const DEFAULT_PROVIDER: ProviderName = 'sim';

/** Options of the `meshspec()` plugin. */
export interface MeshspecOptions {
  /** Cluster provider; default `sim`. */
  provider?: ProviderName;
  /** Istio version to install (kind) or emulate (sim). */
  istioVersion?: string;
  /** Keep the cluster for the next run and reuse one that exists. */
  reuse?: boolean;
  /** Repository root: manifest paths in specs are relative to it. Default: Vite's root. */
  rootDir?: string;
  /** Test files, when the config does not set `test.include`. Default `specs/**\/*.spec.yaml`. */
  include?: string[];
  /** Module exporting `scenarioRun`; default meshspec's own runtime. */
  runtimeModule?: string;
  /**
   * Provider settings: `kubeconfig`, `context`, `allowContext` (comma-separated context names), `istioctl` (path of the istioctl
   * to use), and for kubeconfig `echoImage` (required), `installIstio` ("true"), `ingressGateway` (NAMESPACE/NAME).
   */
  settings?: Record<string, string | undefined>;
  /** A cluster that is already up: the global setup then brings up none. */
  cluster?: ClusterHandle;
  /**
   * The spec files to run, already loaded and valid (`meshspec run` has them): their tags are
   * declared and their text is not parsed again, instead of reading every spec under the root.
   */
  specs?: readonly LoadedSpec[];
}

/** What the plugin hands to its global setup (through Vitest's `provide`). */
export interface ProvidedOptions extends Omit<MeshspecOptions, 'include' | 'runtimeModule' | 'cluster' | 'specs'> {
  rootDir: string;
  /** Istio profiles the specs in the project ask for. */
  profiles: IstioProfile[];
  /** Addons the specs in the project ask for. */
  addons: Addon[];
}

/** Environment variables that override plugin options, for runs of Vitest without the CLI. */
export const ENV = {
  provider: 'MESHSPEC_PROVIDER',
  istioVersion: 'MESHSPEC_ISTIO',
  reuse: 'MESHSPEC_REUSE',
  profiles: 'MESHSPEC_PROFILES',
  addons: 'MESHSPEC_ADDONS',
  kubeconfig: 'MESHSPEC_KUBECONFIG',
  context: 'MESHSPEC_CONTEXT',
  allowContext: 'MESHSPEC_ALLOW_CONTEXT',
  istioctl: 'MESHSPEC_ISTIOCTL',
  ingressGateway: 'MESHSPEC_INGRESS_GATEWAY',
  /** Run without a cluster: implied by `vitest list`; used by tests of the plugin itself. */
  noCluster: 'MESHSPEC_NO_CLUSTER',
} as const;

export interface RunSettings {
  provider: ProviderName;
  istioVersion?: string;
  reuse: boolean;
  profiles: IstioProfile[];
  addons: Addon[];
  rootDir: string;
  artifactsDir: string;
  providerSettings: Record<string, string | undefined>;
}

/** A setting that cannot be used, e.g. MESHSPEC_PROVIDER=foo. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  readonly code = 'MESHSPEC_BAD_SETTING';
}

export function resolveRunSettings(env: NodeJS.ProcessEnv, options: ProvidedOptions, runId: string): RunSettings {
  const provider = env[ENV.provider] || options.provider || DEFAULT_PROVIDER;
  if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) {
    throw new SettingsError(`unknown provider "${provider}"; allowed: ${PROVIDER_NAMES.join(', ')}`);
  }
  const profiles = env[ENV.profiles] ? (env[ENV.profiles]!.split(',') as IstioProfile[]) : options.profiles;
  const addons = env[ENV.addons] ? env[ENV.addons]!.split(',') : options.addons;
  const unknownAddons = addons.filter((addon) => !(ADDONS as readonly string[]).includes(addon));
  if (unknownAddons.length > 0) {
    throw new SettingsError(`${ENV.addons} names unknown addons ${unknownAddons.map((a) => `"${a}"`).join(', ')}; allowed: ${ADDONS.join(', ')}`);
  }
  return {
    provider: provider as ProviderName,
    istioVersion: env[ENV.istioVersion] || options.istioVersion,
    reuse: env[ENV.reuse] ? env[ENV.reuse] === '1' : (options.reuse ?? false),
    profiles,
    addons: addons as Addon[],
    rootDir: options.rootDir,
    artifactsDir: path.join(options.rootDir, '.meshspec', 'runs', runId),
    providerSettings: {
      ...options.settings,
      ...definedOnly({
        kubeconfig: env[ENV.kubeconfig],
        context: env[ENV.context],
        allowContext: env[ENV.allowContext],
        istioctl: env[ENV.istioctl],
        ingressGateway: env[ENV.ingressGateway],
      }),
    },
  };
}

/** What some scenarios need of Istio: the profiles they ask for (a provider installs the widest) and every addon any of them uses. */
export interface IstioNeeds {
  profiles: IstioProfile[];
  addons: Addon[];
}

/**
 * The needs of scenarios from their `istio` blocks, read leniently so that specs not validated
 * yet can be scanned: a missing or unknown profile counts as the default (demo), unknown addons
 * are left out (validation reports them).
 */
export function istioNeeds(istioBlocks: readonly unknown[]): IstioNeeds {
  const profiles = new Set<IstioProfile>();
  const addons = new Set<Addon>();
  for (const block of istioBlocks) {
    const { profile, addons: wanted } = (block ?? {}) as { profile?: unknown; addons?: unknown };
    profiles.add(profile === 'default' || profile === 'minimal' ? profile : 'demo');
    if (Array.isArray(wanted)) for (const addon of wanted) if ((ADDONS as readonly unknown[]).includes(addon)) addons.add(addon as Addon);
  }
  return { profiles: [...profiles].sort(), addons: ADDONS.filter((addon) => addons.has(addon)) };
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => Boolean(entry[1])));
}
