import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultEchoEntry } from '../../sim/index.js';
import { ProviderError, type ProgressReporter } from '../../contract/cluster.js';
import { resolveIstioVersion } from '../istio/versions.js';
import { simProvider } from './index.js';

const dir = await mkdtemp(join(tmpdir(), 'meshspec-sim-provider-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const phases: string[] = [];
const progress: ProgressReporter = {
  phase: (name) => ({
    done: (detail) => phases.push(`done ${name}: ${detail}`),
    fail: (e) => phases.push(`fail ${name}: ${String(e)}`),
    update: () => undefined,
  }),
  info: () => undefined,
};

describe('simProvider', () => {
  it('starts the embedded cluster with the widest profile and describes it in a serialisable handle', async () => {
    const provider = simProvider();
    const handle = await provider.setup({
      runId: 'r1',
      profiles: ['minimal', 'default'],
      addons: [],
      reuse: false,
      artifactsDir: join(dir, 'artifacts'),
      rootDir: process.cwd(),
      progress,
      settings: {},
    });
    try {
      expect(JSON.parse(JSON.stringify(handle))).toEqual(handle);
      expect(handle).toMatchObject({
        provider: 'sim',
        runId: 'r1',
        context: 'meshspec-sim',
        kubeconfig: join(dir, 'artifacts', 'sim.kubeconfig'),
        istio: { profile: 'default', istioctl: null },
        imageRewrites: {},
      });
      expect(handle.ingress?.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      if (existsSync(join(process.cwd(), 'dist/apps/echo/src/main.js')))
        expect(handle.variables).toEqual({ EXTERNAL_HOST: 'external.meshspec.test', EXTERNAL_IP: '192.0.2.10' });
      expect(phases).toEqual([expect.stringMatching(/^done start the embedded cluster with Istio default: https:\/\/127\.0\.0\.1:\d+/)]);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(handle.kubeconfig);
      kc.setCurrentContext(handle.context);
      const deployments = await kc.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: 'istio-system' });
      expect(deployments.items.map((d) => d.metadata!.name).sort()).toEqual(['istio-ingressgateway', 'istiod']);
    } finally {
      await provider.teardown();
    }
  });

  it("installs exactly the addons asked for, served by the data plane behind the Services of Istio's samples/addons", async () => {
    const provider = simProvider();
    const handle = await provider.setup({
      runId: 'r2',
      profiles: ['demo'],
      addons: ['prometheus', 'jaeger'],
      reuse: false,
      artifactsDir: join(dir, 'addons'),
      rootDir: process.cwd(),
      progress,
      settings: {},
    });
    try {
      expect(phases.at(-1)).toMatch(/^done start the embedded cluster with Istio demo and prometheus, jaeger: /);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(handle.kubeconfig);
      kc.setCurrentContext(handle.context);
      const deployments = await kc.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: 'istio-system' });
      expect(deployments.items.map((d) => d.metadata!.name).sort()).toEqual(['istio-egressgateway', 'istio-ingressgateway', 'istiod', 'jaeger', 'prometheus']);
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const services = await core.listNamespacedService({ namespace: 'istio-system' });
      expect(services.items.map((svc) => `${svc.metadata!.name}:${svc.spec!.ports!.map((p) => p.port).join(',')}`).sort()).toEqual([
        'istio-egressgateway:80,443',
        'istio-ingressgateway:15021,80,443,31400,15443',
        'istiod:15010,15012,443,15014',
        'jaeger-collector:14268,14250,9411,4317,4318',
        'prometheus:9090',
        'tracing:80,16685',
        'zipkin:9411',
      ]);
      // samples/addons/{prometheus,jaeger}.yaml at istio/istio@1.31.0-rc.0, the newest 1.31 tag here.
      expect(
        deployments.items
          .filter((d) => ['jaeger', 'prometheus'].includes(d.metadata!.name!))
          .map((d) => d.spec!.template.spec!.containers[0].image)
          .sort(),
      ).toEqual(['docker.io/jaegertracing/jaeger:2.17.0', 'docker.io/prom/prometheus:v3.10.0']);
      const ready = await core.connectGetNamespacedServiceProxyWithPath({ name: 'prometheus:9090', namespace: 'istio-system', path: '-/ready' });
      expect(ready).toContain('Prometheus Server is Ready');
    } finally {
      await provider.teardown();
    }
  });

  it('emulates the Istio release asked for on the newest Kubernetes it supports, and sets nativeSidecars on istiod', async () => {
    const provider = simProvider();
    const handle = await provider.setup({
      runId: 'r4',
      profiles: ['minimal'],
      addons: [],
      reuse: false,
      artifactsDir: join(dir, 'older'),
      rootDir: process.cwd(),
      progress,
      settings: { nativeSidecars: 'false' },
      istioVersion: '1.29',
    });
    try {
      expect(handle.istio.version).toBe(resolveIstioVersion('1.29').version);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(handle.kubeconfig);
      kc.setCurrentContext(handle.context);
      expect((await kc.makeApiClient(k8s.VersionApi).getCode()).gitVersion).toBe('v1.35.0-meshspec-sim');
      const istiod = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: 'istio-system', name: 'istiod' });
      expect(istiod.spec!.template.spec!.containers[0]).toMatchObject({
        image: `docker.io/istio/pilot:${handle.istio.version}`,
        env: [{ name: 'ENABLE_NATIVE_SIDECARS', value: 'false' }],
      });
    } finally {
      await provider.teardown();
    }
    await expect(
      simProvider().setup({
        runId: 'r5',
        profiles: ['minimal'],
        addons: [],
        reuse: false,
        artifactsDir: join(dir, 'bad'),
        rootDir: process.cwd(),
        progress,
        settings: { nativeSidecars: 'yes' },
      }),
    ).rejects.toThrow(
      expect.objectContaining({ message: 'the sim setting nativeSidecars is "yes"', hint: 'Set it to true, false, auto, or leave it out for auto.' }),
    );
  });

  it('says why the embedded cluster did not start, and names `pnpm build` only when the echo app is not built', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    const provider = simProvider();
    const error = await provider
      .setup({
        runId: 'r3',
        profiles: ['minimal'],
        addons: [],
        reuse: false,
        artifactsDir: join(file, 'artifacts'),
        rootDir: process.cwd(),
        progress,
        settings: {},
      })
      .catch((e: unknown) => e);
    await provider.teardown();
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/^the embedded cluster did not start: .*ENOTDIR/);
    expect((error as ProviderError).hint).toMatch(existsSync(defaultEchoEntry()) ? /meshspec sim/ : /pnpm build/);
  });
});
