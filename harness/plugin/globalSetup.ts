/**
 * Vitest global setup (main process): brings up the chosen provider once per run and shares
 * its ClusterHandle with the workers through `provide`. Not when tests are only collected
 * (`vitest list`), which runs global setup too.
 */
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createProvider, ProviderError } from '../providers/index.js';
import { ENV, resolveRunSettings, SettingsError } from './options.js';
import { providerBanner, stderrProgress } from './progress.js';
import { CLUSTER_KEY, OPTIONS_KEY } from './provided.js';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (isWithoutCluster()) return undefined;
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const options = project.config.provide[OPTIONS_KEY];
  if (!options) throw new SettingsError('meshspec global setup runs only with the meshspec() plugin in the same Vitest project');
  const settings = resolveRunSettings(process.env, options, runId);
  const progress = stderrProgress();
  if (!process.env[ENV.bannerShown]) progress.info(providerBanner(settings.provider, settings.istioVersion));
  try {
    const provider = await createProvider(settings.provider);
    const handle = await provider.setup({
      runId,
      istioVersion: settings.istioVersion,
      profiles: settings.profiles,
      reuse: settings.reuse,
      artifactsDir: settings.artifactsDir,
      rootDir: settings.rootDir,
      progress,
      settings: settings.providerSettings,
    });
    project.provide(CLUSTER_KEY, handle);
    return () => provider.teardown();
  } catch (error) {
    throw error instanceof ProviderError ? withoutStack(error) : error;
  }
}

function isWithoutCluster(): boolean {
  return process.env[ENV.noCluster] === '1' || (/vitest(\.m?js)?$/.test(process.argv[1] ?? '') && process.argv[2] === 'list');
}

/** A provider failure is the user's to act on: its message and hint, no stack trace. */
function withoutStack(error: ProviderError): ProviderError {
  error.stack = `${error.name}: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`;
  return error;
}
