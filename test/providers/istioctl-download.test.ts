/** istioctl download against a local HTTP server standing in for Istio's GitHub releases. */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../harness/contract/cluster.js';
import { DEFAULT_ISTIO_VERSION } from '../../harness/providers/istio/versions.js';
import { ensureIstioctl, isIstioRelease, istioctlAssetName, istioctlCachePath } from '../../harness/providers/istioctl/download.js';

const VERSION = '1.30.5';
const ASSET = `istioctl-${VERSION}-linux-amd64.tar.gz`;
let server: Server;
let baseUrl: string;
let archive: Buffer;
const requests: string[] = [];
/** What the server answers for the .sha256 file; a test may corrupt it. */
let published = '';

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), 'meshspec-istioctl-src-'));
  writeFileSync(join(work, 'istioctl'), `#!/bin/sh\necho ${VERSION}\n`);
  chmodSync(join(work, 'istioctl'), 0o755);
  await execa('tar', ['-czf', join(work, ASSET), '-C', work, 'istioctl']);
  archive = readFileSync(join(work, ASSET));
  published = `${createHash('sha256').update(archive).digest('hex')}  ${ASSET}\n`;
  server = createServer((req, res) => {
    requests.push(req.url!);
    // GitHub answers release downloads with a redirect to its object store.
    if (req.url === `/releases/${VERSION}/${ASSET}`) return res.writeHead(302, { location: `/objects/${ASSET}` }).end();
    if (req.url === `/objects/${ASSET}`) return res.writeHead(200, { 'content-length': archive.length }).end(archive);
    if (req.url === `/releases/${VERSION}/${ASSET}.sha256`) return res.writeHead(200).end(published);
    res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function freshEnv(): NodeJS.ProcessEnv {
  return { MESHSPEC_CACHE: mkdtempSync(join(tmpdir(), 'meshspec-cache-')), MESHSPEC_ISTIO_DOWNLOAD_URL: baseUrl };
}

describe('istioctl download', () => {
  it('downloads, verifies and extracts into the cache once, then uses the cached binary', async () => {
    const env = freshEnv();
    const progress: string[] = [];
    const first = await ensureIstioctl({ version: VERSION, env, platform: 'linux', arch: 'x64', onProgress: (d) => progress.push(d) });
    expect(first).toEqual({ path: join(env.MESHSPEC_CACHE!, 'istio', VERSION, 'istioctl'), downloaded: true });
    expect((await execa(first.path)).stdout).toBe(VERSION);
    expect(progress.at(-1)).toBe(`${(archive.length / 1e6).toFixed(1)} / ${(archive.length / 1e6).toFixed(1)} MB`);

    const before = requests.length;
    await expect(ensureIstioctl({ version: VERSION, env, platform: 'linux', arch: 'x64' })).resolves.toEqual({ path: first.path, downloaded: false });
    expect(requests.length).toBe(before);
  });

  it('refuses an archive whose sha256 does not match and caches nothing', async () => {
    const env = freshEnv();
    const good = published;
    published = `${'0'.repeat(64)}  ${ASSET}\n`;
    try {
      const error = (await ensureIstioctl({ version: VERSION, env, platform: 'linux', arch: 'x64' }).catch((e: unknown) => e)) as ProviderError;
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.message).toContain(`Checksum mismatch for ${baseUrl}/${VERSION}/${ASSET}: expected sha256 ${'0'.repeat(64)}`);
      expect(existsSync(istioctlCachePath(VERSION, env))).toBe(false);
    } finally {
      published = good;
    }
  });

  it('says which version does not exist', async () => {
    const error = (await ensureIstioctl({ version: '1.30.99', env: freshEnv(), platform: 'linux', arch: 'x64' }).catch((e: unknown) => e)) as ProviderError;
    expect(error.message).toBe(`Downloading ${baseUrl}/1.30.99/istioctl-1.30.99-linux-amd64.tar.gz.sha256 answered HTTP 404.`);
    expect(error.hint).toContain('Is 1.30.99 an Istio release?');
  });

  it('refuses a version that is no release tag without asking the server', async () => {
    const before = requests.length;
    const error = (await ensureIstioctl({ version: 'unknown', env: freshEnv(), platform: 'linux', arch: 'x64' }).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(`"unknown" is not an Istio release version (such as ${DEFAULT_ISTIO_VERSION}), so there is no istioctl to download for it.`);
    expect(requests.length).toBe(before);
    expect(['1.30.5', '1.31.0-beta.1', '1.29.0-rc.0'].filter(isIstioRelease)).toHaveLength(3);
    expect(['unknown', 'latest', '1.30', 'v1.30.5'].filter(isIstioRelease)).toEqual([]);
  });

  it('names assets as Istio publishes them', () => {
    expect(istioctlAssetName('1.29.6', 'linux', 'x64')).toBe('istioctl-1.29.6-linux-amd64.tar.gz');
    expect(istioctlAssetName('1.29.6', 'linux', 'arm64')).toBe('istioctl-1.29.6-linux-arm64.tar.gz');
    expect(istioctlAssetName('1.29.6', 'darwin', 'arm64')).toBe('istioctl-1.29.6-osx-arm64.tar.gz');
    expect(istioctlAssetName('1.29.6', 'darwin', 'x64')).toBe('istioctl-1.29.6-osx.tar.gz');
    expect(() => istioctlAssetName('1.29.6', 'win32', 'x64')).toThrow('Istio publishes no istioctl for win32/x64.');
  });
});
