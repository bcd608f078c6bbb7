/**
 * `exec`: runs a tool where the provider has it (never through a shell). `istioctl` is the
 * provider's own (none on sim). Every tool gets the run's kubeconfig in KUBECONFIG (one file or
 * several, as the provider merged them); `istioctl` and `kubectl` also get --context.
 */
import { execa } from 'execa';
import { kubeToolOptions } from '../../../kube/clients.js';
import type { ClusterHandle } from '../../../contract/cluster.js';
import type { ExecStep } from '../../../spec/index.js';
import type { Operation } from '../../types.js';

const OUTPUT_LINES_SHOWN = 20;

export const execOperation: Operation<ExecStep> = {
  defaultTimeoutMs: 60_000,
  skipReason({ exec }, cluster) {
    if (exec.optional && isMissingIstioctl(exec.command, cluster)) {
      return `skipped: istioctl is not available on the ${cluster.provider} provider (the step is optional)`;
    }
    return undefined;
  },
  async exec({ exec }, ctx) {
    const [tool, ...args] = exec.command as [string, ...string[]];
    if (isMissingIstioctl(exec.command, ctx.cluster)) throw new Error(missingIstioctl(ctx.cluster));
    const { file, argv, env } = commandLine(tool, args, ctx.cluster);
    ctx.log(`$ KUBECONFIG=${env.KUBECONFIG} ${[file, ...argv].join(' ')}`);
    const result = await execa(file, argv, { reject: false, all: true, cancelSignal: ctx.signal, env });
    if (result.failed && result.exitCode === undefined) {
      throw new Error(`${tool} could not be run: ${result.code === 'ENOENT' ? `${file} was not found; install it or put it on PATH` : result.shortMessage}`);
    }
    const output = String(result.all ?? '');
    const problems = [
      result.exitCode === exec.exitCode ? '' : `exited with ${result.exitCode}, expected ${exec.exitCode}`,
      ...(exec.outputContains ?? []).filter((text) => !output.includes(text)).map((text) => `output does not contain ${JSON.stringify(text)}`),
    ].filter(Boolean);
    if (problems.length > 0) {
      const tail = output
        .trimEnd()
        .split('\n')
        .slice(-OUTPUT_LINES_SHOWN)
        .map((line) => `  | ${line}`)
        .join('\n');
      throw new Error(`\`${exec.command.join(' ')}\` ${problems.join('; ')}\nOutput (last ${OUTPUT_LINES_SHOWN} lines):\n${tail || '  (none)'}`);
    }
  },
};

/** Why istioctl cannot run here, and the fix that fits the provider. */
export function missingIstioctl(cluster: ClusterHandle): string {
  const fix =
    cluster.provider === 'sim'
      ? 'the embedded cluster has none: add "providers: [kind, kubeconfig]" to the step'
      : `put istioctl ${cluster.istio.version} on PATH for the provider to find (its Istio progress line says why it could not download it)`;
  return `istioctl is not available on the ${cluster.provider} provider: ${fix}, or "optional: true" to skip the step where istioctl is missing`;
}

function isMissingIstioctl(command: string[], cluster: ClusterHandle): boolean {
  return command[0] === 'istioctl' && cluster.istio.istioctl === null;
}

/**
 * The executable, arguments and environment: the cluster's istioctl, the context flag for the
 * two Kubernetes tools, and KUBECONFIG for every tool.
 */
export function commandLine(tool: string, args: string[], cluster: ClusterHandle): { file: string; argv: string[]; env: { KUBECONFIG: string } } {
  const { args: clusterFlags, env } = kubeToolOptions(cluster);
  if (tool === 'istioctl') return { file: cluster.istio.istioctl ?? tool, argv: [...clusterFlags, ...args], env };
  if (tool === 'kubectl') return { file: tool, argv: [...clusterFlags, ...args], env };
  return { file: tool, argv: args, env };
}
