/** What the kind provider needs on the machine: a reachable Docker engine and kind itself (kubectl: host/prerequisites.ts). */
import { KIND_VERSION } from '../istio/versions.js';
import { isAtLeast, parseVersion, probeTool, type PrerequisiteCheck } from '../host/prerequisites.js';

export interface KindTools {
  docker: string;
  kind: string;
}

/** `kind` from PATH, or the binary MESHSPEC_KIND names. */
export function kindTools(env: NodeJS.ProcessEnv = process.env): KindTools {
  return { docker: 'docker', kind: env.MESHSPEC_KIND || 'kind' };
}

export function dockerEngineCheck(docker: string): PrerequisiteCheck {
  return async () => {
    const info = await probeTool(docker, ['info', '--format', '{{.ServerVersion}}']);
    if (info === null) {
      return { problem: 'docker was not found on PATH.', fix: 'Install Docker (https://docs.docker.com/get-docker/), or Podman with its docker CLI shim.' };
    }
    const startDocker = 'Start Docker Desktop or the docker service (`sudo systemctl start docker`); `docker info` must succeed.';
    if ('cannotRun' in info) return { problem: info.cannotRun.message, fix: info.cannotRun.hint ?? startDocker };
    if (info.exitCode !== 0 || !info.stdout.trim()) {
      const reason = (info.stderr.split('\n').find((line) => line.trim()) ?? '').trim();
      return { problem: `docker is installed but its engine is not reachable${reason ? ` (${reason})` : ''}.`, fix: startDocker };
    }
    return { found: `Docker engine ${info.stdout.trim()}` };
  };
}

export function kindCheck(kind: string): PrerequisiteCheck {
  const install = `Install kind ${KIND_VERSION}: \`go install sigs.k8s.io/kind@${KIND_VERSION}\` or a release binary (https://kind.sigs.k8s.io/docs/user/quick-start/#installation); or set MESHSPEC_KIND to its path.`;
  return async () => {
    const result = await probeTool(kind, ['version']);
    if (result === null) return { problem: `kind was not found (looked for \`${kind}\`${kind === 'kind' ? ' on PATH' : ''}).`, fix: install };
    if ('cannotRun' in result) return { problem: result.cannotRun.message, fix: result.cannotRun.hint ?? install };
    const version = parseVersion(result.stdout);
    if (result.exitCode !== 0 || !version) return { problem: `\`${kind} version\` did not report a version: ${result.stderr || result.stdout}`, fix: install };
    // The node images in istio-versions.ts are built for this kind release; older ones may not boot them.
    if (!isAtLeast(version, parseVersion(KIND_VERSION)!)) {
      return { problem: `kind ${version.join('.')} is older than ${KIND_VERSION}, which the pinned node images need.`, fix: install };
    }
    return { found: `kind ${version.join('.')}` };
  };
}
