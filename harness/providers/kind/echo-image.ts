/**
 * The echo app's image, built from apps/echo and pushed to the local registry, tagged by a hash of
 * its sources: an unchanged app is never rebuilt, and a changed one never runs stale.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { QUICK_TIMEOUT_MS, runTool, tryTool } from '../host/tools.js';

export const ECHO_IMAGE = 'meshspec/echo';
const IGNORED_DIRS = new Set(['node_modules', 'dist']);

/** First 12 hex digits of sha256 over every source file's path and contents, in a stable order. */
export async function sourceHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listFiles(dir)) {
    hash
      .update(relative(dir, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!IGNORED_DIRS.has(entry.name)) files.push(...(await listFiles(path)));
    } else if (entry.isFile()) {
      files.push(path);
    }
  }
  return files;
}

interface EchoImage {
  reference: string;
  /** False when the registry already had this tag. */
  built: boolean;
}

/** `registryHost` is the local registry's localhost:PORT, where the image is pushed and nodes pull it. */
export async function ensureEchoImage(docker: string, rootDir: string, registryHost: string, onLine?: (line: string) => void): Promise<EchoImage> {
  const context = join(rootDir, 'apps', 'echo');
  const reference = `${registryHost}/${ECHO_IMAGE}:${await sourceHash(context)}`;
  const present = await tryTool(docker, ['manifest', 'inspect', '--insecure', reference], { timeoutMs: QUICK_TIMEOUT_MS });
  if (present.exitCode === 0) return { reference, built: false };
  await runTool(docker, ['build', '-t', reference, context], { onLine, timeoutMs: 15 * 60_000 });
  await runTool(docker, ['push', reference], { onLine, timeoutMs: 10 * 60_000 });
  return { reference, built: true };
}
