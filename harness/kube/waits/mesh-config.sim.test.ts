/**
 * "Config in effect" against the embedded cluster with Istio's CRDs. The sim runs here with
 * its pass-through data plane, which never reports distribution: the test writes Istio's
 * status itself, as istiod would, and checks the wait follows it step by step.
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterHandle } from '../../contract/cluster.js';
import type { AppliedObject, KubeClients } from '../types.js';
import { createPassthroughDataPlane, type SimCluster } from '../../sim/index.js';
import { startKubeSim } from '../__tests__/sim.js';
import type { RunOwner } from '../ownership.js';
import { done, notYet, waitFor } from '../poll.js';
import { waitForMeshConfig } from './mesh-config.js';

const RUN_ID = 'run-mesh-config-test';
let sim: SimCluster;
let kube: KubeClients;
let owner: RunOwner;
let cluster: Pick<ClusterHandle, 'provider' | 'kubeconfig' | 'context' | 'istio'>;

const route = (weight: number) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: backend}
spec:
  hosts: [backend]
  http:
  - route:
    - {destination: {host: backend}, weight: ${weight}}
`;
let apply: (yaml: string) => Promise<AppliedObject[]>;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Writes the distribution status istiod writes with PILOT_ENABLE_STATUS. */
async function reportStatus(name: string, observedGeneration: number, status: 'True' | 'False') {
  await kube.kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
    {
      group: 'networking.istio.io', version: 'v1', namespace: owner.namespace, plural: 'virtualservices', name,
      body: { status: { observedGeneration: String(observedGeneration), conditions: [{ type: 'Reconciled', status, message: status === 'True' ? '' : '1/2 proxies up to date' }] } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

beforeAll(async () => {
  ({ sim, kube, owner, apply } = await startKubeSim({ istioProfile: 'minimal', dataPlane: createPassthroughDataPlane }, 'mesh-config', RUN_ID));
  cluster = { provider: 'sim', kubeconfig: sim.kubeconfigPath, context: sim.context, istio: { version: sim.istioVersion, profile: 'minimal', istioctl: null, ambient: false } };
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

describe('mesh config in effect', () => {
  let applied: AppliedObject[];

  it('does not resolve before Istio reports the object Reconciled', async () => {
    applied = await apply(route(100));
    await expect(waitForMeshConfig(kube, applied, cluster, { deadline: Date.now() + 1_000 }))
      .rejects.toThrow(/waiting for the mesh to put 1 Istio object\(s\) into effect; last seen: 1 not in effect yet: VirtualService\/backend in namespace mesh-config-\w+: Istio has not reported a Reconciled condition for it yet/);
  });

  it('follows the status until the current generation is Reconciled', async () => {
    await reportStatus('backend', 1, 'False');
    await expect(waitForMeshConfig(kube, applied, cluster, { deadline: Date.now() + 1_000 })).rejects.toThrow(/Reconciled=False \(1\/2 proxies up to date\)/);
    const waiting = waitForMeshConfig(kube, applied, cluster, { deadline: Date.now() + 10_000 });
    setTimeout(() => void reportStatus('backend', 1, 'True'), 300);
    await waiting;
  });

  it('waits again after a change raises the generation', async () => {
    applied = [...applied, ...(await apply(route(100).replace('hosts: [backend]', 'hosts: [backend, backend.other]')))];
    expect(applied.at(-1)!.generation).toBe(2);
    await expect(waitForMeshConfig(kube, applied, cluster, { deadline: Date.now() + 1_000 }))
      .rejects.toThrow('Reconciled for generation 1, but the object is at generation 2');
    await reportStatus('backend', 2, 'True');
    await waitForMeshConfig(kube, applied, cluster, { deadline: Date.now() + 5_000 });
  });

  it('asks istioctl on real clusters whose Istio writes no status', async () => {
    const [other] = await apply(route(100).replace('name: backend', 'name: nostatus'));
    const dir = await mkdtemp(join(tmpdir(), 'meshspec-istioctl-'));
    const istioctl = join(dir, 'istioctl');
    await writeFile(istioctl, `#!/usr/bin/env node\nrequire('node:fs').writeFileSync(${JSON.stringify(join(dir, 'args.json'))}, JSON.stringify([process.env.KUBECONFIG, ...process.argv.slice(2)]));\n`);
    await chmod(istioctl, 0o755);
    const kind = { ...cluster, provider: 'kind' as const, istio: { ...cluster.istio, istioctl } };
    await waitForMeshConfig(kube, [other!], kind, { deadline: Date.now() + 10_000 });
    const args = JSON.parse(await readFile(join(dir, 'args.json'), 'utf8')) as string[];
    expect(args.slice(0, 3)).toEqual([sim.kubeconfigPath, '--context', sim.context]);
    expect(args.slice(3, 6)).toEqual(['experimental', 'wait', '--for=distribution']);
    expect(args.slice(-2)).toEqual(['virtualservice', `nostatus.${owner.namespace}`]);
  });

  it('kills a hung istioctl at the deadline and names what was not confirmed', async () => {
    const [hung] = await apply(route(100).replace('name: backend', 'name: hung'));
    const dir = await mkdtemp(join(tmpdir(), 'meshspec-istioctl-'));
    const istioctl = join(dir, 'istioctl');
    // Records its pid, then sleeps (exec: the pid stays the sleeping process's).
    await writeFile(istioctl, `#!/bin/sh\necho $$ > "${dir}/pid"\nexec sleep 60\n`);
    await chmod(istioctl, 0o755);
    const kind = { ...cluster, provider: 'kind' as const, istio: { ...cluster.istio, istioctl } };
    await expect(waitForMeshConfig(kube, [hung!], kind, { deadline: Date.now() + 3_000 })).rejects.toThrow(
      /^timed out after \d+\.\ds waiting for the mesh to put 1 Istio object\(s\) into effect; last seen: 1 not in effect yet: VirtualService\/hung in namespace mesh-config-\w+: istioctl x wait --for=distribution has not confirmed it yet\. If the mesh needs longer to take the change up, set timeout: on the step \(or the scenario\)$/,
    );
    const pid = Number(await readFile(join(dir, 'pid'), 'utf8'));
    await waitFor(`istioctl (pid ${pid}) to be killed`, async () => (isRunning(pid) ? notYet('still running') : done(undefined)), { deadline: Date.now() + 10_000 });
  });

  it('says so when the istioctl it was given cannot be run', async () => {
    const [other] = await apply(route(100).replace('name: backend', 'name: noistioctl'));
    const kind = { ...cluster, provider: 'kind' as const, istio: { ...cluster.istio, istioctl: '/nonexistent/istioctl' } };
    await expect(waitForMeshConfig(kube, [other!], kind, { deadline: Date.now() + 5_000 }))
      .rejects.toThrow(/^istioctl x wait for VirtualService\/noistioctl .*could not run \/nonexistent\/istioctl: .*ENOENT/);
  });
});

describe('mesh config in effect with the sim\'s emulated data plane', () => {
  it('resolves once the data plane has taken the object up', async () => {
    const mesh = await startKubeSim({ istioProfile: 'minimal' }, 'mesh-synced', RUN_ID);
    try {
      const applied = await mesh.apply(route(100));
      await waitForMeshConfig(mesh.kube, applied, { ...cluster, kubeconfig: mesh.sim.kubeconfigPath }, { deadline: Date.now() + 10_000 });
    } finally {
      await mesh.sim.stop();
    }
  });
});
