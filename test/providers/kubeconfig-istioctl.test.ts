/**
 * Which istioctl the kubeconfig provider uses on an Istio it found: a sim whose istiod runs the
 * image of Istio 1.30.5, istioctl downloads from a local server standing in for Istio's GitHub
 * releases (or from a port where nothing listens), and the fake istioctl of ./fakes on PATH.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigProvider } from '../../harness/providers/kubeconfig/index.js';
import { istioctlAssetName, istioctlCachePath } from '../../harness/providers/istioctl/download.js';
import { ProviderError, type ClusterHandle, type ProgressReporter, type ProviderOptions } from '../../harness/contract/cluster.js';
import { execOperation } from '../../harness/runner/steps/exec/index.js';
import type { StepContext } from '../../harness/runner/types.js';
import { startSim, type SimCluster } from '../../harness/sim/index.js';
import { FakeWorld, FAKES_DIR } from './fake-world.js';

const VERSION = '1.30.5';
const ASSET = istioctlAssetName(VERSION, process.platform, process.arch);

let sim: SimCluster;
let server: Server;
let releasesUrl: string;
/** Nothing listens on port 1: every download fails as without network. */
const UNREACHABLE_URL = 'http://127.0.0.1:1/releases';
const requests: string[] = [];
const lines: string[] = [];
const saved = { PATH: process.env.PATH, MESHSPEC_CACHE: process.env.MESHSPEC_CACHE, MESHSPEC_ISTIO_DOWNLOAD_URL: process.env.MESHSPEC_ISTIO_DOWNLOAD_URL };

/** The ready lines of phases and the messages between them; a failed setup rejects instead. */
const progress: ProgressReporter = {
  phase: (name) => ({ done: (detail) => lines.push(`${name}: ${detail}`), fail: () => {}, update: () => {} }),
  info: (message) => lines.push(message),
};

async function setup(settings: ProviderOptions['settings'] = {}): Promise<ClusterHandle> {
  lines.length = 0;
  const provider = kubeconfigProvider();
  const options: ProviderOptions = {
    runId: 'run-istioctl',
    profiles: ['minimal'],
    addons: [],
    reuse: false,
    artifactsDir: '/tmp/meshspec-artifacts',
    rootDir: process.cwd(),
    progress,
    // The sim runs the echo app of any tag without pulling it.
    settings: { kubeconfig: sim.kubeconfigPath, echoImage: 'meshspec/echo:dev', ...settings },
  };
  const handle = await provider.setup(options);
  await provider.teardown();
  return handle;
}

function istioLine(): string | undefined {
  return lines.find((line) => line.startsWith('Istio: '));
}

