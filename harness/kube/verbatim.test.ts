import { createServer } from 'node:http';
import { PatchStrategy } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { localServers, writeKubeconfig } from './__tests__/api-server.js';
import { ApiTimeoutError, createKubeClients } from './clients.js';
import { withVerbatimBody } from './verbatim.js';

const listen = localServers();

it('gives up on a PATCH the server never answers, within the request timeout of the clients it was given', { timeout: 20_000 }, async () => {
  const bodies: string[] = [];
  // Answers discovery, then takes the PATCH and its body and never replies.
  const port = await listen(
    createServer((request, response) => {
      if (request.method === 'GET' && request.url === '/api/v1') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            kind: 'APIResourceList',
            groupVersion: 'v1',
            resources: [{ name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: ['patch'] }],
          }),
        );
        return;
      }
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => bodies.push(body));
    }),
  );
  const file = writeKubeconfig(`http://127.0.0.1:${port}`);
  const clients = createKubeClients({ kubeconfig: file, context: 'ctx' }, { requestTimeoutMs: 200 });
  const patch = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns' }, data: { $patch: 'replace' } };

  const error = await withVerbatimBody(clients, patch, (api) =>
    api.patch(patch, undefined, undefined, 'meshspec', undefined, PatchStrategy.StrategicMergePatch),
  ).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(ApiTimeoutError);
  expect((error as Error).message).toBe(
    `the API server http://127.0.0.1:${port} did not answer PATCH /api/v1/namespaces/ns/configmaps/x?fieldManager=meshspec within 0.2s`,
  );
  // Sent as written: client-node's models would have dropped the directive.
  expect(bodies).toEqual([JSON.stringify(patch)]);
});
