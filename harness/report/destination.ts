/**
 * Where reports are written: checked before a run, so that a long run does not end in "cannot
 * write", and described when a write fails anyway. Either way the error names the file, the
 * system's reason (EACCES, ENOTDIR, ...) and what to do, instead of a stack trace.
 */
import { constants, type Stats } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Reporter } from 'vitest/reporters';

export class ReportDestinationError extends Error {
  override name = 'ReportDestinationError';
  constructor(
    readonly file: string,
    readonly code: string,
    reason: string,
    readonly hint: string,
  ) {
    super(`cannot write the report ${file}: ${code}, ${reason}`);
  }
}

/** Vitest's reporters that write to their `outputFile` (without one, junit and json print to the terminal, html and blob use their own default). */
const FILE_REPORTERS = new Set(['junit', 'json', 'html', 'blob']);

/**
 * The files a Vitest reporter configuration will write, resolved as Vitest resolves them
 * (against the root). A reporter object counts when it says where it writes (`outputFile`, as
 * meshspec's HtmlReporter does).
 */
export function reportDestinations(
  reporting: { reporters: ReadonlyArray<string | Reporter>; outputFile?: string | Record<string, string> },
  rootDir: string,
): string[] {
  const { reporters, outputFile } = reporting;
  return reporters.flatMap((reporter) => {
    if (typeof reporter !== 'string') {
      const own = (reporter as { outputFile?: unknown }).outputFile;
      return typeof own === 'string' ? [resolve(rootDir, own)] : [];
    }
    const file = FILE_REPORTERS.has(reporter) ? (typeof outputFile === 'string' ? outputFile : outputFile?.[reporter]) : undefined;
    return file ? [resolve(rootDir, file)] : [];
  });
}

/** Throws a ReportDestinationError for the first file that could not be created or replaced; creates nothing. */
export async function checkReportDestinations(files: readonly string[]): Promise<void> {
  for (const file of files) {
    try {
      await checkDestination(file);
    } catch (error) {
      throw error instanceof ReportDestinationError ? error : destinationError(file, error);
    }
  }
}

async function checkDestination(file: string): Promise<void> {
  const existing = await statIfPresent(file);
  if (existing?.isDirectory()) throw destinationError(file, { code: 'EISDIR', path: file });
  if (existing) return access(file, constants.W_OK);
  // A new file needs its nearest existing folder to be a folder it may be created in.
  let folder = dirname(file);
  let found = await statIfPresent(folder);
  while (!found) {
    folder = dirname(folder);
    found = await statIfPresent(folder);
  }
  if (!found.isDirectory()) throw destinationError(file, { code: 'ENOTDIR', path: folder });
  await access(folder, constants.W_OK | constants.X_OK);
}

/** Writes a report, creating its folders; a failure is a ReportDestinationError. */
export async function writeReportFile(file: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  } catch (error) {
    // The check names the file or folder in the way more precisely than the failed call does.
    await checkReportDestinations([file]);
    throw destinationError(file, error);
  }
}

/** The error for `file` from a file system error (its code, and the path it is about: the file or a folder on its way). */
export function destinationError(file: string, error: unknown): ReportDestinationError {
  const { code = 'EIO', path = file, message } = error as NodeJS.ErrnoException;
  const options = '(meshspec run --report-dir DIR, or --outputFile)';
  const elsewhere = `or write it elsewhere ${options}`;
  switch (code) {
    case 'EISDIR':
      return new ReportDestinationError(file, code, 'it is a directory', `name a file inside it, ${elsewhere}`);
    case 'ENOTDIR':
      return new ReportDestinationError(file, code, `${path} is a file, not a directory`, `move ${path} out of the way, ${elsewhere}`);
    case 'EACCES':
    case 'EPERM':
      return new ReportDestinationError(file, code, `no permission to write in ${path}`, `give yourself write access to ${path}, ${elsewhere}`);
    case 'EROFS':
      return new ReportDestinationError(file, code, `${path} is on a read-only file system`, `write it on a writable file system ${options}`);
    case 'ENOSPC':
      return new ReportDestinationError(file, code, 'no space left on the device', `free some space, ${elsewhere}`);
    default:
      return new ReportDestinationError(file, code, message ?? String(error), `write it elsewhere ${options}`);
  }
}

/** The stat of `path`, or undefined when nothing is there (ENOTDIR: a file stands where a folder on its way should be). */
async function statIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
