/**
 * The local registry as kind's "Local Registry" guide sets it up (kubernetes-sigs/kind@v0.32.0
 * site/static/examples/kind-with-registry.sh): a `registry:3` container named kind-registry,
 * published on 127.0.0.1:5001, attached to the `kind` network, with a containerd hosts.toml on
 * every node and the KEP-1755 `local-registry-hosting` ConfigMap. A kind-registry that is already
 * there (the guide's, or other tooling's) is used on the host port it publishes.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { ProviderError } from '../../contract/cluster.js';
import { publishConfigMap } from '../setup/kube.js';
import { QUICK_TIMEOUT_MS, runTool, SLOW_TIMEOUT_MS, tryTool } from '../host/tools.js';
import { inspectContainer, type PortBinding } from './containers.js';
import { OWNED_LABEL } from './ownership.js';

const REGISTRY_NAME = 'kind-registry';
/** The port the registry serves on inside its container, and so on the kind network. */
const REGISTRY_SERVE_PORT = 5000;
/** Its key in the container's published ports (NetworkSettings.Ports). */
const SERVE_PORT_KEY = `${REGISTRY_SERVE_PORT}/tcp`;
/** The host port meshspec publishes a registry it runs on, as kind's guide does. */
const REGISTRY_PORT = 5001;
const REGISTRY_IMAGE = 'registry:3';
/** Host addresses from which `localhost:PORT` reaches a published port: loopback, or all addresses. */
const LOCALHOST_REACHES = new Set(['', '0.0.0.0', '::', '127.0.0.1', '::1']);

export interface RegistryState {
  /** True when this run started the container. */
  created: boolean;
  ownedByMeshspec: boolean;
  /** True when the container existed but was stopped, and this run started it. */
  wasStopped: boolean;
  /** Where images are pushed and pulled: "localhost:<published port>", also the name nodes and the KEP-1755 ConfigMap use. */
  host: string;
}

/** Reuses a kind-registry container when there is one (starting it if stopped), else runs one. */
export async function ensureRegistry(docker: string): Promise<RegistryState> {
  const existing = await inspectContainer(docker, REGISTRY_NAME);
  if (existing) {
    const wasStopped = !existing.running;
    if (wasStopped) await runTool(docker, ['start', REGISTRY_NAME], { timeoutMs: QUICK_TIMEOUT_MS });
    // A registry of the user's this run started and cannot use is put back as it was.
    const host = await publishedHost(docker).catch(async (error: unknown) => {
      if (wasStopped) await tryTool(docker, ['stop', REGISTRY_NAME], { timeoutMs: QUICK_TIMEOUT_MS });
      throw error;
    });
    return { created: false, ownedByMeshspec: existing.ownedByMeshspec, wasStopped, host };
  }
  const run = await tryTool(
    docker,
    [
      'run',
      '-d',
      '--restart=always',
      '-p',
      `127.0.0.1:${REGISTRY_PORT}:${REGISTRY_SERVE_PORT}`,
      '--network',
      'bridge',
      '--name',
      REGISTRY_NAME,
      '--label',
      OWNED_LABEL,
      REGISTRY_IMAGE,
    ],
    { timeoutMs: SLOW_TIMEOUT_MS },
  );
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
  return { created: true, ownedByMeshspec: true, wasStopped: false, host: await publishedHost(docker) };
}

/**
 * "localhost:<port>" of the running registry, from the host port it publishes for 5000/tcp
 * (NetworkSettings.Ports, filled while it runs): 5001 as kind's guide and meshspec publish it,
 * whatever other tooling chose otherwise.
 */
async function publishedHost(docker: string): Promise<string> {
  const bindings: PortBinding[] = (await inspectContainer(docker, REGISTRY_NAME))?.published[SERVE_PORT_KEY] ?? [];
  const reachable = bindings.find((binding) => LOCALHOST_REACHES.has(binding.hostIp) && binding.hostPort);
  if (!reachable) {
    const seen = bindings.length ? `only on ${bindings.map((b) => `${b.hostIp}:${b.hostPort}`).join(', ')}` : 'on no host port';
    throw new ProviderError(
      `The container ${REGISTRY_NAME} publishes its registry port ${SERVE_PORT_KEY} ${seen}, so meshspec cannot push images to it through localhost.`,
      `Publish it on loopback as kind's local registry guide does (\`docker run -d --restart=always -p 127.0.0.1:${REGISTRY_PORT}:${REGISTRY_SERVE_PORT} --network bridge --name ${REGISTRY_NAME} ${REGISTRY_IMAGE}\`), or rename yours (\`docker rename ${REGISTRY_NAME} OTHER_NAME\`) to let meshspec run its own.`,
    );
  }
  return `localhost:${reachable.hostPort}`;
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

/** Tells containerd on each node that the registry's `host` (localhost:PORT) is served by kind-registry:5000 on the kind network. */
export async function configureNodesForRegistry(docker: string, nodes: readonly string[], host: string): Promise<void> {
  const certsDir = `/etc/containerd/certs.d/${host}`;
  for (const node of nodes) {
    await runTool(docker, ['exec', node, 'mkdir', '-p', certsDir], { timeoutMs: QUICK_TIMEOUT_MS });
    await runTool(docker, ['exec', '-i', node, 'cp', '/dev/stdin', `${certsDir}/hosts.toml`], {
      input: `[host."http://${REGISTRY_NAME}:${REGISTRY_SERVE_PORT}"]\n`,
      timeoutMs: QUICK_TIMEOUT_MS,
    });
  }
}

/** KEP-1755: tools in the cluster discover the local registry (its `host`, localhost:PORT) from this ConfigMap. */
export async function publishRegistryHosting(core: CoreV1Api, host: string): Promise<void> {
  await publishConfigMap(core, {
    metadata: { name: 'local-registry-hosting', namespace: 'kube-public' },
    data: { 'localRegistryHosting.v1': `host: "${host}"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n` },
  });
}

/** Puts a registry of the user's that this run started back as it was. */
export async function stopRegistry(docker: string): Promise<void> {
  await runTool(docker, ['stop', REGISTRY_NAME], { timeoutMs: QUICK_TIMEOUT_MS });
}

export async function removeRegistry(docker: string): Promise<void> {
  await runTool(docker, ['rm', '-f', REGISTRY_NAME], { timeoutMs: QUICK_TIMEOUT_MS });
}
