/** Looking at docker containers by name: whether they exist, run, and were created by meshspec. */
import { QUICK_TIMEOUT_MS, tryTool } from '../shared/tools.js';
import { OWNED_LABEL_KEY } from './ownership.js';

interface ContainerState {
  running: boolean;
  ownedByMeshspec: boolean;
  /** Networks the container is attached to. */
  networks: string[];
  image: string;
}

const FORMAT = `{{json .State.Running}}|{{json .Config.Labels}}|{{json .NetworkSettings.Networks}}|{{.Config.Image}}`;

/** null when no container has that name. */
export async function inspectContainer(docker: string, name: string): Promise<ContainerState | null> {
  const result = await tryTool(docker, ['container', 'inspect', '--format', FORMAT, name], { timeoutMs: QUICK_TIMEOUT_MS });
  if (result.exitCode !== 0) return null;
  const [running, labels, networks, image] = result.stdout.trim().split('|');
  const labelMap = (JSON.parse(labels || 'null') ?? {}) as Record<string, string>;
  return {
    running: running === 'true',
    ownedByMeshspec: labelMap[OWNED_LABEL_KEY] === 'true',
    networks: Object.keys((JSON.parse(networks || 'null') ?? {}) as Record<string, unknown>),
    image: image ?? '',
  };
}
