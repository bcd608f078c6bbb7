import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClients } from '../kube/clients.js';
import { waitForPods } from '../kube/waits/pods.js';
import type { ClusterHandle } from '../contract/cluster.js';
import type { KubeClients } from '../kube/types.js';
import type { StepContext } from './types.js';
import { startSim, type SimCluster } from '../sim/index.js';
import { collectDiagnostics } from './diagnostics.js';

const NAMESPACE = 'diagnostics';

describe('collectDiagnostics on sim', () => {
  let sim: SimCluster;
  let kube: KubeClients;
  let artifactsDir: string;

  beforeAll(async () => {
    artifactsDir = await mkdtemp(join(tmpdir(), 'meshspec-diagnostics-'));
    sim = await startSim({ istioProfile: 'none' });
    kube = createKubeClients({ kubeconfig: sim.kubeconfigPath, context: sim.context });
    await kube.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    const labels = { app: 'backend', version: 'v1' };
    await kube.objects.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'backend', namespace: NAMESPACE },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'backend', image: 'meshspec/echo:dev', args: ['--service', 'backend'], ports: [{ containerPort: 8080 }] }] },
        },
      },
    } as never);
    await waitForPods(kube, NAMESPACE, 'app=backend', { ready: true }, { deadline: Date.now() + 30_000 });
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await rm(artifactsDir, { recursive: true, force: true });
  });

  it('writes pods, events, applied objects and container logs under the namespace and returns a summary', async () => {
    const cluster: ClusterHandle = {
      provider: 'sim',
      runId: 'r',
      kubeconfig: sim.kubeconfigPath,
      context: sim.context,
      istio: { version: sim.istioVersion, profile: 'demo', istioctl: null, ambient: false },
      ingress: null,
      imageRewrites: {},
      variables: {},
      artifactsDir,
    };
    const ctx = {
      cluster,
      namespace: NAMESPACE,
      kube,
      applied: [
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NAMESPACE, name: 'backend' },
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: NAMESPACE, name: 'gone' },
      ],
    } as unknown as StepContext;
    const summary = await collectDiagnostics(ctx);
    const [dir] = await readdir(join(artifactsDir, NAMESPACE));
    const written = join(artifactsDir, NAMESPACE, dir);
    expect(summary).toMatch(new RegExp(`^diagnostics written to ${written}\\n  pods:\\n    backend-\\S+ Running ready 1/1 restarts 0 \\[backend\\]`));
    expect((await readdir(written)).sort()).toEqual(['applied.yaml', 'events.txt', 'logs', 'pods.txt', 'pods.yaml']);
    const applied = await readFile(join(written, 'applied.yaml'), 'utf8');
    expect(applied).toContain('kind: Deployment');
    expect(applied).toContain('# ConfigMap/gone: not found (deleted?)');
    expect(applied).not.toContain('managedFields');
    const logs = await readdir(join(written, 'logs'));
    expect(logs).toEqual([expect.stringMatching(/^backend-\S+\.backend\.log$/)]);
  });

  it("adds Istio's own view when the provider has istioctl, each call bounded and recorded with its exit", async () => {
    const istioctl = join(artifactsDir, 'istioctl');
    await writeFile(istioctl, '#!/bin/sh\necho "args: $* KUBECONFIG=$KUBECONFIG"\n[ "$1" = analyze ] && exit 79\nexit 0\n', { mode: 0o755 });
    // An ingress gateway outside istio-system, as `helm install istio-ingressgateway istio/gateway -n istio-ingress`
    // labels it (istio/istio@1.30.3 manifests/charts/gateway/templates/deployment.yaml, values.yaml podAnnotations).
    const podLabels = { app: 'istio-ingressgateway', istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' };
    await kube.core.createNamespace({ body: { metadata: { name: 'istio-ingress' } } });
    await kube.objects.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'istio-ingressgateway',
        namespace: 'istio-ingress',
        labels: { app: 'istio-ingressgateway', istio: 'ingressgateway', 'helm.sh/chart': 'gateway-1.30.3' },
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
        template: {
          metadata: { labels: podLabels, annotations: { 'inject.istio.io/templates': 'gateway' } },
          spec: { containers: [{ name: 'istio-proxy', image: 'auto' }] },
        },
      },
    });
    const cluster = {
      provider: 'kind',
      runId: 'r',
      kubeconfig: sim.kubeconfigPath,
      context: sim.context,
      istio: { version: sim.istioVersion, profile: 'demo', istioctl, ambient: false },
      ingress: null,
      imageRewrites: {},
      variables: {},
      artifactsDir: join(artifactsDir, 'with-istioctl'),
    } satisfies ClusterHandle;
    await collectDiagnostics({ cluster, namespace: NAMESPACE, kube, applied: [] } as unknown as StepContext);
    const [dir] = await readdir(join(cluster.artifactsDir, NAMESPACE));
    const written = join(cluster.artifactsDir, NAMESPACE, dir);
    const kubeArgs = `--context ${sim.context} KUBECONFIG=${sim.kubeconfigPath}`;
    expect(await readFile(join(written, 'istioctl-proxy-status.txt'), 'utf8')).toBe(`$ istioctl proxy-status   (exit 0)\nargs: proxy-status ${kubeArgs}\n`);
    expect(await readFile(join(written, 'istioctl-analyze.txt'), 'utf8')).toContain(`(exit 79)\nargs: analyze -n ${NAMESPACE} ${kubeArgs}`);
    expect(await readFile(join(written, 'istioctl-routes-gateway.txt'), 'utf8')).toContain(
      'args: proxy-config routes deploy/istio-ingressgateway -n istio-ingress',
    );
    // No pod here has a sidecar, so there is no client whose routes to show.
    expect(await readdir(written)).not.toContain('istioctl-routes-client.txt');
  });
});
