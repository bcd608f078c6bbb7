import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReportDestinations, destinationError, ReportDestinationError, reportDestinations, writeReportFile } from './destination.js';
import { HtmlReporter } from './html.js';

const dir = await mkdtemp(join(tmpdir(), 'meshspec-destination-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const aFile = join(dir, 'a-file');
await writeFile(aFile, 'in the way');

async function refusal(files: string[]): Promise<ReportDestinationError> {
  const error = await checkReportDestinations(files).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReportDestinationError);
  return error as ReportDestinationError;
}

describe('reportDestinations', () => {
  it('lists the files the reporters will write, resolved against the root', () => {
    const html = new HtmlReporter({ outputFile: '/out/index.html' });
    expect(reportDestinations({ reporters: ['default', 'junit', html], outputFile: { junit: 'r/junit.xml' } }, '/repo')).toEqual([
      '/repo/r/junit.xml',
      '/out/index.html',
    ]);
    expect(reportDestinations({ reporters: ['json', 'dot'], outputFile: 'r.json' }, '/repo')).toEqual(['/repo/r.json']);
    // Without a file, junit and json print to the terminal; a reporter object that does not say where it writes is not checked.
    expect(reportDestinations({ reporters: ['junit', 'json', { onInit() {} }] }, '/repo')).toEqual([]);
  });
});

describe('checkReportDestinations', () => {
  it('accepts a new file in folders still to be created, and an existing file, and creates nothing', async () => {
    const nested = join(dir, 'new', 'deeper', 'report.html');
    await checkReportDestinations([nested, aFile]);
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });

  it('refuses a directory, and a path through a file, naming the file in the way', async () => {
    expect((await refusal([dir])).message).toBe(`cannot write the report ${dir}: EISDIR, it is a directory`);
    const through = await refusal([join(dir, 'ok.xml'), join(aFile, 'sub', 'junit.xml')]);
    expect(through.message).toBe(`cannot write the report ${join(aFile, 'sub', 'junit.xml')}: ENOTDIR, ${aFile} is a file, not a directory`);
    expect(through.hint).toBe(`move ${aFile} out of the way, or write it elsewhere (meshspec run --report-dir DIR, or --outputFile)`);
  });

  // Root may write anywhere; CI runs as an ordinary user.
  it.skipIf(process.getuid?.() === 0)('refuses a folder without write permission', async () => {
    const locked = join(dir, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o555);
    try {
      expect((await refusal([join(locked, 'sub', 'x.html')])).message).toBe(
        `cannot write the report ${join(locked, 'sub', 'x.html')}: EACCES, no permission to write in ${locked}`,
      );
    } finally {
      await chmod(locked, 0o755);
    }
  });
});

describe('destinationError', () => {
  it('says why and what to do for each reason a write fails', () => {
    const error = (code: string, path?: string) => Object.assign(new Error(`${code}: failed`), { code, path });
    expect(destinationError('/r/x.html', error('EACCES', '/r'))).toMatchObject({
      message: 'cannot write the report /r/x.html: EACCES, no permission to write in /r',
      hint: 'give yourself write access to /r, or write it elsewhere (meshspec run --report-dir DIR, or --outputFile)',
    });
    expect(destinationError('/r/x.html', error('EROFS', '/r/x.html')).message).toBe(
      'cannot write the report /r/x.html: EROFS, /r/x.html is on a read-only file system',
    );
    expect(destinationError('/r/x.html', error('ENOSPC')).message).toBe('cannot write the report /r/x.html: ENOSPC, no space left on the device');
    expect(destinationError('/r/x.html', error('EBUSY'))).toMatchObject({
      message: 'cannot write the report /r/x.html: EBUSY, EBUSY: failed',
      hint: 'write it elsewhere (meshspec run --report-dir DIR, or --outputFile)',
    });
  });
});

describe('writeReportFile', () => {
  it('creates the folders and writes the file', async () => {
    const file = join(dir, 'written', 'r.html');
    await writeReportFile(file, '<html>');
    expect(await readFile(file, 'utf8')).toBe('<html>');
  });

  it('fails with the file in the way named, not the call that failed', async () => {
    const file = join(aFile, 'deeper', 'r.html');
    await expect(writeReportFile(file, '<html>')).rejects.toMatchObject({
      name: 'ReportDestinationError',
      message: `cannot write the report ${file}: ENOTDIR, ${aFile} is a file, not a directory`,
    });
  });
});