/** A fresh cache, downloads from `url`, and PATH as given. */
function environment(url: string, path: string | undefined = saved.PATH): string {
  const cache = mkdtempSync(join(tmpdir(), 'meshspec-cache-'));
  process.env.MESHSPEC_CACHE = cache;
  process.env.MESHSPEC_ISTIO_DOWNLOAD_URL = url;
  process.env.PATH = path;
  return cache;
}

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), 'meshspec-istioctl-release-'));
  writeFileSync(join(work, 'istioctl'), `#!/bin/sh\necho "client version: ${VERSION}"\n`);
  chmodSync(join(work, 'istioctl'), 0o755);
  await execa('tar', ['-czf', join(work, ASSET), '-C', work, 'istioctl']);
  const archive = readFileSync(join(work, ASSET));
  server = createServer((req, res) => {
    requests.push(req.url!);
    if (req.url === `/releases/${VERSION}/${ASSET}`) return res.writeHead(200, { 'content-length': archive.length }).end(archive);
    if (req.url === `/releases/${VERSION}/${ASSET}.sha256`) return res.writeHead(200).end(`${createHash('sha256').update(archive).digest('hex')}  ${ASSET}\n`);
    res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  releasesUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases`;

  // The sim's istiod, moved to the image Istio publishes for 1.30.5 (the distroless variant).
  sim = await startSim({ istioProfile: 'minimal' });
  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  await kc.makeApiClient(AppsV1Api).patchNamespacedDeployment({
    name: 'istiod',
    namespace: 'istio-system',
    body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: `docker.io/istio/pilot:${VERSION}-distroless` }],
  });
}, 90_000);
afterAll(async () => {
  await sim?.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('istioctl on an Istio the kubeconfig provider found', () => {
  it("downloads istioctl of the control plane's version once, then uses it from the cache, even with another istioctl on PATH", async () => {
    const world = new FakeWorld({ istioctlVersion: '1.29.0' });
    try {
      const cache = environment(releasesUrl, process.env.PATH);
      const cached = istioctlCachePath(VERSION, { MESHSPEC_CACHE: cache });
      const before = requests.length;

      const first = await setup();
      expect(first.istio).toEqual({ version: VERSION, profile: 'minimal', istioctl: cached, ambient: false });
      expect(istioLine()).toBe(`Istio: ${VERSION} (minimal); istioctl ${VERSION} downloaded to ${cached}`);
      expect(requests.slice(before)).toEqual([`/releases/${VERSION}/${ASSET}.sha256`, `/releases/${VERSION}/${ASSET}`]);
      expect((await execa(cached, ['version', '--remote=false'])).stdout).toBe(`client version: ${VERSION}`);

      const second = await setup();
      expect(second.istio.istioctl).toBe(cached);
      expect(istioLine()).toBe(`Istio: ${VERSION} (minimal); istioctl ${VERSION} cached at ${cached}`);
      expect(requests.length).toBe(before + 2);
      expect(lines.filter((line) => line.startsWith('warning:'))).toEqual([]);
    } finally {
      world.dispose();
    }
  });

  it('uses istioctl on PATH of exactly that version without downloading', async () => {
    const world = new FakeWorld({ istioctlVersion: VERSION });
    try {
      environment(releasesUrl, process.env.PATH);
      const before = requests.length;
      const handle = await setup();
      expect(handle.istio.istioctl).toBe(join(FAKES_DIR, 'istioctl'));
      expect(istioLine()).toBe(`Istio: ${VERSION} (minimal); istioctl ${VERSION} on PATH (${join(FAKES_DIR, 'istioctl')})`);
      expect(requests.length).toBe(before);
    } finally {
      world.dispose();
    }
  });

  it('without a download falls back to istioctl on PATH, and warns once with the fix when its minor differs', async () => {
    const world = new FakeWorld({ istioctlVersion: '1.29.0' });
    try {
      const cache = environment(UNREACHABLE_URL, process.env.PATH);
      const handle = await setup();
      const onPath = join(FAKES_DIR, 'istioctl');
      expect(handle.istio.istioctl).toBe(onPath);
      expect(istioLine()).toMatch(
        new RegExp(
          `^Istio: ${VERSION} \\(minimal\\); istioctl 1\\.29\\.0 on PATH \\(${onPath}\\); istioctl ${VERSION} could not be fetched \\(Could not download ${UNREACHABLE_URL}/${VERSION}/${ASSET}\\.sha256: .*ECONNREFUSED.*\\)$`,
        ),
      );
      const warnings = lines.filter((line) => line.startsWith('warning:'));
      expect(warnings).toEqual([
        `warning: istioctl on PATH is 1.29.0, but Istio's control plane is ${VERSION}. istioctl supports only its own minor version ±1 and kube-inject must match the control plane, so istioctl steps may fail or give wrong answers. ` +
          `To fix, put istioctl ${VERSION} on PATH or at ${istioctlCachePath(VERSION, { MESHSPEC_CACHE: cache })}, or let meshspec download it (it needs Istio's GitHub releases, or a mirror in MESHSPEC_ISTIO_DOWNLOAD_URL).`,
      ]);
      // Said after the ready line, not before it.
      expect(lines.indexOf(warnings[0]!)).toBe(lines.indexOf(istioLine()!) + 1);

      // Another patch of the same minor: used without a warning.
      world.update({ istioctlVersion: '1.30.2' });
      const sameMinor = await setup();
      expect(sameMinor.istio.istioctl).toBe(onPath);
      expect(istioLine()).toContain('istioctl 1.30.2 on PATH');
      expect(lines.filter((line) => line.startsWith('warning:'))).toEqual([]);
    } finally {
      world.dispose();
    }
  });

  it('with no istioctl at all says so in the ready line, and an istioctl step fails naming the fix', async () => {
    // PATH has kubectl, a prerequisite (answering as `kubectl version --client --output=json` does), and no istioctl.
    const path = mkdtempSync(join(tmpdir(), 'meshspec-no-istioctl-path-'));
    writeFileSync(join(path, 'kubectl'), `#!/bin/sh\necho '{"clientVersion":{"major":"1","minor":"36","gitVersion":"v1.36.4"},"kustomizeVersion":"v5.8.1"}'\n`);
    chmodSync(join(path, 'kubectl'), 0o755);
    const cache = environment(UNREACHABLE_URL, path);
    const handle = await setup();
    expect(handle.istio.istioctl).toBeNull();
    const line = istioLine()!;
    expect(line).toMatch(
      new RegExp(
        `^Istio: ${VERSION} \\(minimal\\); no istioctl: none on PATH, and istioctl ${VERSION} could not be fetched \\(Could not download .*ECONNREFUSED.*\\); steps that run istioctl will fail\\.`,
      ),
    );
    expect(line).toContain(
      `To fix, put istioctl ${VERSION} on PATH or at ${istioctlCachePath(VERSION, { MESHSPEC_CACHE: cache })}, or let meshspec download it`,
    );

    const ctx = { cluster: handle, signal: AbortSignal.timeout(30_000), log: () => {} } as unknown as StepContext;
    await expect(execOperation.exec({ exec: { command: ['istioctl', 'version'], exitCode: 0, optional: false } }, ctx)).rejects.toThrow(
      `istioctl is not available on the kubeconfig provider: put istioctl ${VERSION} on PATH for the provider to find (its Istio progress line says why it could not download it)`,
    );
  });
});

