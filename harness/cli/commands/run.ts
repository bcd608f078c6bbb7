/**
 * `meshspec run`: validates and selects specs here, then hands the selected files to Vitest
 * with the meshspec plugin; provider options reach the global setup through the environment.
 */
import { startVitest } from 'vitest/node';
import { DEFAULT_PROVIDER, ENV, meshspec, providerBanner } from '../../plugin/index.js';
import { createProvider } from '../../providers/index.js';
import { UsageError } from '../errors.js';
import type { CliOptions } from '../options.js';
import { selectSpecs } from '../select.js';
import { loadValidSpecs } from '../specs.js';

/** Provider teardown (deleting a kind cluster) outlasts Vitest's 10 s default. */
const TEARDOWN_TIMEOUT_MS = 300_000;

export async function runCommand(paths: readonly string[], options: CliOptions, rootDir: string): Promise<number> {
  const specs = selectSpecs(loadValidSpecs(paths, rootDir), options.filter);
  const provider = options.provider ?? DEFAULT_PROVIDER;
  const profiles = [...new Set(specs.map((spec) => spec.scenario.istio?.profile ?? 'demo'))].sort();
  // Fails here, as a banner, when the provider is not in this build; Vitest would bury it.
  await createProvider(provider);
  Object.assign(process.env, runEnvironment(options, profiles));
  console.error(providerBanner(provider, options.istio));

  const reporters = options.reporter.length > 0 ? { reporters: options.reporter } : {};
  const outputFile = Object.keys(options.outputFile).length > 0 ? { outputFile: outputFileOption(options.outputFile) } : {};
  await startVitest(
    'test',
    specs.map((spec) => spec.file),
    { config: false, root: rootDir, run: true, watch: false, teardownTimeout: TEARDOWN_TIMEOUT_MS, ...reporters, ...outputFile },
    { plugins: [meshspec({ rootDir, include: ['**/*.spec.yaml'] })] },
  );
  return Number(process.exitCode ?? 0);
}

/** The environment the global setup reads (see plugin/options.ts). */
export function runEnvironment(options: CliOptions, profiles: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.provider]: options.provider ?? DEFAULT_PROVIDER,
    [ENV.reuse]: options.reuse ? '1' : '0',
    [ENV.profiles]: profiles.join(','),
    [ENV.bannerShown]: '1',
  };
  if (options.istio) env[ENV.istioVersion] = options.istio;
  if (options.kubeconfig) env[ENV.kubeconfig] = options.kubeconfig;
  if (options.context) env[ENV.context] = options.context;
  if (options.allowContext.length > 0) env[ENV.allowContext] = options.allowContext.join(',');
  return env;
}

/** Vitest takes one file as a string, or a file per reporter as an object. */
function outputFileOption(files: Record<string, string>): string | Record<string, string> {
  const { '': single, ...perReporter } = files;
  if (Object.keys(perReporter).length === 0) return single;
  if (single) throw new UsageError('use either --outputFile FILE or --outputFile.REPORTER=FILE, not both');
  return perReporter;
}
