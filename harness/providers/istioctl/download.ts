/**
 * Fetches istioctl for one Istio version into the cache (`<cache>/istio/<version>/istioctl`),
 * verified against the release's `.sha256`. Versions live side by side; a cached binary is never
 * downloaded again. MESHSPEC_ISTIO_DOWNLOAD_URL points the download at a mirror (and the tests at
 * a local server).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { ProviderError } from '../../contract/cluster.js';
import { cacheRoot } from './cache-dir.js';
import { download, downloadDispatcher, fetchText, isCached, writeCacheFile, type DownloadHints } from './fetch-file.js';
import { DEFAULT_ISTIO_VERSION } from '../istio/versions.js';
import { extractFileFromTarGz } from './tar.js';

const ISTIO_RELEASES_URL = 'https://github.com/istio/istio/releases/download';

export interface IstioctlDownloadOptions {
  version: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  arch?: string;
  /** Told "12.1 / 30.4 MB" while the archive arrives. */
  onProgress?: (detail: string) => void;
}

export interface CachedIstioctl {
  path: string;
  /** False when the binary was already in the cache. */
  downloaded: boolean;
}

/** "downloaded to PATH" or "cached at PATH", for a progress line. */
export function describeCachedIstioctl(cached: CachedIstioctl): string {
  return cached.downloaded ? `downloaded to ${cached.path}` : `cached at ${cached.path}`;
}

/** The release asset for this OS and CPU, as Istio's own downloadIstioCtl.sh names it. */
export function istioctlAssetName(version: string, platform: NodeJS.Platform, arch: string): string {
  const cpu = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : null;
  if (!cpu || (platform !== 'linux' && platform !== 'darwin')) {
    throw new ProviderError(
      `Istio publishes no istioctl for ${platform}/${arch}.`,
      'Run meshspec on Linux or macOS (amd64 or arm64), or use the sim provider.',
    );
  }
  // Istio names Intel macOS builds without a CPU suffix.
  const suffix = platform === 'linux' ? `linux-${cpu}` : cpu === 'arm64' ? 'osx-arm64' : 'osx';
  return `istioctl-${version}-${suffix}.tar.gz`;
}

/** A release tag as Istio's GitHub releases name them: "1.30.5", "1.31.0-beta.1". */
export function isIstioRelease(version: string): boolean {
  return /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version);
}

export function istioctlCachePath(version: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'istio', version, 'istioctl');
}

export async function ensureIstioctl(options: IstioctlDownloadOptions): Promise<CachedIstioctl> {
  const env = options.env ?? process.env;
  const target = istioctlCachePath(options.version, env);
  if (await isCached(target, constants.X_OK)) return { path: target, downloaded: false };
  // Refused before any request: a tag such as "latest" or "unknown" has no release to download.
  if (!isIstioRelease(options.version)) {
    throw new ProviderError(
      `"${options.version}" is not an Istio release version (such as ${DEFAULT_ISTIO_VERSION}), so there is no istioctl to download for it.`,
    );
  }

  const asset = istioctlAssetName(options.version, options.platform ?? process.platform, options.arch ?? process.arch);
  const url = `${(env.MESHSPEC_ISTIO_DOWNLOAD_URL || ISTIO_RELEASES_URL).replace(/\/$/, '')}/${options.version}/${asset}`;
  const hints: DownloadHints = {
    unreachable: "Check the network, or set MESHSPEC_ISTIO_DOWNLOAD_URL to a mirror of Istio's GitHub releases.",
    notFound: `Is ${options.version} an Istio release? See https://github.com/istio/istio/releases.`,
  };
  const dispatcher = downloadDispatcher();
  try {
    const expected = (await fetchText(`${url}.sha256`, dispatcher, hints)).trim().split(/\s+/)[0].toLowerCase();
    const archive = await download(url, dispatcher, hints, options.onProgress);
    const actual = createHash('sha256').update(archive).digest('hex');
    if (actual !== expected) {
      throw new ProviderError(
        `Checksum mismatch for ${url}: expected sha256 ${expected}, got ${actual}. Nothing was cached.`,
        'Retry the run; if it persists, the download is being altered on the way (proxy?) or the mirror is stale.',
      );
    }
    const binary = extractFileFromTarGz(archive, 'istioctl');
    if (!binary) throw new ProviderError(`${url} holds no istioctl binary.`);
    await writeCacheFile(target, binary, 0o755);
    return { path: target, downloaded: true };
  } finally {
    await dispatcher.close();
  }
}
