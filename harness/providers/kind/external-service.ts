/**
 * The "service outside the mesh" of the egress chapters: an echo container on the kind network,
 * outside the cluster, answering HTTP on port 80.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { EXTERNAL_CONFIG_MAP, EXTERNAL_ECHO_ARGS, EXTERNAL_PORT } from '../../sim/external-address.js';
import { ProviderError } from '../../contract/cluster.js';
import { publishConfigMap } from '../setup/kube.js';
import type { PrerequisiteCheck } from '../host/prerequisites.js';
import { QUICK_TIMEOUT_MS, runTool, SLOW_TIMEOUT_MS } from '../host/tools.js';
import { inspectContainer } from './containers.js';
import { OWNED_LABEL } from './ownership.js';

const EXTERNAL_CONTAINER = 'meshspec-external';

function externalServiceArgs(image: string): string[] {
  return [
    'run',
    '-d',
    '--name',
    EXTERNAL_CONTAINER,
    '--network',
    'kind',
    '--label',
    OWNED_LABEL,
    // The image runs as a non-root user; this lets it listen on port 80 like a real web service.
    '--sysctl',
    'net.ipv4.ip_unprivileged_port_start=0',
    image,
    ...EXTERNAL_ECHO_ARGS,
  ];
}

/** A container of the user's holds the external service's name: what is wrong and how to proceed. */
const NAME_TAKEN = {
  problem: `A container named ${EXTERNAL_CONTAINER} exists that meshspec did not create (it lacks the label ${OWNED_LABEL}); meshspec runs the service outside the cluster under that name.`,
  fix: `Rename it (docker rename ${EXTERNAL_CONTAINER} OTHER_NAME) or remove it (docker rm -f ${EXTERNAL_CONTAINER}); meshspec will not touch it.`,
};

/**
 * A prerequisite: the external service's name is free or meshspec's. Checked with Docker and kind,
 * so a name conflict stops the run before the cluster and Istio take minutes to come up.
 */
export function externalServiceNameCheck(docker: string): PrerequisiteCheck {
  return async () => {
    let existing: Awaited<ReturnType<typeof inspectContainer>>;
    try {
      existing = await inspectContainer(docker, EXTERNAL_CONTAINER);
    } catch (error) {
      // docker missing or hung: the Docker engine check names that, once.
      if (error instanceof ProviderError) return {};
      throw error;
    }
    return existing && !existing.ownedByMeshspec ? NAME_TAKEN : {};
  };
}

/** Starts (or restarts on a new image) the external service; returns its IP on the kind network. */
export async function ensureExternalService(docker: string, image: string): Promise<string> {
  const existing = await inspectContainer(docker, EXTERNAL_CONTAINER);
  // Checked again: the container may have appeared since the prerequisites.
  if (existing && !existing.ownedByMeshspec) throw new ProviderError(NAME_TAKEN.problem, NAME_TAKEN.fix);
  if (existing && (existing.image !== image || !existing.running)) await runTool(docker, ['rm', '-f', EXTERNAL_CONTAINER], { timeoutMs: QUICK_TIMEOUT_MS });
  if (!existing || existing.image !== image || !existing.running) await runTool(docker, externalServiceArgs(image), { timeoutMs: SLOW_TIMEOUT_MS });
  const ip = (await inspectContainer(docker, EXTERNAL_CONTAINER))?.networks.kind;
  if (!ip) throw new ProviderError(`${EXTERNAL_CONTAINER} has no address on the kind network.`);
  return ip;
}

export async function removeExternalService(docker: string): Promise<void> {
  const existing = await inspectContainer(docker, EXTERNAL_CONTAINER);
  if (existing?.ownedByMeshspec) await runTool(docker, ['rm', '-f', EXTERNAL_CONTAINER], { timeoutMs: QUICK_TIMEOUT_MS });
}

/**
 * Publishes the external service where any provider reads it (the kubeconfig provider pointed
 * at this cluster later), in the same ConfigMap the sim writes: `host`, `ip`, `port`.
 */
export async function publishExternalService(core: CoreV1Api, host: string, ip: string): Promise<void> {
  await publishConfigMap(core, { metadata: { ...EXTERNAL_CONFIG_MAP }, data: { host, ip, port: String(EXTERNAL_PORT) } });
}
