/** The HTTPS endpoint: bearer-token authentication, the request handler, the kubeconfig. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { ApiError } from '../store/errors.js';
import type { ClusterApi } from './api.js';
import { createServerCertificates, type ServerCertificates } from './certs.js';
import { RequestHandler, sendError } from './handler.js';
import type { PodRuntime } from './types.js';

export const SIM_CONTEXT = 'meshspec-sim';

interface ApiServer {
  /** https://127.0.0.1:PORT */
  url: string;
  token: string;
  caPem: string;
  writeKubeconfig(path: string): Promise<void>;
  close(): Promise<void>;
}

export async function startApiServer(api: ClusterApi, runtime: PodRuntime, certificates: ServerCertificates = createServerCertificates()): Promise<ApiServer> {
  const token = randomBytes(24).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const handler = new RequestHandler(api, runtime);
  const server: Server = createServer({ cert: certificates.certPem, key: certificates.keyPem }, (req, res) => {
    const given = Buffer.from(String(req.headers.authorization ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      req.resume();
      return sendError(res, new ApiError(401, 'Unauthorized', 'Unauthorized'));
    }
    handler.handle(req, res).catch((error) => {
      req.resume();
      sendError(res, error);
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token,
    caPem: certificates.caPem,
    async writeKubeconfig(path: string) {
      const kubeconfig = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: SIM_CONTEXT, cluster: { server: url, 'certificate-authority-data': Buffer.from(certificates.caPem).toString('base64') } }],
        users: [{ name: SIM_CONTEXT, user: { token } }],
        contexts: [{ name: SIM_CONTEXT, context: { cluster: SIM_CONTEXT, user: SIM_CONTEXT, namespace: 'default' } }],
        'current-context': SIM_CONTEXT,
      };
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, stringify(kubeconfig), { mode: 0o600 });
    },
    close() {
      handler.closeWatches();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
