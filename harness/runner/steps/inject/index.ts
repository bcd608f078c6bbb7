/**
 * `inject`: manual sidecar injection, then apply. On real clusters the manifest goes through
 * `istioctl kube-inject -f -`, which reads the cluster's own injection template; on sim the
 * sim's injector rewrites each object, the same function its admission webhook uses.
 */
import { execa } from 'execa';
import { stringify } from 'yaml';
import { loadManifests, parseManifests, type Manifest } from '../../../kube/index.js';
import { injectSidecar } from '../../../istio/injection.js';
import type { InjectStep } from '../../../spec/index.js';
import type { Operation, StepContext } from '../../types.js';
import { applyAndRecord, manifestTarget } from '../apply/index.js';
import { commandLine, missingIstioctl } from '../exec/index.js';

export const injectOperation: Operation<InjectStep> = {
  defaultTimeoutMs: 60_000,
  async exec(step, ctx) {
    const { file, namespace } = manifestTarget(step.inject);
    const manifests = await loadManifests(file, ctx.rootDir, ctx.substitute);
    const injected = ctx.cluster.provider === 'sim'
      ? manifests.map((m) => ({ object: injectSidecar(m.object), origin: m.origin }))
      : await kubeInject(manifests, ctx);
    await applyAndRecord(injected, namespace, ctx);
  },
};

async function kubeInject(manifests: Manifest[], ctx: StepContext): Promise<Manifest[]> {
  if (ctx.cluster.istio.istioctl === null) throw new Error(`manual injection runs istioctl kube-inject; ${missingIstioctl(ctx.cluster)}`);
  const { file, argv, env } = commandLine('istioctl', ['kube-inject', '-f', '-'], ctx.cluster);
  const input = manifests.map((m) => stringify(m.object)).join('---\n');
  const result = await execa(file, argv, { input, env, reject: false, cancelSignal: ctx.signal });
  if (result.exitCode !== 0) {
    throw new Error(`istioctl kube-inject failed (exit ${result.exitCode ?? 'none'}): ${String(result.stderr || result.shortMessage).trim()}`);
  }
  return parseManifests(String(result.stdout), `istioctl kube-inject output of ${manifests[0]?.origin ?? 'the manifest'}`);
}
