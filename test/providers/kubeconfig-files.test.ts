/**
 * The kubeconfig provider with $KUBECONFIG listing several files, against a running sim: the
 * context, its cluster and its user come from different files, and the provider, the API
 * clients and kubectl run by an exec step all reach the sim. And an API server that never
 * answers ends the setup with an error naming it, within the request timeout.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { createKubeClients } from '../../harness/kube/index.js';
import { kubeconfigProvider } from '../../harness/providers/kubeconfig/index.js';
import { API_TIMEOUT_ENV } from '../../harness/providers/setup/kube.js';
import { ProviderError, type ProgressReporter, type ProviderOptions } from '../../harness/contract/cluster.js';
import { execOperation } from '../../harness/runner/steps/exec/index.js';
import type { StepContext } from '../../harness/runner/types.js';
import { startSim, type SimCluster } from '../../harness/sim/index.js';

const progress: ProgressReporter = {
  phase: () => ({ done: () => {}, fail: () => {}, update: () => {} }),
  info: () => {},
};

function options(settings: ProviderOptions['settings']): ProviderOptions {
  return {
    runId: 'run-files',
    profiles: ['demo'],
    addons: [],
    reuse: false,
    artifactsDir: '/tmp/meshspec-artifacts',
    rootDir: process.cwd(),
    progress,
    settings: { echoImage: 'meshspec/echo:dev', ...settings },
  };
}

interface KubeconfigDoc {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
}

let sim: SimCluster;
beforeAll(async () => {
  sim = await startSim({ istioProfile: 'demo' });
}, 90_000);
afterAll(() => sim?.stop());
afterEach(() => vi.unstubAllEnvs());
// The provider fetches istioctl of the Istio it finds: offline here, from an empty cache.
beforeEach(() => {
  vi.stubEnv('MESHSPEC_CACHE', mkdtempSync(join(tmpdir(), 'meshspec-cache-')));
  vi.stubEnv('MESHSPEC_ISTIO_DOWNLOAD_URL', 'http://127.0.0.1:1/releases');
});

describe('kubeconfig provider with several kubeconfig files', () => {
  it('merges $KUBECONFIG as kubectl does: setup, API clients and kubectl in an exec step reach the context of the third file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshspec-kubeconfig-files-'));
    const sims = parse(readFileSync(sim.kubeconfigPath, 'utf8')) as KubeconfigDoc;
    // Third file, in a folder of its own: the sim's context and cluster, its CA in a file named relative to that folder.
    const simDir = join(dir, 'sim');
    mkdirSync(join(simDir, 'pki'), { recursive: true });
    writeFileSync(join(simDir, 'pki', 'ca.crt'), Buffer.from(String(sims.clusters[0]!.cluster['certificate-authority-data']), 'base64'));
    const { 'certificate-authority-data': _, ...server } = sims.clusters[0]!.cluster;
    const simFile = join(simDir, 'config');
    writeFileSync(
      simFile,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: sims.clusters[0]!.name, cluster: { ...server, 'certificate-authority': 'pki/ca.crt' } }],
        contexts: sims.contexts,
        'current-context': sims.contexts[0]!.name,
      }),
    );
    // Second file: the sim's user, and a current context elsewhere that wins over the third file's.
    const otherFile = join(dir, 'other');
    writeFileSync(
      otherFile,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'elsewhere', cluster: { server: 'https://127.0.0.1:9' } }],
        users: sims.users,
        contexts: [{ name: 'elsewhere', context: { cluster: 'elsewhere', user: sims.users[0]!.name } }],
        'current-context': 'elsewhere',
      }),
    );
    const list = [join(dir, 'missing'), otherFile, simFile].join(delimiter);
    vi.stubEnv('KUBECONFIG', list);

    const handle = await kubeconfigProvider().setup(options({ context: sims.contexts[0]!.name }));
    expect(handle).toMatchObject({ kubeconfig: list, context: sims.contexts[0]!.name, istio: { profile: 'demo' } });

    const { items } = await createKubeClients(handle).core.listNamespace();
    expect(items.map((ns) => ns.metadata?.name)).toContain('istio-system');

    const log: string[] = [];
    const ctx = { cluster: handle, signal: AbortSignal.timeout(30_000), log: (line: string) => log.push(line) } as unknown as StepContext;
    await execOperation.exec({ exec: { command: ['kubectl', 'get', 'ns'], exitCode: 0, optional: false, outputContains: ['istio-system'] } }, ctx);
    expect(log).toEqual([`$ KUBECONFIG=${list} kubectl --context ${sims.contexts[0]!.name} get ns`]);
  }, 60_000);

  it('ends the setup with an error naming the server and the request when the API server never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const server = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const file = join(mkdtempSync(join(tmpdir(), 'meshspec-kubeconfig-silent-')), 'config');
      writeFileSync(
        file,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'silent', cluster: { server } }],
          users: [{ name: 'silent', user: { token: 't' } }],
          contexts: [{ name: 'silent', context: { cluster: 'silent', user: 'silent' } }],
          'current-context': 'silent',
        }),
      );
      vi.stubEnv(API_TIMEOUT_ENV, '300');
      const error = await kubeconfigProvider()
        .setup(options({ kubeconfig: file, allowContext: 'silent' }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({
        message: `During "Istio", the API server ${server} did not answer GET /apis/apps/v1/namespaces/istio-system/deployments/istiod within 0.3s.`,
        hint: expect.stringContaining(`raise ${API_TIMEOUT_ENV} (now 300)`),
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 30_000);
});
