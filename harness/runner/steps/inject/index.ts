/**
 * `inject`: manual sidecar injection, then apply. On real clusters the manifest goes through
 * `istioctl kube-inject -f -`, which sends each pod template to the cluster's injection webhook.
 * On sim the same decisions are made here, from what that webhook reads through the API of any
 * cluster: istiod's ENABLE_NATIVE_SIDECARS (its Deployment's env) and the nodes' kubelet versions.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { loadManifests, parseManifests, readObject, type Manifest } from '../../../kube/index.js';
import { detectNativeSidecar, kubeInject, nativeSidecarMode, proxyImage } from '../../../istio/injection.js';
import type { InjectStep } from '../../../spec/index.js';
import type { Operation, StepContext } from '../../types.js';
import { applyAndRecord, manifestTarget } from '../apply/index.js';
import { commandLine, missingIstioctl } from '../exec/index.js';

export const injectOperation: Operation<InjectStep> = {
  defaultTimeoutMs: 60_000,
  async exec(step, ctx) {
    const { file, namespace } = manifestTarget(step.inject);
    const manifests = await loadManifests(file, ctx.rootDir, ctx.substitute);
    const injected = ctx.cluster.provider === 'sim' ? await injectAsTheWebhook(manifests, ctx) : await istioctlKubeInject(manifests, ctx);
    await applyAndRecord(injected, namespace, ctx);
  },
};

async function injectAsTheWebhook(manifests: Manifest[], ctx: StepContext): Promise<Manifest[]> {
  const [istiod, nodes] = await Promise.all([
    readObject<V1Deployment>(ctx.kube, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'istio-system', name: 'istiod' }),
    ctx.kube.core.listNode(),
  ]);
  const options = { native: detectNativeSidecar(nativeSidecarMode(istiod), nodes.items), proxyImage: proxyImage(ctx.cluster.istio.version) };
  return manifests.map((m) => {
    const { object, warnings } = kubeInject(m.object, options);
    for (const warning of warnings) ctx.log(warning);
    return { object, origin: m.origin };
  });
}

async function istioctlKubeInject(manifests: Manifest[], ctx: StepContext): Promise<Manifest[]> {
  if (ctx.cluster.istio.istioctl === null) throw new Error(`manual injection runs istioctl kube-inject; ${missingIstioctl(ctx.cluster)}`);
  const { file, argv, env } = commandLine('istioctl', ['kube-inject', '-f', '-'], ctx.cluster);
  const input = manifests.map((m) => stringify(m.object)).join('---\n');
  const result = await execa(file, argv, { input, env, reject: false, cancelSignal: ctx.signal });
  if (result.exitCode !== 0) {
    throw new Error(`istioctl kube-inject failed (exit ${result.exitCode ?? 'none'}): ${String(result.stderr || result.shortMessage).trim()}`);
  }
  // Its "===> Skipping injection because ..." lines, for a pod template it left alone.
  for (const line of String(result.stderr).split('\n').filter(Boolean)) ctx.log(line);
  return parseManifests(String(result.stdout), `istioctl kube-inject output of ${manifests[0]?.origin ?? 'the manifest'}`);
}
