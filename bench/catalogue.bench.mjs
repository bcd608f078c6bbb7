// The whole scenario catalogue on sim through the built CLI (`meshspec run --provider sim`),
// next to two figures measured in the same run: the slowest scenario run alone (no catalogue
// can finish sooner) and the sum of the scenarios' own durations in the catalogue run (what
// running them one after another would cost). Load average before and after each run.
//
//   pnpm build && node bench/catalogue.bench.mjs [--filter X]...
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const rootDir = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(rootDir, 'dist/harness/cli/bin.js');
const filters = process.argv.slice(2);
const outDir = mkdtempSync(path.join(tmpdir(), 'meshspec-catalogue-bench-'));

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs the CLI over the selected scenarios; wall time, load around it and Vitest's JSON report. */
async function runCatalogue(label, selection) {
  const outputFile = path.join(outDir, `${label}.json`);
  const loadBefore = load();
  const started = performance.now();
  const result = await execa('node', [cli, 'run', '--provider', 'sim', ...selection, '--reporter', 'json', '--outputFile', outputFile], {
    cwd: rootDir,
    reject: false,
  });
  const wallMs = performance.now() - started;
  let report;
  try {
    report = JSON.parse(readFileSync(outputFile, 'utf8'));
  } catch {
    throw new Error(`${label}: meshspec run wrote no report (exit ${result.exitCode}):\n${result.stderr.slice(-2000)}`);
  }
  return { label, wallMs, loadBefore, loadAfter: load(), report, exitCode: result.exitCode };
}

/** Each scenario file's own duration in a run, slowest first. */
function fileDurations(report) {
  return report.testResults.map((file) => ({ file: path.relative(rootDir, file.name), ms: file.endTime - file.startTime })).sort((a, b) => b.ms - a.ms);
}

function line(run, note) {
  const { numPassedTests, numFailedTests, numPendingTests } = run.report;
  const counts = `${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped`;
  return `${run.label.padEnd(22)} ${seconds(run.wallMs).padStart(8)}  (${counts}; load ${run.loadBefore} -> ${run.loadAfter})${note ? `  ${note}` : ''}`;
}

try {
  console.log(`cores: ${availableParallelism()}, load average (1, 5, 15 min): ${load()}`);
  const catalogue = await runCatalogue(
    'catalogue',
    filters.flatMap((filter) => ['--filter', filter]),
  );
  const durations = fileDurations(catalogue.report);
  const slowest = durations[0];
  const sumMs = durations.reduce((sum, file) => sum + file.ms, 0);
  const scenario = JSON.parse((await execa('node', [cli, 'list', slowest.file, '--json'], { cwd: rootDir })).stdout)[0].name;
  const alone = await runCatalogue('slowest alone', ['--filter', scenario]);

  console.log(`${durations.length} scenario files; slowest in the catalogue: ${slowest.file} (${seconds(slowest.ms)})`);
  console.log(line(catalogue, `one after another would take ${seconds(sumMs)} (sum of the files' durations)`));
  console.log(line(alone, `${scenario}; the catalogue takes ${(catalogue.wallMs / alone.wallMs).toFixed(2)}x this`));
  process.exitCode = catalogue.exitCode === 0 && alone.exitCode === 0 ? 0 : 1;
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
