import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimCommand } from './command.js';

const dir = await mkdtemp(join(tmpdir(), 'meshspec-sim-command-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(true));
  });
}

describe('meshspec sim', () => {
  it('prints one ready line with the kubeconfig path and leaves no port open after the stop signal', async () => {
    const kubeconfig = join(dir, 'k.yaml');
    const lines: string[] = [];
    let stop!: () => void;
    const stopSignal = new Promise<void>((resolve) => (stop = resolve));
    const ready = new Promise<void>((resolve) => {
      const exit = runSimCommand(['--kubeconfig', kubeconfig, '--istio-profile=none'], { out: (l) => (lines.push(l), resolve()), err: (l) => lines.push(l), stopSignal });
      void exit.then((code) => lines.push(`exit ${code}`));
    });
    await ready;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`meshspec sim ready: kubeconfig ${kubeconfig} (context meshspec-sim`);
    const port = Number(/server: https:\/\/127\.0\.0\.1:(\d+)/.exec(await readFile(kubeconfig, 'utf8'))![1]);
    expect(await refused(port)).toBe(false);
    stop();
    await expect.poll(() => lines.at(-1)).toBe('exit 0');
    expect(await refused(port)).toBe(true);
    expect(existsSync(kubeconfig)).toBe(true);
  });

  it('installs the addons asked for and names them in the ready line', async () => {
    const kubeconfig = join(dir, 'addons.yaml');
    const lines: string[] = [];
    let stop!: () => void;
    const stopSignal = new Promise<void>((resolve) => (stop = resolve));
    const exit = runSimCommand(['--kubeconfig', kubeconfig, '--istio-profile', 'minimal', '--addons', 'kiali,grafana'], { out: (l) => lines.push(l), err: (l) => lines.push(l), stopSignal });
    await expect.poll(() => lines.length, { timeout: 30_000 }).toBe(1);
    expect(lines[0]).toMatch(/Istio [\d.]+ minimal with kiali, grafana[,)]/);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const deployments = await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: 'istio-system' });
    expect(deployments.items.map((d) => d.metadata!.name).sort()).toEqual(['grafana', 'istiod', 'kiali']);
    stop();
    expect(await exit).toBe(0);
  });

  it('refuses unknown arguments, profiles and addons with exit code 2 and the usage', async () => {
    const errors: string[] = [];
    const io = { out: () => undefined, err: (l: string) => errors.push(l) };
    expect(await runSimCommand(['--istio-profile', 'ambient'], io)).toBe(2);
    expect(await runSimCommand(['--frobnicate'], io)).toBe(2);
    expect(await runSimCommand(['--addons', 'prometheus,zipkin'], io)).toBe(2);
    expect(await runSimCommand(['--istio-profile', 'none', '--addons', 'kiali'], io)).toBe(2);
    expect(errors[0]).toMatch(/^meshspec sim: --istio-profile must be one of demo, default, minimal, none \(got "ambient"\)\nusage: meshspec sim/);
    expect(errors[1]).toMatch(/unknown argument "--frobnicate"/);
    expect(errors[2]).toMatch(/^meshspec sim: --addons takes prometheus, grafana, kiali, jaeger or none \(got "zipkin"\)\nusage:/);
    expect(errors[3]).toMatch(/^meshspec sim: --addons needs Istio in istio-system/);
  });
});
