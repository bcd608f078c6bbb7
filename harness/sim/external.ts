/** The "service outside the cluster" of the egress chapters: one echo process with a public-looking name and IP. */
import type { ExternalHost } from '../mesh/types.js';
import { ContainerProcess } from './kubelet/container.js';
import { freePort } from './kubelet/ports.js';

export const EXTERNAL_HOST = 'external.meshspec.test';
/** From TEST-NET-1 (RFC 5737): never routed, so nothing real is ever reached by mistake. */
export const EXTERNAL_IP = '192.0.2.10';


export interface ExternalService {
  hosts(): ExternalHost[];
  stop(): Promise<void>;
}

export async function startExternalService(echoEntry: string): Promise<ExternalService> {
  const port = await freePort();
  const container = new ContainerProcess(
    {
      name: 'external',
      file: process.execPath,
      args: [echoEntry, '--service', 'external', '--version', 'external'],
      env: { PATH: process.env.PATH ?? '', POD_NAME: 'external', POD_NAMESPACE: 'external', MESHSPEC_LISTEN_PORT: String(port) },
      port,
      readinessPath: '/_echo/healthz',
      restartPolicy: 'Always',
    },
    () => undefined,
    () => undefined,
  );
  container.start();
  return {
    hosts: () => [{ names: [EXTERNAL_HOST, EXTERNAL_IP], address: { host: '127.0.0.1', port } }],
    stop: () => container.stop(),
  };
}
