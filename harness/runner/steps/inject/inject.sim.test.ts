/**
 * Manual injection on both paths: the sim's injector, and `istioctl kube-inject -f -` (a
 * stand-in istioctl that rewrites its input as the real one does, recording its arguments).
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

const deployment = (name: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: app, image: meshspec/echo:dev}]
`;

let sim: SimCluster;
let scope: ScenarioScope;

function stepContext(cluster: ClusterHandle) {
  const controller = new AbortController();
  return createStepContext({ ...scope, cluster }, { signal: controller.signal, deadline: Date.now() + 30_000 }, { task: { meta: {} } } as never, []);
}

beforeAll(async () => {
  sim = await startSim({ istioProfile: 'none' });
  const cluster = simHandle(sim, 'run-inject-test', { artifactsDir: tmpdir() });
  const kube = createKubeClients(cluster);
  // Not labelled for injection: whatever sidecar the pods get comes from the inject step.
  const namespace = await createScenarioNamespace(kube, { name: 'inject-test', mesh: 'none' }, cluster.runId);
  scope = { cluster, kube, namespace, rootDir: process.cwd(), specFile: 'inject.spec.yaml', applied: [], meshConfig: new MeshConfigTracker(kube), substitute: createSubstitute({ NAMESPACE: namespace }) };
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

const template = async (name: string) =>
  (await readObject<V1Deployment>(scope.kube, { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace: scope.namespace }))?.spec?.template;

describe('inject step', () => {
  it('on sim, applies the manifest as the sim\'s injector rewrites it', async () => {
    const step: InjectStep = { inject: deployment('by-sim') };
    const ctx = stepContext(scope.cluster);
    await injectOperation.exec(step, ctx);
    const injected = await template('by-sim');
    expect(injected?.spec?.containers.map((c) => c.name)).toContain('istio-proxy');
    expect(injected?.metadata?.annotations?.['sidecar.istio.io/status']).toBeDefined();
    expect(ctx.applied.map((o) => `${o.kind}/${o.name}`)).toEqual(['Deployment/by-sim']);
  });

  it('on real clusters, pipes the manifest through istioctl kube-inject -f - and applies its output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshspec-kube-inject-'));
    const istioctl = join(dir, 'istioctl');
    await writeFile(istioctl, `#!/usr/bin/env node
const fs = require('node:fs');
fs.writeFileSync(${JSON.stringify(join(dir, 'args.json'))}, JSON.stringify([process.env.KUBECONFIG, ...process.argv.slice(2)]));
const input = fs.readFileSync(0, 'utf8');
process.stdout.write(input.replace('containers:', 'containers:\\n        - {name: istio-proxy, image: docker.io/istio/proxyv2:1.29.0}'));
`);
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
    await expect(injectOperation.exec({ inject: deployment('never') }, stepContext(kind)))
      .rejects.toThrow('istioctl kube-inject failed (exit 1): Error: failed to get injection config');
  });
});
