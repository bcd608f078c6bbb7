/**
 * Stand-ins for an API server in the kube layer's unit tests: a kubeconfig pointing at a local
 * server, and servers that are closed (with their open connections) after each test.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** A kubeconfig with one context, `ctx`, for `server`; plain http gets TLS verification off, as client-node requires. */
export function kubeconfig(server: string): string {
  const insecure = server.startsWith('http:') ? ', insecure-skip-tls-verify: true' : '';
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{ name: c, cluster: { server: "${server}"${insecure} } }]`,
    'users: [{ name: u, user: { token: t } }]',
    'contexts: [{ name: ctx, context: { cluster: c, user: u } }]',
    'current-context: ctx',
  ].join('\n');
}

/** Writes `kubeconfig(server)` to a new temporary file and returns its path. */
export function writeKubeconfig(server: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'meshspec-kube-')), 'kubeconfig');
  writeFileSync(file, kubeconfig(server));
  return file;
}

/**
 * Registers an afterEach that closes every server given to the returned `listen`, which starts
 * one on a free port of 127.0.0.1 and resolves to that port.
 */
export function localServers(): (server: Server) => Promise<number> {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });
  return async (server) => {
    servers.push(server);
    server.on('connection', (socket: Socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
}
