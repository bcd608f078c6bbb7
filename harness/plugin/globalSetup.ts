/**
 * Vitest global setup (main process): brings up the chosen provider once per run and shares
 * its ClusterHandle with the workers through `provide`. Not when the cluster was given to the
 * plugin (the `meshspec run` command brings it up itself), and not when tests are only
 * collected (`vitest list`, which runs global setup too).
 */
import type { TestProject } from 'vitest/node';
import { ProviderError } from '../contract/cluster.js';
import { newRunId, startCluster } from './cluster.js';
import { ENV, resolveRunSettings, SettingsError } from './options.js';
import { stderrProgress } from './progress.js';
import { CLUSTER_KEY } from '../contract/provided.js';
import { OPTIONS_KEY } from './provided.js';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (isWithoutCluster() || project.config.provide[CLUSTER_KEY]) return undefined;
  const options = project.config.provide[OPTIONS_KEY];
  if (!options) throw new SettingsError('meshspec global setup runs only with the meshspec() plugin in the same Vitest project');
  const runId = newRunId();
  try {
    const cluster = await startCluster(runId, resolveRunSettings(process.env, options, runId), stderrProgress());
    project.provide(CLUSTER_KEY, cluster.handle);
    return cluster.teardown;
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
