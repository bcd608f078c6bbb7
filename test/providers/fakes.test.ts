/**
 * The fake kind and istioctl answer as the real tools do, for the outputs their branches stand in
 * for. Sources: kubernetes-sigs/kind@v0.32.0 (the newest tag in reach; meshspec pins v0.33.0) and
 * istio/istio@1.30.3 operator/pkg/component/component.go, operator/pkg/util/progress/progress.go.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../harness/sim/index.js';
import { FakeWorld } from './fake-world.js';

let world: FakeWorld;
afterEach(() => world?.dispose());

const run = (tool: 'kind' | 'istioctl', args: string[], env: Record<string, string> = {}) =>
  execa(tool, args, { reject: false, env: { PATH: process.env.PATH, ...env } }).then(({ exitCode, stdout, stderr }) => ({ exitCode, stdout, stderr }));

describe('fake kind', () => {
  it("lists a cluster's node, or logs that it has none and exits 0 (pkg/cmd/kind/get/nodes/nodes.go)", async () => {
    world = new FakeWorld({ clusters: ['meshspec'] });
    expect(await run('kind', ['get', 'nodes', '--name', 'meshspec'])).toEqual({ exitCode: 0, stdout: 'meshspec-control-plane', stderr: '' });
    expect(await run('kind', ['get', 'nodes', '--name', 'other'])).toEqual({ exitCode: 0, stdout: '', stderr: 'No kind nodes found for cluster "other".' });
  });

  it("refuses to export the kubeconfig of a cluster it does not have, in kind's words (pkg/cluster/internal/kubeconfig/kubeconfig.go)", async () => {
    world = new FakeWorld();
    expect(await run('kind', ['export', 'kubeconfig', '--name', 'gone', '--kubeconfig', join(world.dir, 'kc')])).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: "ERROR: could not locate any control plane nodes for cluster named 'gone'. Use the --name option to select a different cluster",
    });
  });

  it('names the node image without its digest while creating (pkg/cluster/internal/providers/docker/images.go sanitizeImage)', async () => {
    world = new FakeWorld();
    const created = await run('kind', [
      'create',
      'cluster',
      '--name',
      'meshspec',
      '--image',
      `kindest/node:v1.36.4@sha256:${'0'.repeat(64)}`,
      '--kubeconfig',
      join(world.dir, 'kc'),
    ]);
    expect(created.stderr).toContain(' ✓ Ensuring node image (kindest/node:v1.36.4) 🖼');
  });

  it('logs the nodes it deleted, and none for a cluster that was not there (pkg/cluster/internal/delete/delete.go)', async () => {
    world = new FakeWorld({ clusters: ['meshspec'] });
    expect((await run('kind', ['delete', 'cluster', '--name', 'meshspec'])).stderr).toBe(
      'Deleting cluster "meshspec" ...\nDeleted nodes: ["meshspec-control-plane"]',
    );
    expect((await run('kind', ['delete', 'cluster', '--name', 'meshspec'])).stderr).toBe('Deleting cluster "meshspec" ...');
  });
});

describe('fake istioctl install', () => {
  // It installs into the cluster it is pointed at (it moves istiod to the image it installs).
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startSim({ istioProfile: 'minimal' });
  }, 60_000);
  afterAll(() => sim?.stop());

  it('prints a line per component of the profile', async () => {
    world = new FakeWorld();
    const install = async (profile: string) =>
      (await run('istioctl', ['install', '-y', '--set', `profile=${profile}`, '--context', sim.context], { KUBECONFIG: sim.kubeconfigPath })).stdout.split(
        '\n',
      );
    expect(await install('minimal')).toEqual(['✔ Istio core installed ⛵️', '✔ Istiod installed 🧠', '✔ Installation complete']);
    expect(await install('default')).toEqual([
      '✔ Istio core installed ⛵️',
      '✔ Istiod installed 🧠',
      '✔ Ingress gateways installed 🛬',
      '✔ Installation complete',
    ]);
    expect(await install('demo')).toEqual([
      '✔ Istio core installed ⛵️',
      '✔ Istiod installed 🧠',
      '✔ Ingress gateways installed 🛬',
      '✔ Egress gateways installed 🛫',
      '✔ Installation complete',
    ]);
  });
});
