/**
 * The plugin inside a real Vitest run: a temporary project whose config uses `meshspec()`
 * with a stand-in runtime (__tests__/runtime-double.ts), run in a child process.
 */
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Plugin, ViteUserConfig } from 'vitest/config';
import { beforeAll, describe, expect, it } from 'vitest';
import { meshspec, SCENARIO_WORKERS } from './index.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const vitestBin = path.join(repo, 'node_modules/vitest/vitest.mjs');

/** A temporary project; `inlineProject` puts the plugin in `test.projects` instead of the root config. */
function project(files: Record<string, string>, inlineProject = false): string {
  const root = mkdtempSync(path.join(tmpdir(), 'meshspec-plugin-'));
  symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
  const plugin = `meshspec({ runtimeModule: ${JSON.stringify(path.join(repo, 'harness/plugin/__tests__/runtime-double.ts'))} })`;
  const config = `import { meshspec } from ${JSON.stringify(path.join(repo, 'harness/plugin/index.js'))};
export default ${inlineProject ? `{ test: { projects: [{ plugins: [${plugin}], test: { name: 'specs' } }] } }` : `{ plugins: [${plugin}] }`};
`;
  for (const [name, text] of Object.entries({ 'package.json': '{"type":"module"}', 'vitest.config.ts': config, ...files })) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

function vitest(root: string, args: string[], env: Record<string, string> = {}) {
  return execa('node', [vitestBin, ...args], { cwd: root, reject: false, all: true, env: { NO_COLOR: '1', ...env } });
}

const passing = `name: alpha
title: Alpha
source: Test / One
tags: [traffic, canary]
steps:
  - sleep: 1ms
  - name: route
    sleep: 1ms
`;
const failing = `name: beta
title: Beta
source: Test / Two
steps:
  - sleep: 1ms
  - name: fail here
    sleep: 1ms
  - sleep: 2ms
`;

describe('meshspec() in a Vitest run', () => {
  let root: string;
  beforeAll(() => {
    root = project({ 'specs/alpha.spec.yaml': passing, 'specs/beta.spec.yaml': failing });
  });

  it('runs one test per step, reports a failure at its YAML line and skips the rest with the reason', async () => {
    const result = await vitest(root, ['run', '--reporter', 'verbose'], { MESHSPEC_NO_CLUSTER: '1' });
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('✓ specs/alpha.spec.yaml:7:5 > alpha: Alpha > route');
    expect(result.all).toContain('FAIL  specs/beta.spec.yaml:6:5 > beta: Beta > fail here');
    expect(result.all).toContain('Error: step failed on purpose: fail here');
    expect(result.all).toMatch(/❯ specs\/beta\.spec\.yaml:6:5/);
    expect(result.all).toMatch(/↓ specs\/beta\.spec\.yaml:8:5 > beta: Beta > sleep 2ms .*\[an earlier step failed: fail here\]/);
    expect(result.all).toMatch(/Tests {2}1 failed \| 3 passed \| 1 skipped \(5\)/);
  });

  it('declares the tags the specs use, so --tagsFilter selects by them', async () => {
    const result = await vitest(root, ['run', '--tagsFilter', 'canary'], { MESHSPEC_NO_CLUSTER: '1' });
    expect(result.exitCode).toBe(0);
    expect(result.all).toMatch(/Tests {2}2 passed/);
  });

  it('declares the tags in an inline project too', async () => {
    const inline = project({ 'specs/alpha.spec.yaml': passing, 'specs/beta.spec.yaml': failing }, true);
    const result = await vitest(inline, ['list', '--project', 'specs', '--tagsFilter', 'canary']);
    expect(result.exitCode).toBe(0);
    expect(result.all).toContain('[specs] specs/alpha.spec.yaml > alpha: Alpha > route');
    expect(result.all).not.toContain('beta');
  });

  it('shows schema errors with positions and a code frame', async () => {
    const broken = project({ 'specs/broken.spec.yaml': 'name: broken\ntitle: B\nsource: S\nsteps:\n  - slep: 1ms\n  - sleep: 1 ms\n' });
    const result = await vitest(broken, ['run'], { MESHSPEC_NO_CLUSTER: '1' });
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('specs/broken.spec.yaml:5:5: unknown step kind "slep" (did you mean "sleep"?)');
    expect(result.all).toContain('specs/broken.spec.yaml:6:12: sleep "1 ms" is not valid');
    expect(result.all).toMatch(/5 +\| +- slep: 1ms\n +\| +\^/);
  });

  it('lists tests without creating a cluster', async () => {
    const result = await vitest(root, ['list']);
    expect(result.exitCode).toBe(0);
    expect(result.all).toContain('specs/alpha.spec.yaml > alpha: Alpha > route');
    expect(result.all).not.toContain('meshspec: provider');
  });
});

describe('the workers meshspec() asks for', () => {
  const testConfig = (config: ViteUserConfig) => {
    const [transform] = meshspec({ rootDir: mkdtempSync(path.join(tmpdir(), 'meshspec-plugin-')) });
    return (transform as Plugin & { config(config: ViteUserConfig): ViteUserConfig }).config(config).test;
  };

  it('runs several spec files at once, each worker importing the runtime once', () => {
    expect(testConfig({})).toMatchObject({ maxWorkers: SCENARIO_WORKERS, isolate: false });
  });

  it("keeps the project's own choice", () => {
    expect(testConfig({ test: { maxWorkers: 2, isolate: true } })).toMatchObject({ maxWorkers: 2, isolate: true });
  });
});

describe('meshspec() given the loaded specs', () => {
  it('declares their tags without reading the root', () => {
    const specs = [{ scenario: { tags: ['canary'], istio: {} } }] as unknown as NonNullable<Parameters<typeof meshspec>[0]>['specs'];
    const [transform] = meshspec({ rootDir: path.join(tmpdir(), 'meshspec-no-such-root'), specs });
    const test = (transform as Plugin & { config(config: ViteUserConfig): ViteUserConfig }).config({}).test;
    expect(test?.tags).toEqual([{ name: 'canary' }]);
  });
});
