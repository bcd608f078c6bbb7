/**
 * HTTP downloads into meshspec's cache, shared by istioctl and the addon manifests: redirects
 * followed (GitHub answers release downloads with one), progress in megabytes, failures as
 * ProviderErrors with the URL and what to do, and files written under a temporary name first
 * so that an interrupted run never leaves half a file in the cache.
 */
import { access, chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname } from 'node:path';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { ProviderError } from '../../contract/cluster.js';

export interface DownloadHints {
  /** What to do when the server cannot be reached. */
  unreachable: string;
  /** What to check when the server answers 404. */
  notFound: string;
}

/** A dispatcher that follows redirects; close it when done. */
export function downloadDispatcher(): Dispatcher {
  return new Agent().compose(interceptors.redirect({ maxRedirections: 5 }));
}

export async function fetchText(url: string, dispatcher: Dispatcher, hints: DownloadHints): Promise<string> {
  const response = await get(url, dispatcher, hints);
  return response.body.text();
}

/** The whole body; `onProgress` is told "12.1 / 30.4 MB" while it arrives. */
export async function download(url: string, dispatcher: Dispatcher, hints: DownloadHints, onProgress?: (detail: string) => void): Promise<Buffer> {
  const response = await get(url, dispatcher, hints);
  const total = Number(response.headers['content-length'] ?? 0);
  const chunks: Buffer[] = [];
  let received = 0;
  let lastReport = 0;
  for await (const chunk of response.body) {
    chunks.push(chunk as Buffer);
    received += (chunk as Buffer).length;
    if (onProgress && (Date.now() - lastReport > 250 || received === total)) {
      lastReport = Date.now();
      onProgress(total ? `${megabytes(received)} / ${megabytes(total)} MB` : `${megabytes(received)} MB`);
    }
  }
  return Buffer.concat(chunks);
}

async function get(url: string, dispatcher: Dispatcher, hints: DownloadHints): Promise<Dispatcher.ResponseData> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, { dispatcher });
  } catch (error) {
    throw new ProviderError(`Could not download ${url}: ${(error as Error).message}`, hints.unreachable);
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new ProviderError(`Downloading ${url} answered HTTP ${response.statusCode}.`, response.statusCode === 404 ? hints.notFound : undefined);
  }
  return response;
}

function megabytes(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}

/** Writes `data` to `target` through a temporary name in the same directory, then renames it into place. */
export async function writeCacheFile(target: string, data: Buffer | string, mode = 0o644): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  await writeFile(partial, data);
  await chmod(partial, mode);
  await rename(partial, target);
}

export async function isCached(path: string, mode = constants.R_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}