describe('istioctl from --istioctl on the kubeconfig provider', () => {
  const given = join(FAKES_DIR, 'istioctl');

  it("uses it as it is, downloading nothing, and warns once when its minor differs from the control plane's", async () => {
    const world = new FakeWorld({ istioctlVersion: VERSION });
    try {
      // An istioctl of the control plane's version on PATH too: the given one still wins.
      const cache = environment(releasesUrl, process.env.PATH);
      const before = requests.length;
      const handle = await setup({ istioctl: given });
      expect(handle.istio.istioctl).toBe(given);
      expect(istioLine()).toBe(`Istio: ${VERSION} (minimal); istioctl ${VERSION} from --istioctl (${given})`);
      expect(lines.filter((line) => line.startsWith('warning:'))).toEqual([]);

      world.update({ istioctlVersion: '1.29.0' });
      const older = await setup({ istioctl: given });
      expect(older.istio.istioctl).toBe(given);
      expect(istioLine()).toBe(`Istio: ${VERSION} (minimal); istioctl 1.29.0 from --istioctl (${given})`);
      expect(lines.filter((line) => line.startsWith('warning:'))).toEqual([
        `warning: istioctl from --istioctl is 1.29.0, but Istio's control plane is ${VERSION}. istioctl supports only its own minor version ±1 and kube-inject must match the control plane, so istioctl steps may fail or give wrong answers. ` +
          `To fix, give --istioctl an istioctl ${VERSION}, or leave it out to let meshspec find or download one.`,
      ]);
      expect(requests.length).toBe(before);
      expect(existsSync(istioctlCachePath(VERSION, { MESHSPEC_CACHE: cache }))).toBe(false);
    } finally {
      world.dispose();
    }
  });

  it('refuses a path that does not exist before touching the cluster, naming it and the fix', async () => {
    environment(UNREACHABLE_URL);
    const missing = join(tmpdir(), 'meshspec-no-such-dir', 'istioctl');
    const error = (await setup({ istioctl: missing }).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(`--istioctl ${missing}: no such file.`);
    expect(error.hint).toBe(
      'Give the path of an istioctl binary (e.g. istio-1.30.5/bin/istioctl), or leave --istioctl out to let meshspec find or download istioctl.',
    );
    expect(lines).toEqual([]);
  });
});
