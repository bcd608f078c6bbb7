/**
 * A sim whose process dies abruptly (SIGKILL: no exit handler runs) leaves no echo process behind:
 * each app exits when its IPC channel to the kubelet closes.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const BUILT_SIM = fileURLToPath(new URL('../../../dist/harness/sim/index.js', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'meshspec-orphans-'));
let sim: ResultPromise | undefined;

afterAll(async () => {
  sim?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Whether a process runs (a zombie has exited; only its parent has not reaped it yet). */
async function isRunning(pid: number): Promise<boolean> {
  const { stdout } = await execa('ps', ['-o', 'stat=', '-p', String(pid)], { reject: false });
  return stdout.trim() !== '' && !stdout.trim().startsWith('Z');
}

async function runningChildren(pid: number): Promise<number[]> {
  const { stdout } = await execa('pgrep', ['-P', String(pid)], { reject: false });
  const pids = stdout.split('\n').filter(Boolean).map(Number);
  const running = await Promise.all(pids.map(isRunning));
  return pids.filter((_, i) => running[i]);
}

describe('a sim killed with SIGKILL', () => {
  it('takes its echo processes with it', async () => {
    if (!existsSync(BUILT_SIM)) throw new Error(`${BUILT_SIM} is missing: run \`pnpm build\` first`);
    const kubeconfig = join(dir, 'kubeconfig');
    const script = `import { startSim } from ${JSON.stringify(BUILT_SIM)};
await startSim({ istioProfile: 'none', kubeconfigPath: ${JSON.stringify(kubeconfig)} });
console.log('ready');`;
    sim = execa(process.execPath, ['--input-type=module', '-e', script], { reject: false, stdin: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      sim!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      void sim!.then((result) => reject(new Error(`the sim exited before it was ready:\n${result.stderr}`)));
    });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'echo' }, spec: { containers: [{ name: 'app', image: 'meshspec/echo' }] } },
    });
    await expect
      .poll(async () => (await core.readNamespacedPod({ namespace: 'default', name: 'echo' })).status?.containerStatuses?.[0]?.ready, { timeout: 15_000 })
      .toBe(true);
    const pid = sim.pid!;
    // The pod's app and the sim's external service.
    const children = await runningChildren(pid);
    expect(children).toHaveLength(2);

    process.kill(pid, 'SIGKILL');
    const stillRunning = async () => (await Promise.all(children.map(async (child) => ((await isRunning(child)) ? [child] : [])))).flat();
    await expect.poll(stillRunning, { timeout: 5_000 }).toEqual([]);
  });
});
