/**
 * Run settings in one place: environment variables (set by the `meshspec` CLI, or by a user
 * running Vitest directly) take precedence over plugin options, which take precedence over
 * defaults.
 */
import path from 'node:path';
import type { ClusterHandle, IstioProfile, ProviderName } from '../providers/types.js';

export const PROVIDER_NAMES = ['sim', 'kind', 'kubeconfig'] as const satisfies readonly ProviderName[];
const DEFAULT_PROVIDER: ProviderName = 'sim';

/** Options of the `meshspec()` plugin. */
export interface MeshspecOptions {
  /** Cluster provider; default `sim`. */
  provider?: ProviderName;
  /** Istio version to install (kind) or report (sim). */
  istioVersion?: string;
  /** Keep the cluster for the next run and reuse one that exists. */
  reuse?: boolean;
  /** Repository root: manifest paths in specs are relative to it. Default: Vite's root. */
  rootDir?: string;
  /** Test files, when the config does not set `test.include`. Default `specs/**\/*.spec.yaml`. */
  include?: string[];
  /** Module exporting `scenarioRun`; default meshspec's own runtime. */
  runtimeModule?: string;
  /** Provider settings: `kubeconfig`, `context`, `allowContext` (comma-separated context names). */
  settings?: Record<string, string | undefined>;
  /** A cluster that is already up: the global setup then brings up none. */
  cluster?: ClusterHandle;
}

/** What the plugin hands to its global setup (through Vitest's `provide`). */
export interface ProvidedOptions extends Omit<MeshspecOptions, 'include' | 'runtimeModule' | 'cluster'> {
  rootDir: string;
  /** Istio profiles the specs in the project ask for. */
  profiles: IstioProfile[];
}

/** Environment variables that override plugin options, for runs of Vitest without the CLI. */
export const ENV = {
  provider: 'MESHSPEC_PROVIDER',
  istioVersion: 'MESHSPEC_ISTIO',
  reuse: 'MESHSPEC_REUSE',
  profiles: 'MESHSPEC_PROFILES',
  kubeconfig: 'MESHSPEC_KUBECONFIG',
  context: 'MESHSPEC_CONTEXT',
  allowContext: 'MESHSPEC_ALLOW_CONTEXT',
  /** Run without a cluster: implied by `vitest list`; used by tests of the plugin itself. */
  noCluster: 'MESHSPEC_NO_CLUSTER',
} as const;

export interface RunSettings {
  provider: ProviderName;
  istioVersion?: string;
  reuse: boolean;
  profiles: IstioProfile[];
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
  return {
    provider: provider as ProviderName,
    istioVersion: env[ENV.istioVersion] || options.istioVersion,
    reuse: env[ENV.reuse] ? env[ENV.reuse] === '1' : (options.reuse ?? false),
    profiles,
    rootDir: options.rootDir,
    artifactsDir: path.join(options.rootDir, '.meshspec', 'runs', runId),
    providerSettings: {
      ...options.settings,
      ...definedOnly({ kubeconfig: env[ENV.kubeconfig], context: env[ENV.context], allowContext: env[ENV.allowContext] }),
    },
  };
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => Boolean(entry[1])));
}
