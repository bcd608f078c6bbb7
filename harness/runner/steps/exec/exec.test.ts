import { describe, expect, it } from 'vitest';
import type { ClusterHandle } from '../../../contract/cluster.js';
import type { ExecStep } from '../../../spec/index.js';
import type { StepContext } from '../../types.js';
import { commandLine, execOperation } from './index.js';

const cluster = (istioctl: string | null): ClusterHandle => ({
  provider: istioctl ? 'kind' : 'sim',
  runId: 'r1',
  kubeconfig: '/tmp/kubeconfig',
  context: 'ctx',
  istio: { version: '1.29.0', profile: 'demo', istioctl, ambient: false },
  ingress: null,
  imageRewrites: {},
  variables: {},
  artifactsDir: '/tmp/artifacts',
});

const step = (exec: Partial<ExecStep['exec']> & { command: string[] }): ExecStep => ({ exec: { exitCode: 0, optional: false, ...exec } });

function context(handle: ClusterHandle) {
  const log: string[] = [];
  const ctx = { cluster: handle, signal: new AbortController().signal, log: (line: string) => log.push(line) } as unknown as StepContext;
  return { ctx, log };
}

const node = (script: string) => [process.execPath, '-e', script];

describe('exec step', () => {
  it("points istioctl and kubectl at the run's cluster, and gives every tool its kubeconfig files", () => {
    const env = { KUBECONFIG: '/tmp/kubeconfig' };
    expect(commandLine('istioctl', ['proxy-status'], cluster('/opt/istioctl'))).toEqual({
      file: '/opt/istioctl',
      argv: ['--context', 'ctx', 'proxy-status'],
      env,
    });
    expect(commandLine('kubectl', ['get', 'pods'], cluster(null))).toEqual({ file: 'kubectl', argv: ['--context', 'ctx', 'get', 'pods'], env });
    expect(commandLine('curl', ['-s'], cluster(null))).toEqual({ file: 'curl', argv: ['-s'], env });
  });

  it('runs the tool with the kubeconfig files in KUBECONFIG and logs them', async () => {
    const { ctx, log } = context({ ...cluster(null), kubeconfig: '/a/one:/b/two' });
    await execOperation.exec(step({ command: node('console.log(process.env.KUBECONFIG)'), outputContains: ['/a/one:/b/two'] }), ctx);
    expect(log[0]).toMatch(/^\$ KUBECONFIG=\/a\/one:\/b\/two /);
  });

  it('skips an optional istioctl step where the provider has no istioctl, and fails a required one with the fix', async () => {
    expect(execOperation.skipReason!(step({ command: ['istioctl', 'analyze'], optional: true }), cluster(null))).toBe(
      'skipped: istioctl is not available on the sim provider (the step is optional)',
    );
    expect(execOperation.skipReason!(step({ command: ['istioctl', 'analyze'], optional: true }), cluster('/opt/istioctl'))).toBeUndefined();
    await expect(execOperation.exec(step({ command: ['istioctl', 'analyze'] }), context(cluster(null)).ctx)).rejects.toThrow(
      'istioctl is not available on the sim provider: the embedded cluster has none: add "providers: [kind, kubeconfig]" to the step',
    );
    const kubeconfig = { ...cluster(null), provider: 'kubeconfig' as const };
    await expect(execOperation.exec(step({ command: ['istioctl', 'analyze'] }), context(kubeconfig).ctx)).rejects.toThrow(
      'istioctl is not available on the kubeconfig provider: put istioctl 1.29.0 on PATH for the provider to find (its Istio progress line says why it could not download it), or "optional: true"',
    );
  });

  it('passes when the exit code and output are as expected', async () => {
    const { ctx, log } = context(cluster(null));
    await execOperation.exec(step({ command: node('console.log("proxy SYNCED"); console.error("warn")'), outputContains: ['SYNCED', 'warn'] }), ctx);
    expect(log[0]).toContain('-e console.log');
  });

  it('says what differed and shows the end of the output', async () => {
    const { ctx } = context(cluster(null));
    const error = await execOperation
      .exec(step({ command: node('console.log("STALE"); process.exit(3)'), outputContains: ['SYNCED'] }), ctx)
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/exited with 3, expected 0; output does not contain "SYNCED"\nOutput \(last 20 lines\):\n {2}\| STALE$/);
  });

  it('accepts the exit code the step expects', async () => {
    await execOperation.exec(step({ command: node('process.exit(2)'), exitCode: 2 }), context(cluster(null)).ctx);
  });

  it('explains a tool that is not installed', async () => {
    await expect(execOperation.exec(step({ command: ['meshspec-no-such-tool'] }), context(cluster(null)).ctx)).rejects.toThrow(
      'meshspec-no-such-tool could not be run: meshspec-no-such-tool was not found; install it or put it on PATH',
    );
  });
});
