/**
 * The runtime end to end on the embedded cluster: a scenario's steps run through their
 * operations in the scenario's namespace, a failure skips what follows with the reason and
 * carries diagnostics, and teardown leaves nothing behind.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import type { TestContext } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClients, readObject } from '../kube/index.js';
import type { ClusterHandle } from '../contract/cluster.js';
import { startSim, type SimCluster } from '../sim/index.js';
import { Scenario, type Scenario as ScenarioType } from '../spec/index.js';
import { simHandle } from './__tests__/sim.js';
import { createScenarioRun, scenarioRun, type ScenarioRun } from './runtime.js';

class Skipped extends Error {}

function testContext(): TestContext & { annotations: { message: string; type?: string }[] } {
  const annotations: { message: string; type?: string }[] = [];
  return {
    task: { meta: {} },
    annotations,
    annotate: async (message: string, type?: string) => void annotations.push({ message, type }),
    signal: new AbortController().signal,
    skip: (note?: string) => {
      throw new Skipped(note);
    },
  } as never;
}

const client = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: client}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client, version: v1}}
    spec:
      containers:
      - {name: client, image: meshspec/echo:dev, args: ["--service", "client"], ports: [{containerPort: 8080}],
         readinessProbe: {httpGet: {path: /_echo/healthz, port: 8080}, periodSeconds: 1}}
`;

const scenario = Scenario.parse({
  name: 'runtime-test',
  title: 'the runtime on sim',
  source: 'meshspec / runner tests',
  mesh: 'none',
  steps: [
    { apply: client },
    { wait: { rollout: 'deploy/client' } },
    { label: { namespace: true, labels: { team: 'mesh' } } },
    { patch: { object: 'deployment/client', patch: { metadata: { annotations: { ns: '${NAMESPACE}', host: '${EXTERNAL_HOST}' } } } } },
    { exec: { command: [process.execPath, '-e', 'console.log(process.argv[1])', '${NAMESPACE}'], outputContains: ['runtime-test-'] } },
    { exec: { command: ['istioctl', 'proxy-status'], optional: true } },
    { name: 'only on kind', providers: ['kind'], sleep: '1s' },
    { name: 'pods that never come', timeout: '1s', wait: { pods: 'app=never' } },
    { delete: 'deployment/client' },
  ],
}) as ScenarioType;

/** Every object-changing step form, in the order a tutorial would use them. */
const stepForms = Scenario.parse({
  name: 'step-forms',
  title: 'step forms on sim',
  source: 'meshspec / runner tests',
  mesh: 'none',
  steps: [
    { apply: { file: client } },
    {
      apply:
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, labels: {tier: cache}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2, labels: {tier: cache}}\n',
    },
    { label: { kind: 'cm', selector: 'tier=cache', labels: { checked: 'yes' } } },
    { annotate: { object: 'deploy/client', annotations: { owner: 'team-a' } } },
    { patch: { object: 'deployment/client', type: 'json', patch: [{ op: 'add', path: '/metadata/labels', value: { patched: 'json' } }] } },
    { wait: { condition: { object: 'deployment/client', type: 'Available' } } },
    { wait: { pods: 'app=client', ready: false } },
    { delete: { kind: 'configmaps', selector: 'tier=cache,checked=yes', wait: false } },
    { delete: 'deploy/client' },
    { wait: { deleted: 'deployment/client' } },
    { wait: { rollout: 'svc/client' } },
  ],
}) as ScenarioType;

let sim: SimCluster;
let handle: ClusterHandle;
const flag = join(tmpdir(), `meshspec-retry-${process.pid}-${Date.now()}`);
let run: ScenarioRun;

