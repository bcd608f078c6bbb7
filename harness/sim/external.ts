/** The "service outside the cluster" of the egress chapters: one echo process with a public-looking name and IP. */
import type { ExternalHost } from '../mesh/types.js';
import { ContainerProcess } from './kubelet/container.js';
import { EXTERNAL_ECHO_ARGS, EXTERNAL_HOST, EXTERNAL_IP } from './external-address.js';

export { EXTERNAL_CONFIG_MAP, EXTERNAL_HOST, EXTERNAL_IP, EXTERNAL_PORT } from './external-address.js';

export interface ExternalService {
  hosts(): ExternalHost[];
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/** Starts the external echo and resolves once it answers its health check. */
export async function startExternalService(echoEntry: string): Promise<ExternalService> {
  const address = { host: '127.0.0.1', port: 0 };
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const container: ContainerProcess = new ContainerProcess(
    {
      name: 'external',
      file: process.execPath,
      // What kind's `docker run` gives it: these arguments and no pod env (MESHSPEC_LISTEN_PORT, set by the process, wins over --port).
      args: [echoEntry, ...EXTERNAL_ECHO_ARGS],
      env: { PATH: process.env.PATH ?? '' },
      address,
      readinessPath: '/_echo/healthz',
      restartPolicy: 'Always',
    },
    () => {
      if (container.ready) markReady();
    },
    () => undefined,
  );
  container.start();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), READY_TIMEOUT_MS)));
  const outcome = await Promise.race([ready, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await container.stop();
    throw new Error(`the external service (${echoEntry}) did not answer its health check within ${READY_TIMEOUT_MS / 1000}s:\n${container.logs.read(20)}`);
  }
  return {
    hosts: () => [{ names: [EXTERNAL_HOST, EXTERNAL_IP], address }],
    stop: () => container.stop(),
  };
}
