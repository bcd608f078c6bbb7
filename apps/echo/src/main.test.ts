import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isListeningReport, type EchoResponse } from './protocol.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));

// Builds apps/echo with its own tsconfig, as the Dockerfile does, proving the app needs nothing outside it.
let buildDir: string;
beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'echo-build-'));
  await cp(join(appDir, 'package.json'), join(buildDir, 'package.json'));
  await promisify(execFile)(process.execPath, [tsc, '-p', join(appDir, 'tsconfig.json'), '--outDir', join(buildDir, 'dist')]);
}, 60_000);
afterAll(() => rm(buildDir, { recursive: true, force: true }));

function startEcho(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(buildDir, 'dist/main.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening on [\d.]+:(\d+)/.exec(chunk.toString());
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`echo exited with ${code}`)));
  });
}

describe('echo process', () => {
  it('starts from its own build, serves on MESHSPEC_LISTEN_PORT and exits 0 on SIGTERM', async () => {
    const { child, port } = await startEcho(['-version=v3', '--service', 'notes'], { MESHSPEC_LISTEN_PORT: '0', POD_NAME: 'notes-1', POD_NAMESPACE: 'ws' });
    try {
      expect((await fetch(`http://127.0.0.1:${port}/_echo/healthz`)).status).toBe(200);
      const body = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as EchoResponse;
      expect(body).toMatchObject({ version: 'v3', service: 'notes', pod: 'notes-1', namespace: 'ws' });
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('reports the ports it chose to a parent with an IPC channel, and exits when that channel closes', async () => {
    const child = spawn(process.execPath, [join(buildDir, 'dist/main.js')], {
      env: { ...process.env, MESHSPEC_LISTEN_PORT: '0' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const report = await new Promise<unknown>((resolve) => child.once('message', resolve));
    if (!isListeningReport(report)) throw new Error(`the first message is not a listening report: ${JSON.stringify(report)}`);
    const { port, controlPort } = report.listening;
    expect((await fetch(`http://127.0.0.1:${port}/_echo/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${controlPort}/_echo/requests`)).status).toBe(200);
    // What the channel does when the parent dies, even by SIGKILL.
    child.disconnect();
    expect(await exited).toBe(0);
  });

  it('exits 2 with a message naming the bad flag', async () => {
    const child = spawn(process.execPath, [join(buildDir, 'dist/main.js'), '--fail-percent', 'lots'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--fail-percent must be an integer from 0 to 100 \(got "lots"\)/);
  });
});