beforeAll(async () => {
  sim = await startSim({ istioProfile: 'none' });
  handle = simHandle(sim, 'run-runtime-test', {
    variables: { EXTERNAL_HOST: 'external.meshspec.test' },
    artifactsDir: await mkdtemp(join(tmpdir(), 'meshspec-artifacts-')),
  });
  run = createScenarioRun(scenario, { file: 'specs/runtime.spec.yaml', rootDir: process.cwd() }, () => handle);
  await run.setup();
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

describe('scenarioRun', () => {
  it('runs steps in the scenario namespace with variables substituted', async () => {
    for (const index of [0, 1, 2, 3, 4]) await run.runStep(index, testContext());
    const kube = createKubeClients(handle);
    const [namespace] = (await kube.core.listNamespace({ labelSelector: 'meshspec.dev/scenario=runtime-test' })).items;
    const name = namespace!.metadata!.name!;
    expect(namespace!.metadata?.labels?.team).toBe('mesh');
    const deployment = await readObject<V1Deployment>(kube, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'client', namespace: name });
    expect(deployment?.metadata?.annotations).toMatchObject({ ns: name, host: 'external.meshspec.test' });
    expect(deployment?.status?.readyReplicas).toBe(1);
  });

  it('skips what cannot run here, with the reason', async () => {
    expect(run.skipReason(5)).toBe('skipped: istioctl is not available on the sim provider (the step is optional)');
    expect(run.skipReason(6)).toBe('skipped: runs only on kind, and this run uses sim');
    await expect(run.runStep(6, testContext())).rejects.toThrow(new Skipped('skipped: runs only on kind, and this run uses sim'));
  });

  it("fails a step at its own timeout with what it waited for and the namespace's state, then skips the rest", async () => {
    const ctx = testContext();
    const started = Date.now();
    const error = (await run.runStep(7, ctx).catch((e: unknown) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(error.message).toMatch(
      /^timed out after 1\.\ds waiting for pods matching app=never in namespace runtime-test-\w+ to be ready; last seen: no pods match app=never yet/,
    );
    expect(error.message).not.toContain('diagnostics written to');
    expect(error.stack).not.toMatch(/harness\/(kube|runner)/);
    expect(ctx.annotations).toEqual([
      { type: 'diagnostics', message: expect.stringMatching(/^diagnostics written to .*runtime-test-\w+.*\n {2}pods:\n {4}client-[\w-]+ Running ready 1\/1/) },
    ]);
    expect(run.skipReason(8)).toBe('skipped: step 8 "pods that never come" failed');
    expect(run.skipReason(7)).toBeUndefined();
  });

  it('lets the later steps run again when a retry of the failed step passes', async () => {
    const retried = createScenarioRun(
      {
        ...scenario,
        steps: [
          {
            name: 'flaky',
            exec: { command: [process.execPath, '-e', 'process.exit(require("fs").existsSync(process.argv[1]) ? 0 : 1)', flag], exitCode: 0, optional: false },
          },
          { sleep: '10ms' },
        ],
      },
      { file: 'specs/retry.spec.yaml', rootDir: process.cwd() },
      () => handle,
    );
    await retried.setup();
    try {
      await expect(retried.runStep(0, testContext())).rejects.toThrow('exited with 1, expected 0');
      expect(retried.skipReason(1)).toBe('skipped: step 1 "flaky" failed');
      await writeFile(flag, '');
      await retried.runStep(0, testContext());
      expect(retried.skipReason(1)).toBeUndefined();
    } finally {
      await retried.teardown();
    }
  });

  it('removes the namespace at teardown and waits until it is gone', async () => {
    await run.teardown();
    const kube = createKubeClients(handle);
    expect((await kube.core.listNamespace({ labelSelector: 'meshspec.dev/scenario=runtime-test' })).items).toEqual([]);
  });
});

describe('step forms', () => {
  it('labels, annotates, patches, waits and deletes as the spec says', async () => {
    const forms = createScenarioRun(stepForms, { file: 'specs/forms.spec.yaml', rootDir: process.cwd() }, () => handle);
    await forms.setup();
    try {
      for (const index of [0, 1, 2, 3, 4, 5, 6]) await forms.runStep(index, testContext());
      const kube = createKubeClients(handle);
      const [namespace] = (await kube.core.listNamespace({ labelSelector: 'meshspec.dev/scenario=step-forms' })).items;
      const name = namespace!.metadata!.name!;
      const deployment = await readObject<V1Deployment>(kube, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'client', namespace: name });
      expect(deployment?.metadata?.annotations?.owner).toBe('team-a');
      expect(deployment?.metadata?.labels).toEqual({ patched: 'json' });
      const labelled = await kube.core.listNamespacedConfigMap({ namespace: name, labelSelector: 'checked=yes' });
      expect(labelled.items.map((c) => c.metadata?.name).sort()).toEqual(['c1', 'c2']);
      for (const index of [7, 8, 9]) await forms.runStep(index, testContext());
      expect((await kube.core.listNamespacedConfigMap({ namespace: name, labelSelector: 'tier=cache' })).items).toEqual([]);
      await expect(forms.runStep(10, testContext())).rejects.toThrow('rollout waits follow Deployments, and "svc/client" is a Service');
    } finally {
      await forms.teardown();
    }
  });
});

describe('setup', () => {
  it('says how to get a cluster when none was provided, without harness frames', async () => {
    // This project's config provides no cluster, as a plain `vitest run` without meshspec's global setup.
    const orphan = scenarioRun(scenario, { file: 'specs/runtime.spec.yaml', rootDir: process.cwd() });
    const error = (await orphan.setup().catch((e: unknown) => e)) as Error;
    expect(error.stack).toMatch(/^Error: no cluster was provided to this test worker: run specs through `meshspec run` or with the meshspec\(\) plugin[^\n]*$/);
    await expect(orphan.runStep(0, testContext())).rejects.toThrow('scenario runtime-test has no namespace: its setup did not complete');
  });
});

describe('a scenario in ambient mode', () => {
  const ambient = { ...scenario, name: 'ambient-test', mesh: 'ambient' } as ScenarioType;
  const namespaces = async () =>
    (await createKubeClients(handle).core.listNamespace()).items.map((ns) => ns.metadata?.name ?? '').filter((name) => name.startsWith('ambient-test'));

  it('is skipped step by step with the reason where ztunnel does not run, and gets no namespace', async () => {
    const skipped = createScenarioRun(ambient, { file: 'specs/ambient.spec.yaml', rootDir: process.cwd() }, () => handle);
    await skipped.setup();
    expect(skipped.skipReason(0)).toMatch(
      /^skipped: mesh: ambient needs Istio's ambient data plane \(ztunnel\), which this sim cluster does not run \(the sim does not emulate ambient mode\); run it with --provider kubeconfig/,
    );
    await expect(skipped.runStep(0, testContext())).rejects.toThrow(Skipped);
    await skipped.teardown();
    expect(await namespaces()).toEqual([]);
  });

  it('runs where the provider reports ambient', async () => {
    const withAmbient = { ...handle, istio: { ...handle.istio, ambient: true } };
    const running = createScenarioRun(ambient, { file: 'specs/ambient.spec.yaml', rootDir: process.cwd() }, () => withAmbient);
    await running.setup();
    try {
      expect(running.skipReason(0)).toBeUndefined();
      const [namespace] = await namespaces();
      const labels = (await createKubeClients(handle).core.readNamespace({ name: namespace! })).metadata?.labels;
      expect(labels).toMatchObject({ 'istio.io/dataplane-mode': 'ambient' });
    } finally {
      await running.teardown();
    }
  });
});
