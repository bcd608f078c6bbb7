/**
 * The local registry as kind's "Local Registry" guide sets it up today: a `registry:3` container
 * named kind-registry, published on 127.0.0.1:5001 only, attached to the `kind` network, with a
 * containerd hosts.toml on every node and the KEP-1755 `local-registry-hosting` ConfigMap.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { ProviderError } from '../../contract/cluster.js';
import { publishConfigMap } from '../shared/kube.js';
import { QUICK_TIMEOUT_MS, runTool, SLOW_TIMEOUT_MS, tryTool } from '../shared/tools.js';
import { inspectContainer } from './containers.js';
import { OWNED_LABEL } from './ownership.js';

const REGISTRY_NAME = 'kind-registry';
const REGISTRY_PORT = 5001;
export const REGISTRY_HOST = `localhost:${REGISTRY_PORT}`;
const REGISTRY_IMAGE = 'registry:3';
const CERTS_DIR = `/etc/containerd/certs.d/${REGISTRY_HOST}`;

export interface RegistryState {
  /** True when this run started the container. */
  created: boolean;
  ownedByMeshspec: boolean;
  /** True when the container existed but was stopped, and this run started it. */
  wasStopped: boolean;
}

/** Reuses a kind-registry container when there is one (starting it if stopped), else runs one. */
export async function ensureRegistry(docker: string): Promise<RegistryState> {
  const existing = await inspectContainer(docker, REGISTRY_NAME);
  if (existing) {
    if (!existing.running) await runTool(docker, ['start', REGISTRY_NAME], { timeoutMs: QUICK_TIMEOUT_MS });
    return { created: false, ownedByMeshspec: existing.ownedByMeshspec, wasStopped: !existing.running };
  }
  const run = await tryTool(docker, [
    'run', '-d', '--restart=always',
    '-p', `127.0.0.1:${REGISTRY_PORT}:5000`,
    '--network', 'bridge',
    '--name', REGISTRY_NAME,
    '--label', OWNED_LABEL,
    REGISTRY_IMAGE,
  ], { timeoutMs: SLOW_TIMEOUT_MS });
  if (run.exitCode !== 0) {
    // A name conflict means this run created nothing: the container is another process's, even with meshspec's label.
    if (/Conflict\. The container name .* is already in use/i.test(run.stderr)) {
      throw new ProviderError(
        `Another process created the container ${REGISTRY_NAME} between meshspec's check and its \`docker run\` (often another meshspec run creating its registry); meshspec left it alone.`,
        `Re-run: meshspec reuses the ${REGISTRY_NAME} that is there now. If another meshspec run is still starting, let it finish first.`,
      );
    }
    await removeHalfMadeRegistry(docker);
    if (/port is already allocated|address already in use|bind/i.test(run.stderr)) {
      throw new ProviderError(
        `Port 127.0.0.1:${REGISTRY_PORT} is taken by something else, so the local registry (${REGISTRY_NAME}) cannot start.`,
        `Free the port (find the owner with \`docker ps --filter publish=${REGISTRY_PORT}\` or \`lsof -i :${REGISTRY_PORT}\`), or run the registry yourself as kind's guide shows, named ${REGISTRY_NAME}: meshspec reuses it.`,
      );
    }
    throw new ProviderError(`Could not start the local registry: ${run.stderr.trim()}`);
  }
  return { created: true, ownedByMeshspec: true, wasStopped: false };
}

/**
 * docker run creates the container, then starts it, so a failed start (a taken port, a runtime
 * error) leaves a created container behind. There was none before the run, so one carrying
 * meshspec's label is the run's own and useless; anything else is left alone.
 */
async function removeHalfMadeRegistry(docker: string): Promise<void> {
  const leftover = await inspectContainer(docker, REGISTRY_NAME);
  if (leftover?.ownedByMeshspec) await tryTool(docker, ['rm', '-f', REGISTRY_NAME], { timeoutMs: QUICK_TIMEOUT_MS });
}

/** Attaches the registry to the `kind` network (which kind creates with the first cluster). */
export async function connectRegistryToKindNetwork(docker: string): Promise<void> {
  const state = await inspectContainer(docker, REGISTRY_NAME);
  if (state && 'kind' in state.networks) return;
  await runTool(docker, ['network', 'connect', 'kind', REGISTRY_NAME], { timeoutMs: QUICK_TIMEOUT_MS });
}

/** Tells containerd on each node that localhost:5001 is served by kind-registry:5000. */
export async function configureNodesForRegistry(docker: string, nodes: readonly string[]): Promise<void> {
  for (const node of nodes) {
    await runTool(docker, ['exec', node, 'mkdir', '-p', CERTS_DIR], { timeoutMs: QUICK_TIMEOUT_MS });
    await runTool(docker, ['exec', '-i', node, 'cp', '/dev/stdin', `${CERTS_DIR}/hosts.toml`], {
      input: `[host."http://${REGISTRY_NAME}:5000"]\n`,
      timeoutMs: QUICK_TIMEOUT_MS,
    });
  }
}

/** KEP-1755: tools in the cluster discover the local registry from this ConfigMap. */
export async function publishRegistryHosting(core: CoreV1Api): Promise<void> {
  await publishConfigMap(core, {
    metadata: { name: 'local-registry-hosting', namespace: 'kube-public' },
    data: { 'localRegistryHosting.v1': `host: "${REGISTRY_HOST}"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n` },
  });
}

/** Puts a registry of the user's that this run started back as it was. */
export async function stopRegistry(docker: string): Promise<void> {
  await runTool(docker, ['stop', REGISTRY_NAME], { timeoutMs: QUICK_TIMEOUT_MS });
}

export async function removeRegistry(docker: string): Promise<void> {
  await runTool(docker, ['rm', '-f', REGISTRY_NAME], { timeoutMs: QUICK_TIMEOUT_MS });
}
