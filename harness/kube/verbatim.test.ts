import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatchStrategy } from '@kubernetes/client-node';
import { afterEach, expect, it } from 'vitest';
import { ApiTimeoutError, createKubeClients } from './clients.js';
import { withVerbatimBody } from './verbatim.js';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

it('gives up on a PATCH the server never answers, within the request timeout of the clients it was given', { timeout: 20_000 }, async () => {
  const bodies: string[] = [];
  // Answers discovery, then takes the PATCH and its body and never replies.
  server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/api/v1') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: ['patch'] }] }));
      return;
    }
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => bodies.push(body));
  });
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const file = join(mkdtempSync(join(tmpdir(), 'meshspec-verbatim-')), 'kubeconfig');
  writeFileSync(file, [
    'apiVersion: v1',
    'kind: Config',
    // client-node allows plain http only with TLS verification off.
    `clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]`,
    'users: [{ name: u, user: { token: t } }]',
    'contexts: [{ name: ctx, context: { cluster: c, user: u } }]',
    'current-context: ctx',
  ].join('\n'));
  const clients = createKubeClients({ kubeconfig: file, context: 'ctx' }, { requestTimeoutMs: 200 });
  const patch = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns' }, data: { $patch: 'replace' } };

  const error = await withVerbatimBody(clients, patch, (api) => api.patch(patch, undefined, undefined, 'meshspec', undefined, PatchStrategy.StrategicMergePatch))
    .catch((e: unknown) => e);

  expect(error).toBeInstanceOf(ApiTimeoutError);
  expect((error as Error).message).toBe(`the API server http://127.0.0.1:${port} did not answer PATCH /api/v1/namespaces/ns/configmaps/x?fieldManager=meshspec within 0.2s`);
  // Sent as written: client-node's models would have dropped the directive.
  expect(bodies).toEqual([JSON.stringify(patch)]);
});
