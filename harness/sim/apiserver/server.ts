/** The HTTPS endpoint: bearer-token authentication, the request handler, the kubeconfig. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { ServerResponse, type IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { ApiError } from '../store/errors.js';
import type { ClusterApi } from './api.js';
import type { ServerCertificates } from './certs.js';
import { RequestHandler, sendError } from './handler.js';
import { PortForwardServer } from './portforward.js';
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

/** A plain HTTP answer on the socket of an upgrade request that is not taken up. */
function responseOn(req: IncomingMessage, socket: Socket): ServerResponse {
  const res = new ServerResponse(req);
  res.assignSocket(socket);
  res.on('finish', () => socket.end());
  return res;
}

export async function startApiServer(api: ClusterApi, runtime: PodRuntime, gitVersion: string, certificates: ServerCertificates): Promise<ApiServer> {
  const token = randomBytes(24).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const handler = new RequestHandler(api, runtime, gitVersion);
  const portForward = new PortForwardServer(api, runtime);
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(String(req.headers.authorization ?? ''));
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    if (!authorized(req)) {
      req.resume();
      return sendError(res, new ApiError(401, 'Unauthorized', 'Unauthorized'));
    }
    handler.handle(req, res).catch((error) => {
      req.resume();
      sendError(res, error);
    });
  };
  const server: Server = createServer({ cert: certificates.certPem, key: certificates.keyPem }, serve);
  // With an upgrade listener, Node hands every upgrade request here: a port-forward is served,
  // anything else (kubectl's exec or SPDY) gets the answer it would get as a plain request.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    try {
      if (authorized(req) && portForward.upgrade(req, socket, head)) return;
    } catch (error) {
      return sendError(responseOn(req, socket), error);
    }
    serve(req, responseOn(req, socket));
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
      portForward.close();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
