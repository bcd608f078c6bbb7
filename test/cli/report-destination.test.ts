/**
 * `meshspec run` with a report it cannot write: one banner naming the file, the reason and the
 * fix, a non-zero exit, and no cluster started for a run whose results would be lost.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInlineCli, validSpec } from './inline.js';

const specs = { 'specs/smoke.spec.yaml': validSpec('smoke') };

function expectRefusedBeforeTheRun(result: { exitCode: number; all: string }, banner: string): void {
  expect(result.exitCode).toBe(1);
  expect(result.all.trim()).toBe(banner);
}

describe('meshspec run with an unwritable report destination', () => {
  it('names the file in the way of a --outputFile', async () => {
    const result = await runInlineCli({ ...specs, blocker: '' }, ['run', '--reporter', 'junit', '--outputFile', 'blocker/junit.xml']);
    const blocker = path.join(result.dir, 'blocker');
    expectRefusedBeforeTheRun(
      result,
      `meshspec: cannot write the report ${blocker}/junit.xml: ENOTDIR, ${blocker} is a file, not a directory\n  hint: move ${blocker} out of the way, or write it elsewhere (meshspec run --report-dir DIR, or --outputFile)`,
    );
  });

  it('refuses a --outputFile.REPORTER that is a directory', async () => {
    const result = await runInlineCli(specs, ['run', '--reporter', 'default', '--reporter', 'json', '--outputFile.json=specs']);
    expectRefusedBeforeTheRun(
      result,
      `meshspec: cannot write the report ${path.join(result.dir, 'specs')}: EISDIR, it is a directory\n  hint: name a file inside it, or write it elsewhere (meshspec run --report-dir DIR, or --outputFile)`,
    );
  });

  it('checks the report folder chosen with --report-dir', async () => {
    const result = await runInlineCli({ ...specs, 'out/reports': 'not a folder' }, ['run', '--report-dir', 'out/reports']);
    const reports = path.join(result.dir, 'out/reports');
    expectRefusedBeforeTheRun(
      result,
      `meshspec: cannot write the report ${reports}/junit.xml: ENOTDIR, ${reports} is a file, not a directory\n  hint: move ${reports} out of the way, or write it elsewhere (meshspec run --report-dir DIR, or --outputFile)`,
    );
  });

  it('checks the JUnit file and HTML report meshspec writes by default', async () => {
    const result = await runInlineCli({ ...specs, 'meshspec-report': 'not a folder' }, ['run']);
    const reports = path.join(result.dir, 'meshspec-report');
    expectRefusedBeforeTheRun(
      result,
      `meshspec: cannot write the report ${reports}/junit.xml: ENOTDIR, ${reports} is a file, not a directory\n  hint: move ${reports} out of the way, or write it elsewhere (meshspec run --report-dir DIR, or --outputFile)`,
    );
  });
});
