/**
 * The package as a user installs it: `pnpm pack` makes the tarball from dist/ (built by `pnpm
 * test` first; alone, run `pnpm build`), which is unpacked into a temporary node_modules and
 * imported by Node's own resolver through package.json `exports`, entry by entry, offline: the
 * dependencies are the repository's node_modules, linked in.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The import paths README's "Package entries" table documents. */
function documentedEntries(readme: string): string[] {
  const section = readme.split('### Package entries')[1]?.split('\n#')[0] ?? '';
  return [...section.matchAll(/^\| `(meshspec[a-z/]*)` \|/gm)].map((m) => m[1]);
}

/** What each entry must export: a name a user of it calls. `register` only registers. */
const EXPECTED_EXPORTS: Record<string, string[]> = {
  meshspec: ['meshspec', 'loadSpecs', 'createProvider', 'ProviderError'],
  'meshspec/plugin': ['meshspec'],
  'meshspec/runtime': ['scenarioRun'],
  'meshspec/matchers': ['installMatchers'],
  'meshspec/matchers/register': [],
};

interface PackageJson {
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string }>;
}

let dir: string;
let installed: string;
let manifest: PackageJson;

beforeAll(async () => {
  if (!existsSync(path.join(repoRoot, 'dist/harness/index.js'))) throw new Error('dist/ is missing: run `pnpm build` first');
  dir = mkdtempSync(path.join(tmpdir(), 'meshspec-package-'));
  // `prepare` would build again; dist/ is already built.
  const { stdout } = await execa('pnpm', ['--config.ignore-scripts=true', 'pack', '--json', '--pack-destination', dir], { cwd: repoRoot });
  const tarball = (JSON.parse(stdout) as { filename: string }).filename;
  installed = path.join(dir, 'node_modules/meshspec');
  mkdirSync(installed, { recursive: true });
  await execa('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  // The package's dependencies, and the consumer's own vitest (a peer in practice), from the repository.
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(installed, 'node_modules'), 'dir');
  symlinkSync(path.join(repoRoot, 'node_modules/vitest'), path.join(dir, 'node_modules/vitest'), 'dir');
  manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as PackageJson;
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('exports exactly the entries README documents, each with its JavaScript and types in the tarball', () => {
    const documented = documentedEntries(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
    expect(documented.sort()).toEqual(Object.keys(EXPECTED_EXPORTS).sort());
    const exported = Object.keys(manifest.exports).map((key) => (key === '.' ? 'meshspec' : `meshspec/${key.slice(2)}`));
    expect(exported.sort()).toEqual(documented);
    const missing = Object.values(manifest.exports)
      .flatMap((entry) => [entry.default, entry.types])
      .filter((file) => !existsSync(path.join(installed, file)));
    expect(missing).toEqual([]);
  });

  it('imports every entry by its package name, as Node resolves it for a user', async () => {
    // A consumer module beside node_modules/, run by plain Node: no Vitest transform, no tsconfig paths.
    const consumer = path.join(dir, 'consumer.mjs');
    writeFileSync(
      consumer,
      [
        `const entries = ${JSON.stringify(Object.keys(EXPECTED_EXPORTS))};`,
        "const { expect } = await import('vitest');",
        'const exports = {};',
        'let registeredBy = null;',
        'for (const entry of entries) {',
        '  exports[entry] = Object.keys(await import(entry));',
        "  registeredBy ??= Reflect.has(expect(0), 'toSplitTraffic') ? entry : null;",
        '}',
        'console.log(JSON.stringify({ exports, registeredBy }));',
      ].join('\n'),
    );
    const { stdout } = await execa('node', [consumer], { cwd: dir });
    const { exports, registeredBy } = JSON.parse(stdout) as { exports: Record<string, string[]>; registeredBy: string | null };
    for (const [entry, names] of Object.entries(EXPECTED_EXPORTS)) expect(exports[entry], entry).toEqual(expect.arrayContaining(names));
    // Entries are imported in order, so only the side-effect entry may register the matchers.
    expect(registeredBy).toBe('meshspec/matchers/register');
  });

  it('runs the meshspec bin', async () => {
    const { stdout, exitCode } = await execa('node', [path.join(installed, manifest.bin.meshspec), 'help'], { cwd: dir });
    expect(exitCode).toBe(0);
    expect(stdout).toContain('meshspec run');
  });
});
