/**
 * Manual injection on both paths: on sim, the webhook's decisions made from what the API shows
 * (istiod's ENABLE_NATIVE_SIDECARS, the nodes' kubelets; pkg/kube/inject/webhook.go
 * DetectNativeSidecar and inject.go IntoObject @1.30.3), and `istioctl kube-inject -f -` (a stand-in
 * istioctl that rewrites its input as the real one does, recording its arguments).
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClients, createScenarioNamespace, readObject } from '../../../kube/index.js';
import type { ClusterHandle } from '../../../contract/cluster.js';
import { startSim, type SimCluster } from '../../../sim/index.js';
import type { InjectStep } from '../../../spec/index.js';
import { createStepContext, type ScenarioScope } from '../../step-context.js';
import { MeshConfigTracker } from '../../mesh-config/index.js';
import { createSubstitute } from '../../substitute.js';
import { simHandle } from '../../__tests__/sim.js';
import { injectOperation } from './index.js';

const deployment = (name: string, inject = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}${inject ? `, sidecar.istio.io/inject: "${inject}"` : ''}}}
    spec:
      containers: [{name: app, image: meshspec/echo:dev}]
`;

let sim: SimCluster;
let scope: ScenarioScope;

function stepContext(cluster: ClusterHandle, log: string[] = [], on: ScenarioScope = scope) {
  const controller = new AbortController();
  return createStepContext({ ...on, cluster }, { signal: controller.signal, deadline: Date.now() + 30_000 }, { task: { meta: {} } } as never, log);
}

beforeAll(async () => {
  sim = await startSim({ istioProfile: 'none' });
  const cluster = simHandle(sim, 'run-inject-test', { artifactsDir: tmpdir() });
  const kube = createKubeClients(cluster);
  // Not labelled for injection: whatever sidecar the pods get comes from the inject step.
  const namespace = await createScenarioNamespace(kube, { name: 'inject-test', mesh: 'none' }, cluster.runId);
  scope = {
    cluster,
    kube,
    namespace,
    rootDir: process.cwd(),
    specFile: 'inject.spec.yaml',
    applied: [],
    meshConfig: new MeshConfigTracker(kube),
    substitute: createSubstitute({ NAMESPACE: namespace }),
  };
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

const template = async (name: string, on: ScenarioScope = scope) =>
  (await readObject<V1Deployment>(on.kube, { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace: on.namespace }))?.spec?.template;
const names = (containers: { name: string }[] | undefined) => (containers ?? []).map((c) => c.name);

describe('inject step', () => {
  it("on sim, injects native sidecars as the webhook would for nodes >= 1.33, the image of the cluster's Istio", async () => {
    const step: InjectStep = { inject: deployment('by-sim') };
    const ctx = stepContext(scope.cluster);
    await injectOperation.exec(step, ctx);
    const injected = await template('by-sim');
    expect(names(injected?.spec?.containers)).toEqual(['app']);
    expect(names(injected?.spec?.initContainers)).toEqual(['istio-init', 'istio-proxy']);
    expect(injected?.spec?.initContainers?.[1].image).toBe(`docker.io/istio/proxyv2:${scope.cluster.istio.version}`);
    expect(injected?.metadata?.annotations?.['sidecar.istio.io/status']).toBeDefined();
    expect(ctx.applied.map((o) => `${o.kind}/${o.name}`)).toEqual(['Deployment/by-sim']);
  });

  it('on sim, leaves a template with sidecar.istio.io/inject "false" alone and logs kube-inject\'s warning', async () => {
    const log: string[] = [];
    await injectOperation.exec({ inject: deployment('opted-out', 'false') }, stepContext(scope.cluster, log));
    expect(names((await template('opted-out'))?.spec?.initContainers)).toEqual([]);
    expect(log).toContain('===> Skipping injection because Deployment "opted-out" has sidecar injection disabled');
  });

  it('on sim, injects classic sidecars when istiod runs with ENABLE_NATIVE_SIDECARS=false', async () => {
    const classicSim = await startSim({ istioProfile: 'minimal', nativeSidecars: 'false' });
    try {
      const cluster = simHandle(classicSim, 'run-inject-classic', { artifactsDir: tmpdir() });
      const kube = createKubeClients(cluster);
      const namespace = await createScenarioNamespace(kube, { name: 'inject-classic', mesh: 'none' }, cluster.runId);
      const on: ScenarioScope = { ...scope, cluster, kube, namespace, applied: [], substitute: createSubstitute({ NAMESPACE: namespace }) };
      await injectOperation.exec({ inject: deployment('classic') }, stepContext(cluster, [], on));
      const injected = await template('classic', on);
      expect(names(injected?.spec?.containers)).toEqual(['app', 'istio-proxy']);
      expect(names(injected?.spec?.initContainers)).toEqual(['istio-init']);
    } finally {
      await classicSim.stop();
    }
  }, 60_000);

  it('on real clusters, pipes the manifest through istioctl kube-inject -f - and applies its output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshspec-kube-inject-'));
    const istioctl = join(dir, 'istioctl');
    await writeFile(
      istioctl,
      `#!/usr/bin/env node
const fs = require('node:fs');
fs.writeFileSync(${JSON.stringify(join(dir, 'args.json'))}, JSON.stringify([process.env.KUBECONFIG, ...process.argv.slice(2)]));
const input = fs.readFileSync(0, 'utf8');
process.stdout.write(input.replace('containers:', 'containers:\\n        - {name: istio-proxy, image: docker.io/istio/proxyv2:1.29.0}'));
`,
    );
    await chmod(istioctl, 0o755);
    const kind: ClusterHandle = { ...scope.cluster, provider: 'kind', istio: { ...scope.cluster.istio, istioctl } };
    await injectOperation.exec({ inject: deployment('by-istioctl') }, stepContext(kind));
    expect((await template('by-istioctl'))?.spec?.containers.map((c) => c.name)).toEqual(['istio-proxy', 'app']);
    const args = JSON.parse(await readFile(join(dir, 'args.json'), 'utf8')) as string[];
    expect(args).toEqual([sim.kubeconfigPath, '--context', sim.context, 'kube-inject', '-f', '-']);
  });

  it('says so when istioctl fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshspec-kube-inject-'));
    const istioctl = join(dir, 'istioctl');
    await writeFile(istioctl, '#!/usr/bin/env node\nconsole.error("Error: failed to get injection config"); process.exit(1);\n');
    await chmod(istioctl, 0o755);
    const kind: ClusterHandle = { ...scope.cluster, provider: 'kind', istio: { ...scope.cluster.istio, istioctl } };
    await expect(injectOperation.exec({ inject: deployment('never') }, stepContext(kind))).rejects.toThrow(
      'istioctl kube-inject failed (exit 1): Error: failed to get injection config',
    );
  });
});
