/**
 * Ctrl-C (SIGINT) and SIGTERM during `meshspec run` on sim: the run stops and the cluster goes
 * away, wherever the signal lands (the sim is in-process, so its port closes with any exit: the
 * teardown line is what shows that the teardown ran).
 */
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
const configMap = `apiVersion: v1
kind: ConfigMap
metadata: { name: marker }
data: { a: b }
`;
const INTERRUPTED = 'interrupted: stopping tests and tearing down the sim cluster (Ctrl-C again to quit at once)';
const TORN_DOWN = 'interrupted: the sim teardown is done';

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

/** Starts `meshspec run` on the slow spec and sends `signal` as soon as `marker` is in its output. */
async function interruptAt(marker: string, signal: 'SIGINT' | 'SIGTERM', { group = false } = {}) {
  const { subprocess, dir } = startInlineCli({ 'specs/slow.spec.yaml': slow, 'marker.yaml': configMap }, ['run', '--reporter', 'verbose'], { detached: group });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    subprocess.all.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(marker)) resolve();
    });
    void subprocess.then(() => reject(new Error(`the run ended before "${marker}":\n${output}`)));
  });
  const runningServer = marker === FIRST_STEP_PASSED ? simServer(dir) : undefined;
  if (runningServer) expect(await connectionError(runningServer)).toBeUndefined();
  const signalled = Date.now();
  if (group) process.kill(-subprocess.pid!, signal);
  else subprocess.kill(signal);
  // A run that ignores the signal ends here (the spec sleeps 60 s), with its output in the failure.
  const hung = setTimeout(() => subprocess.kill('SIGKILL'), 40_000);
  const result = await subprocess;
  clearTimeout(hung);
  return { result, signalled, server: simServer(dir) };
}

const FIRST_STEP_PASSED = '> apply marker.yaml';

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
    const { result, signalled, server } = await interruptAt(FIRST_STEP_PASSED, signal, { group: to === 'its process group' });

    expect(result.exitCode, result.all).toBe(exitCode);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('interrupted:'))).toEqual([INTERRUPTED, TORN_DOWN]);
    expect(result.all).toContain('sleep 60s');
    expect(result.all).toContain('The test run was aborted by the user.');
    expect(result.all).not.toContain('Unhandled Error');
    expect(await connectionError(server)).toBe('ECONNREFUSED');
  });

  // Before the run has begun: while the sim starts, while Vitest starts (its own listeners would
  // exit at once), and between Vitest's start and its run (which would forget a cancel).
  it.for([
    { at: 'the provider banner', marker: 'meshspec: provider sim' },
    { at: 'the cluster is up', marker: '✓ start the embedded cluster' },
    { at: "Vitest's RUN line", marker: ' RUN ' },
  ])('on SIGINT right after $at runs no step, tears the sim down and exits 130', { timeout: 60_000 }, async ({ marker }) => {
    const { result, server } = await interruptAt(marker, 'SIGINT');

    expect(result.exitCode, result.all).toBe(130);
    expect(
      result.stderr.split('\n').filter((line) => line.startsWith('interrupted:')),
      result.all,
    ).toEqual([INTERRUPTED, TORN_DOWN]);
    expect(result.all).not.toMatch(/✓.*sleep 60s/);
    expect(result.all).not.toContain('Unhandled Error');
    expect(await connectionError(server)).toBe('ECONNREFUSED');
  });
});
