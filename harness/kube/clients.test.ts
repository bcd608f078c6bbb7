import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AppsV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kubeconfig, localServers, writeKubeconfig } from './__tests__/api-server.js';
import { ApiTimeoutError, createKubeClients, kubeToolOptions, loadKubeconfig } from './clients.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'meshspec-clients-'));

function write(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

describe('createKubeClients', () => {
  it('shares clients while the kubeconfig is unchanged, and builds new ones when a cluster is recreated at the same path', () => {
    const file = join(tempDir(), 'kubeconfig');
    writeFileSync(file, kubeconfig('https://127.0.0.1:1111'));
    const first = createKubeClients({ kubeconfig: file, context: 'ctx' });
    expect(createKubeClients({ kubeconfig: file, context: 'ctx' })).toBe(first);
    writeFileSync(file, kubeconfig('https://127.0.0.1:2222'));
    const second = createKubeClients({ kubeconfig: file, context: 'ctx' });
    expect(second).not.toBe(first);
    expect(second.kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:2222');
  });

  it('names the file and the contexts it has when the context is missing', () => {
    const file = join(tempDir(), 'kubeconfig');
    writeFileSync(file, kubeconfig('https://127.0.0.1:1111'));
    expect(() => createKubeClients({ kubeconfig: file, context: 'other' })).toThrow(`kubeconfig ${file} has no context "other" (it has: ctx)`);
  });

  it('names the context and the cluster it uses when no file of the list defines that cluster', () => {
    const file = write(tempDir(), 'kubeconfig', 'contexts: [{ name: ctx, context: { cluster: c, user: u } }]');
    expect(() => createKubeClients({ kubeconfig: file, context: 'ctx' }, { requestTimeoutMs: 200 })).toThrow(
      `context "ctx" of kubeconfig ${file} uses cluster "c", which is not defined there: add it, or list the file that defines it in KUBECONFIG, or choose another context`,
    );
  });

  it('uses a context whose cluster and user are defined in different files of the list', () => {
    const dir = tempDir();
    const clusters = write(
      dir,
      'clusters',
      'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:3333" } }]\ncontexts: [{ name: ctx, context: { cluster: c, user: u } }]',
    );
    const users = write(dir, 'users', 'users: [{ name: u, user: { token: from-second-file } }]');
    const { kc } = createKubeClients({ kubeconfig: [clusters, users].join(delimiter), context: 'ctx' });
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:3333');
    expect(kc.getCurrentUser()?.token).toBe('from-second-file');
  });
});

describe('loadKubeconfig (the list merged as kubectl merges $KUBECONFIG)', () => {
  it('skips files that do not exist; the first file to define a name or a current context wins', () => {
    const dir = tempDir();
    const first = write(
      join(dir, 'a'),
      'config',
      [
        'clusters: [{ name: shared, cluster: { server: "https://first:1" } }]',
        'users: [{ name: shared, user: { token: first } }]',
        'contexts: [{ name: shared, context: { cluster: shared, user: shared } }]',
        'current-context: shared',
      ].join('\n'),
    );
    const empty = write(dir, 'empty', '');
    const second = write(
      join(dir, 'b'),
      'config',
      [
        'clusters: [{ name: shared, cluster: { server: "https://second:2" } }, { name: own, cluster: { server: "https://second:3", certificate-authority: certs/ca.crt } }]',
        'users: [{ name: shared, user: { token: second } }, { name: own, user: { client-certificate: ../client.crt, client-key: /abs/client.key } }]',
        'contexts: [{ name: shared, context: { cluster: own, user: own } }, { name: own, context: { cluster: own, user: own } }]',
        'current-context: own',
      ].join('\n'),
    );
    const kc = loadKubeconfig([join(dir, 'missing'), first, empty, second, first].join(delimiter));
    expect(kc.getCurrentContext()).toBe('shared');
    expect(kc.getContexts().map((c) => `${c.name}:${c.cluster}`)).toEqual(['shared:shared', 'own:own']);
    expect(kc.getCluster('shared')?.server).toBe('https://first:1');
    expect(kc.getUser('shared')?.token).toBe('first');
    // Relative paths resolve against the folder of the file that names them.
    expect(kc.getCluster('own')?.caFile).toBe(join(dir, 'b', 'certs', 'ca.crt'));
    expect(kc.getUser('own')?.certFile).toBe(join(dir, 'client.crt'));
    expect(kc.getUser('own')?.keyFile).toBe('/abs/client.key');
  });

  it('names the files when none exists, and the file that cannot be parsed', () => {
    const dir = tempDir();
    expect(() => loadKubeconfig(join(dir, 'one'))).toThrow(`kubeconfig ${join(dir, 'one')} does not exist`);
    expect(() => loadKubeconfig([join(dir, 'one'), join(dir, 'two')].join(delimiter))).toThrow(
      `none of the kubeconfig files exists: ${join(dir, 'one')}, ${join(dir, 'two')}`,
    );
    const broken = write(dir, 'broken', 'clusters: [ {');
    expect(() => loadKubeconfig([join(dir, 'one'), broken].join(delimiter))).toThrow(`cannot read kubeconfig ${broken}: `);
  });
});

describe('kubeToolOptions', () => {
  it('gives kubectl and istioctl the whole list in KUBECONFIG (their --kubeconfig takes one file) and the context as a flag', () => {
    expect(kubeToolOptions({ kubeconfig: `/a${delimiter}/b`, context: 'ctx' })).toEqual({
      args: ['--context', 'ctx'],
      env: { KUBECONFIG: `/a${delimiter}/b` },
    });
  });
});

describe('request timeout', () => {
  const listen = localServers();

  it('fails a request the server never answers with the server, the request and the time waited, in every client made from the config', async () => {
    // Accepts the connection, never says a word (not even TLS).
    const port = await listen(createTcpServer(() => {}));
    const file = writeKubeconfig(`https://127.0.0.1:${port}`);
    const clients = createKubeClients({ kubeconfig: file, context: 'ctx' }, { requestTimeoutMs: 200 });
    await expect(clients.core.listNamespace()).rejects.toThrow(new ApiTimeoutError('GET', `https://127.0.0.1:${port}/api/v1/namespaces`, 200));
    const error = await clients.kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect((error as Error).message).toBe(
      `the API server https://127.0.0.1:${port} did not answer GET /apis/apps/v1/namespaces/istio-system/deployments/istiod within 0.2s`,
    );
    // Without a timeout, the same clients are not shared with the bounded ones.
    expect(createKubeClients({ kubeconfig: file, context: 'ctx' })).not.toBe(clients);
  });

  it('also bounds a response whose body never ends', async () => {
    const port = await listen(
      createHttpServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"kind":"NamespaceList",');
      }),
    );
    await expect(
      createKubeClients({ kubeconfig: writeKubeconfig(`http://127.0.0.1:${port}`), context: 'ctx' }, { requestTimeoutMs: 200 }).core.listNamespace(),
    ).rejects.toThrow(`the API server http://127.0.0.1:${port} did not answer GET /api/v1/namespaces within 0.2s`);
  });
});
