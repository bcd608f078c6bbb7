/** Bringing the provider up and down: shared by the global setup and the `meshspec run` command. */
import { randomBytes } from 'node:crypto';
import { createProvider } from '../providers/index.js';
import { describeApiError, httpStatusOf, isTransient } from '../kube/index.js';
import { ProviderError, type ClusterHandle, type ProgressReporter } from '../contract/cluster.js';
import type { RunSettings } from './options.js';
import { providerBanner } from './progress.js';

interface RunningCluster {
  handle: ClusterHandle;
  teardown(): Promise<void>;
  /** The provider's cluster-level diagnostics, printed as a line; for runs that failed. */
  diagnoseFailedRun(): Promise<void>;
}

/** Identifies a run: its namespaces' label and its artifacts directory. */
export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Names the provider (the run's first line), then sets it up, reporting each phase. */
export async function startCluster(runId: string, settings: RunSettings, progress: ProgressReporter): Promise<RunningCluster> {
  progress.info(providerBanner(settings.provider, settings.istioVersion));
  const provider = await createProvider(settings.provider);
  try {
    const handle = await provider.setup({
      runId,
      istioVersion: settings.istioVersion,
      profiles: settings.profiles,
      addons: settings.addons,
      reuse: settings.reuse,
      artifactsDir: settings.artifactsDir,
      rootDir: settings.rootDir,
      progress,
      settings: settings.providerSettings,
    });
    return {
      handle,
      teardown: () => provider.teardown(),
      diagnoseFailedRun: async () => {
        const line = await provider.diagnoseFailedRun?.(handle).catch((error: unknown) => `cluster diagnostics failed: ${String(error)}`);
        if (line) progress.info(line);
      },
    };
  } catch (error) {
    // Remove what a half-finished setup created; the setup's own error is the one to report.
    await provider.teardown().catch((teardownError: unknown) => progress.info(`  teardown after the failed setup also failed: ${String(teardownError)}`));
    throw asProviderError(error, settings);
  }
}

/**
 * Setup failures the provider did not phrase itself (an API server that does not answer, an
 * API error) still reach the user as a message and a hint, never as a stack trace.
 */
export function asProviderError(error: unknown, settings: Pick<RunSettings, 'provider'>): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = `the ${settings.provider} provider could not start: ${describeApiError(error)}`;
  const hint =
    isTransient(error) && httpStatusOf(error) === undefined
      ? "the cluster's API server did not answer: check that the cluster is running and that the kubeconfig and context are the right ones (kubectl --kubeconfig FILE --context NAME get namespaces)"
      : 'the cause is above; the phase that failed is marked with ✗';
  return Object.assign(new ProviderError(message, hint), { cause: error });
}
