/** Loopback HTTP listeners for the emulated proxies, and the request/response plumbing they share. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitAuthority } from './hosts.js';
import type { DownstreamRequest, ProxyResult } from './envoy.js';
import { readBody } from './upstream.js';
import type { Address } from './workload.js';

export interface Listener {
  address: Address;
  close(): Promise<void>;
}

export async function listen(handler: http.RequestListener): Promise<Listener> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: { host: '127.0.0.1', port },
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}

/** Hop-by-hop headers (and the length, which is recomputed): never forwarded. */
const HOP_BY_HOP = ['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'content-length', 'te', 'upgrade', 'trailer'];

/**
 * Reads a request as a proxy receives it. Absolute-form targets (`GET http://reviews:9080/x`,
 * how captured outbound traffic arrives) name host and port; otherwise the Host header does.
 */
export async function readDownstream(req: http.IncomingMessage, defaultPort: number): Promise<DownstreamRequest> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (!HOP_BY_HOP.includes(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const body = await readBody(req);
  const target = req.url ?? '/';
  if (/^https?:\/\//i.test(target)) {
    const url = new URL(target);
    return {
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      headers,
      body,
      host: url.hostname.toLowerCase(),
      port: Number(url.port) || defaultPort,
    };
  }
  const { host, port } = splitAuthority(headers.host ?? '', defaultPort);
  return { method: req.method ?? 'GET', path: target, headers, body, host, port };
}

/** Answers with the proxy's result, or resets the connection when the result says so. */
export function writeResult(res: http.ServerResponse, result: ProxyResult, extraHeaders: Record<string, string> = {}): void {
  if (!result.response) {
    res.socket?.destroy();
    return;
  }
  const { status, body } = result.response;
  const headers = { ...result.response.headers, ...extraHeaders };
  for (const name of HOP_BY_HOP) delete headers[name];
  res.writeHead(status, { ...headers, 'content-length': body.length });
  res.end(body);
}
