import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { createDataPlane } from '../../../mesh/index.js';
import type { ClusterHandle } from '../../../providers/types.js';
import { startSim, EXTERNAL_HOST, EXTERNAL_IP, type SimCluster } from '../../../sim/index.js';
import { loadSpecFile } from '../../../spec/load.js';
import { createScenarioRun } from '../../runtime.js';

const FILES = (process.env.SPECS ?? '').split(',');
let sim: SimCluster;
let handle: ClusterHandle;
beforeAll(async () => {
  sim = await startSim({ istioProfile: 'demo', dataPlane: (host) => createDataPlane(host, { log: () => undefined }) });
  const ingress = await (async () => { for (let i = 0; i < 100; i++) { const a = sim.ingress(); if (a) return a; await new Promise((r) => setTimeout(r, 100)); } return null; })();
  handle = {
    provider: 'sim', runId: 'zz', kubeconfig: sim.kubeconfigPath, context: sim.context,
    istio: { version: sim.istioVersion, profile: 'demo', istioctl: null },
    ingress: ingress ? { http: `http://${ingress.host}:${ingress.port}` } : null,
    imageRewrites: {}, variables: { EXTERNAL_HOST, EXTERNAL_IP }, artifactsDir: await mkdtemp(join(tmpdir(), 'zz-')),
  };
}, 120_000);
afterAll(() => sim?.stop());

for (const file of FILES) {
  it(file, async () => {
    const { spec, errors } = loadSpecFile(file, process.cwd());
    if (!spec) throw new Error(errors.map((e) => e.message).join('\n'));
    const scenario = (spec as any).scenario ?? spec;
    const run = createScenarioRun(scenario, { file, rootDir: process.cwd() }, () => handle);
    await run.setup();
    try {
      for (let i = 0; i < scenario.steps.length; i++) {
        const t = Date.now();
        const meta: any = {};
        const ctx = { task: { meta }, signal: new AbortController().signal, skip: (n?: string) => { throw new Error('SKIP ' + n); } } as never;
        try {
          await run.runStep(i, ctx);
          console.log(`  ok ${i} ${scenario.steps[i].name ?? Object.keys(scenario.steps[i])[0]} ${Date.now() - t}ms ${meta.meshspec?.traffic ? JSON.stringify(meta.meshspec.traffic.outcomes.map((o: any) => o.matcher + ':' + o.pass + ' ' + o.detail)) + ' n=' + meta.meshspec.traffic.n : ''}`);
        } catch (e) {
          if (String((e as Error).message).startsWith('SKIP')) { console.log(`  skip ${i} ${(e as Error).message}`); continue; }
          console.log(`  FAIL ${i} ${Date.now() - t}ms\n${(e as Error).message}`);
          throw e;
        }
      }
    } finally {
      await run.teardown();
    }
  }, 300_000);
}
