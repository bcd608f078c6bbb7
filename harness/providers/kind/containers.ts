/**
 * Looking at docker containers by name: whether they exist, run, were created by meshspec, and
 * where they are reachable. `docker container inspect --format '{{json .}}'` prints the Engine
 * API's container inspect response as one JSON object (docs.docker.com/engine/cli/formatting:
 * "json encodes an element as a json string"); the fields read here are those of moby/moby@docker-v29.7.2
 * api/swagger.yaml ContainerInspectResponse (api/types/container/container.go InspectResponse).
 */
import { z } from 'zod';
import { ProviderError } from '../../contract/cluster.js';
import { QUICK_TIMEOUT_MS, tryTool } from '../host/tools.js';
import { OWNED_LABEL_KEY } from './ownership.js';

/** The parts of ContainerInspectResponse meshspec reads; other fields are ignored. */
const inspectResponse = z.object({
  // ContainerState.Status, which the API says to use rather than Running (true for a paused container too).
  State: z.object({ Status: z.string() }),
  Config: z.object({ Image: z.string(), Labels: z.record(z.string(), z.string()).nullish() }),
  NetworkSettings: z.object({
    // EndpointSettings.IPAddress per network (api/types/network/endpoint.go); empty while the container is stopped.
    Networks: z.record(z.string(), z.object({ IPAddress: z.string() })).nullish(),
    // PortMap: "5000/tcp" -> the PortBindings published on the host (api/types/network/port.go); null for a port exposed but not published.
    Ports: z.record(z.string(), z.array(z.object({ HostIp: z.string(), HostPort: z.string() })).nullable()).nullish(),
  }),
});

export interface PortBinding {
  hostIp: string;
  hostPort: string;
}

export interface InspectedContainer {
  running: boolean;
  ownedByMeshspec: boolean;
  /** The container's address on each network it is attached to ("" while it is stopped). */
  networks: Record<string, string>;
  image: string;
  /** Host bindings of each published container port ("5000/tcp"); empty while the container is stopped. */
  published: Record<string, PortBinding[]>;
}

/** null when no container has that name. */
export async function inspectContainer(docker: string, name: string): Promise<InspectedContainer | null> {
  const result = await tryTool(docker, ['container', 'inspect', '--format', '{{json .}}', name], { timeoutMs: QUICK_TIMEOUT_MS });
  if (result.exitCode !== 0) return null;
  let parsed: z.infer<typeof inspectResponse>;
  try {
    parsed = inspectResponse.parse(JSON.parse(result.stdout));
  } catch (error) {
    const reason = error instanceof z.ZodError ? error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') : (error as Error).message;
    throw new ProviderError(
      `\`${docker} container inspect ${name}\` printed what meshspec cannot read as Docker's container inspect JSON (${reason}).`,
      `Check that \`${docker}\` is Docker's CLI (or a compatible one) and answers \`docker container inspect --format '{{json .}}' ${name}\` with one JSON object.`,
    );
  }
  const { State, Config, NetworkSettings } = parsed;
  return {
    running: State.Status === 'running',
    ownedByMeshspec: Config.Labels?.[OWNED_LABEL_KEY] === 'true',
    networks: Object.fromEntries(Object.entries(NetworkSettings.Networks ?? {}).map(([network, endpoint]) => [network, endpoint.IPAddress])),
    image: Config.Image,
    published: Object.fromEntries(
      Object.entries(NetworkSettings.Ports ?? {}).map(([port, bindings]) => [
        port,
        (bindings ?? []).map((binding) => ({ hostIp: binding.HostIp, hostPort: binding.HostPort })),
      ]),
    ),
  };
}
