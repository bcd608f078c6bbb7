/**
 * `meshspec run`: validates and selects specs, brings the provider up (so that a failure is a
 * banner here rather than an error inside Vitest), runs the selected spec files with Vitest and
 * the meshspec plugin, and tears the provider down, also after Ctrl-C or SIGTERM.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter } from 'vitest/reporters';
import { ReportersMap, startVitest, version as vitestVersion } from 'vitest/node';
import { checkReportDestinations, HtmlReporter, ReportDestinationError, reportDestinations } from '../../report/index.js';
import { istioNeeds, meshspec, newRunId, resolveRunSettings, startCluster, stderrProgress, type RunSettings } from '../../plugin/index.js';
import { closest } from '../../spec/closest.js';
import type { LoadedSpec } from '../../spec/index.js';
import { CliError, UsageError } from '../errors.js';
import { watchInterruption } from '../interrupt.js';
import type { CliOptions } from '../options.js';
import { selectSpecs } from '../select.js';
import { loadValidSpecs } from '../specs.js';

/** Keeps workers alive through the first Ctrl-C, so that the cancelled run still runs afterAll. */
const WORKER_SIGNALS_MODULE = fileURLToPath(new URL('../worker-signals.js', import.meta.url));

/** Provider teardown (deleting a kind cluster) outlasts Vitest's 10 s default. */
const TEARDOWN_TIMEOUT_MS = 300_000;

export async function runCommand(paths: readonly string[], options: CliOptions, rootDir: string): Promise<number> {
  const specs = selectSpecs(loadValidSpecs(paths, rootDir), options.filter);
  const reporting = reporterOptions(options, rootDir);
  // Before the cluster comes up: a report that cannot be written should not cost a run, nor end it in a stack trace.
  await checkReportDestinations(reportDestinations(reporting, rootDir)).catch((error: unknown) => {
    throw error instanceof ReportDestinationError ? new CliError(error.message, 'MESHSPEC_REPORT_DESTINATION', error.hint) : error;
  });
  const vitestOptions = {
    ...reporting,
    config: false as const,
    root: rootDir,
    run: true,
    watch: false,
    teardownTimeout: TEARDOWN_TIMEOUT_MS,
    execArgv: ['--import', WORKER_SIGNALS_MODULE],
  };
  const runId = newRunId();
  const settings = runSettings(options, specs, rootDir, runId);
  // Listening from before the provider starts: a signal during its setup skips the tests.
  const interruption = watchInterruption(settings.provider);
  try {
    const cluster = await startCluster(runId, settings, stderrProgress());
    try {
      if (interruption.exitCode() === undefined) {
        await startVitest(
          'test',
          specs.map((spec) => spec.file),
          vitestOptions,
          { plugins: [meshspec({ rootDir, include: ['**/*.spec.yaml'], cluster: cluster.handle, specs }), interruption.vitestPlugin()] },
        );
        if (process.exitCode && interruption.exitCode() === undefined) await cluster.diagnoseFailedRun();
      }
    } finally {
      await cluster.teardown();
      // After Ctrl-C the user waits for this: whatever the run created is gone, it is safe to go on.
      if (interruption.exitCode() !== undefined) console.error(`interrupted: the ${settings.provider} teardown is done`);
    }
  } finally {
    interruption.dispose();
  }
  return interruption.exitCode() ?? Number(process.exitCode ?? 0);
}

/** Command-line options as run settings; the profiles and addons are those the selected scenarios need. */
export function runSettings(options: CliOptions, specs: readonly LoadedSpec[], rootDir: string, runId: string): RunSettings {
  const { profiles, addons } = istioNeeds(specs.map((spec) => spec.scenario.istio));
  const settings = {
    kubeconfig: options.kubeconfig,
    context: options.context,
    allowContext: options.allowContext.length > 0 ? options.allowContext.join(',') : undefined,
    installIstio: options.installIstio ? 'true' : undefined,
    echoImage: options.echoImage,
    ingressGateway: options.ingressGateway,
    istioctl: options.istioctl,
  };
  // Flags are the CLI's whole configuration: MESHSPEC_* variables are for runs of Vitest itself.
  return resolveRunSettings({}, { provider: options.provider, istioVersion: options.istio, reuse: options.reuse, settings, rootDir, profiles, addons }, runId);
}

/** Where `meshspec run` writes its reports unless told (--report-dir), relative to the root. */
const REPORT_DIR = 'meshspec-report';

/**
 * Vitest's terminal reporter and JUnit file unless the user chose reporters, and meshspec's
 * HTML report in any case, so that CI can upload both.
 */
export function reporterOptions(options: CliOptions, rootDir: string): { reporters: (string | Reporter)[]; outputFile?: string | Record<string, string> } {
  const { '': single, ...perReporter } = options.outputFile;
  if (single && Object.keys(perReporter).length > 0) throw new UsageError('use either --outputFile FILE or --outputFile.REPORTER=FILE, not both');
  const chosen = options.reporter.length > 0;
  for (const name of options.reporter) checkReporter(name, rootDir);
  const reportDir = path.resolve(rootDir, options.reportDir ?? REPORT_DIR);
  const html = new HtmlReporter({ outputFile: path.join(reportDir, 'index.html') });
  if (single) return { reporters: [...(chosen ? options.reporter : ['default']), html], outputFile: single };
  const names = chosen ? options.reporter : ['default', 'junit'];
  // Vitest ignores a file for a reporter that is not running: a typo would silently write nothing.
  for (const name of Object.keys(perReporter).filter((key) => !names.includes(key))) {
    const suggestion = closest(name, names);
    throw new UsageError(
      `--outputFile.${name}: no reporter "${name}" in this run (reporters: ${names.join(', ')})`,
      suggestion && `--outputFile.${suggestion}`,
    );
  }
  const junit: Record<string, string> = chosen ? {} : { junit: path.join(reportDir, 'junit.xml') };
  return { reporters: [...names, html], outputFile: { ...junit, ...perReporter } };
}

function isInstalled(packageName: string, rootDir: string): boolean {
  try {
    createRequire(path.join(rootDir, 'package.json')).resolve(packageName);
    return true;
  } catch (error) {
    // An ESM-only package is installed, only not loadable by require().
    return (error as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

/** Vitest's reporters by name ("html" comes with @vitest/ui, which Vitest offers to install). */
const VITEST_REPORTERS = [...Object.keys(ReportersMap), 'html'];

/**
 * A reporter Vitest can load: one of its own, a file, or a package installed for the root.
 * Checked before the cluster comes up, since Vitest would fail on it with a stack trace after.
 */
function checkReporter(name: string, rootDir: string): void {
  if (name === 'html') {
    if (isInstalled('@vitest/ui', rootDir)) return;
    throw new UsageError(
      `--reporter html: Vitest's HTML reporter needs the @vitest/ui package (pnpm add -D @vitest/ui@${vitestVersion}); meshspec's own HTML report is written to ${REPORT_DIR}/index.html (or --report-dir) on every run without it`,
    );
  }
  if (VITEST_REPORTERS.includes(name) || existsSync(path.resolve(rootDir, name)) || isInstalled(name, rootDir)) return;
  throw new UsageError(
    `--reporter ${name}: not one of Vitest's reporters (${VITEST_REPORTERS.join(', ')}), nor a file or an installed package`,
    closest(name, VITEST_REPORTERS),
  );
}
