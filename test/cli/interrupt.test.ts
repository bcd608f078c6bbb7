/** Ctrl-C (SIGINT) and SIGTERM during `meshspec run` on sim: the run stops and the cluster goes away. */
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startInlineCli } from './inline.js';

const slow = `name: slow
title: A config map and a long pause
source: Test / Interrupt
steps:
  - apply: { file: marker.yaml }
  - sleep: 60s
`;
const marker = `apiVersion: v1
kind: ConfigMap
metadata: { name: marker }
data: { a: b }
`;
const INTERRUPTED = 'interrupted: stopping tests and tearing down the sim cluster (Ctrl-C again to quit at once)';

/** The sim's API server address, from the kubeconfig in the run's artifacts directory. */
function simServer(dir: string): URL {
  const runsDir = path.join(dir, '.meshspec/runs');
  const [runId] = readdirSync(runsDir);
  const kubeconfig = readFileSync(path.join(runsDir, runId!, 'sim.kubeconfig'), 'utf8');
  return new URL(/server: *(\S+)/.exec(kubeconfig)![1]!);
}

function connectionError(url: URL): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

interface Interrupt {
  signal: 'SIGINT' | 'SIGTERM';
  exitCode: number;
  to: 'the CLI' | 'its process group';
}

describe('meshspec run interrupted', () => {
  it.for<Interrupt>([
    { signal: 'SIGINT', exitCode: 130, to: 'the CLI' },
    { signal: 'SIGTERM', exitCode: 143, to: 'the CLI' },
    // A terminal's Ctrl-C: Vitest's workers get the signal too.
    { signal: 'SIGINT', exitCode: 130, to: 'its process group' },
  ])('on $signal to $to cancels the run, tears the sim down and exits $exitCode', { timeout: 60_000 }, async ({ signal, exitCode, to }) => {
    const group = to === 'its process group';
    const { subprocess, dir } = startInlineCli({ 'specs/slow.spec.yaml': slow, 'marker.yaml': marker }, ['run', '--reporter', 'verbose'], { detached: group });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      subprocess.all.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('> apply marker.yaml')) resolve();
      });
      void subprocess.then(() => reject(new Error(`the run ended before its first step passed:\n${output}`)));
    });
    const server = simServer(dir);
    expect(await connectionError(server)).toBeUndefined();

    const signalled = Date.now();
    if (group) process.kill(-subprocess.pid!, signal);
    else subprocess.kill(signal);
    // A run that ignores the signal ends here, with its output in the failure.
    const hung = setTimeout(() => subprocess.kill('SIGKILL'), 20_000);
    const result = await subprocess;
    clearTimeout(hung);

    expect(result.exitCode, result.all).toBe(exitCode);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('interrupted:'))).toEqual([INTERRUPTED]);
    expect(result.all).toContain('sleep 60s');
    expect(result.all).toContain('The test run was aborted by the user.');
    expect(result.all).not.toContain('Unhandled Error');
    expect(await connectionError(server)).toBe('ECONNREFUSED');
  });
});
