/** The layer check (scripts/check-layers.mjs) against the real tree and against deliberate breaks of it. */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { checkLayers, checkTable, importsOf, readLayerTable } from '../scripts/check-layers.mjs';

const root = path.resolve(import.meta.dirname, '..');
const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of DESIGN.md and harness/ to break on purpose. */
function copyOfTree(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshspec-layers-'));
  copies.push(dir);
  cpSync(path.join(root, 'harness'), path.join(dir, 'harness'), { recursive: true });
  cpSync(path.join(root, 'DESIGN.md'), path.join(dir, 'DESIGN.md'));
  return dir;
}

describe('layer check', () => {
  it('passes on the tree as it is', () => {
    expect(checkLayers(root)).toEqual([]);
  });

  it('fails on an upward import, naming the file, the line and the table row', () => {
    const dir = copyOfTree();
    const file = path.join(dir, 'harness/kube/poll.ts');
    const lines = readFileSync(file, 'utf8').split('\n').length;
    appendFileSync(file, "import { scenarioRun } from '../runner/runtime.js';\nvoid scenarioRun;\n");
    const problems = checkLayers(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(
        `^harness/kube/poll\\.ts:${lines}: harness/kube may not import harness/runner \\(\\.\\./runner/runtime\\.js\\); DESIGN\\.md:\\d+ lists what it may import$`,
      ),
    );
  });

  it('counts type-only imports and re-exports, and refuses computed dynamic imports', () => {
    const dir = copyOfTree();
    writeFileSync(
      path.join(dir, 'harness/contract/extra.ts'),
      [
        "import type { KubeClients } from '../kube/types.js';",
        "export type { StepContext } from '../runner/types.js';",
        "export type Later = import('../sim/index.js').SimCluster;",
        "const where = '../sim/index.js';",
        'export const load = () => import(where);',
        'export type Unused = KubeClients;',
      ].join('\n'),
    );
    expect(checkLayers(dir)).toEqual([
      expect.stringMatching(/^harness\/contract\/extra\.ts:1: harness\/contract may not import harness\/kube /),
      expect.stringMatching(/^harness\/contract\/extra\.ts:2: harness\/contract may not import harness\/runner /),
      expect.stringMatching(/^harness\/contract\/extra\.ts:3: harness\/contract may not import harness\/sim /),
      'harness/contract/extra.ts:5: import(where) is computed, which hides the edge from the compiler and this check; import a literal path',
    ]);
  });

  it('names a folder that has no row in the table', () => {
    const dir = copyOfTree();
    writeFileSync(path.join(dir, 'harness/newfolder.ts'), 'export const x = 1;\n');
    expect(checkLayers(dir)).toEqual(["harness/newfolder.ts: its folder is not in DESIGN.md's layer table; add a row for it"]);
  });

  it('refuses a table whose layers form a cycle or mix main-process and worker code', () => {
    const table = readLayerTable(
      [
        '| folder | responsibility | runs in | may import |',
        '|---|---|---|---|',
        '| `a/` | one | both | `b/` |',
        '| `b/` | two | both | `a/` |',
        '| `w/` | worker | worker | `m/` |',
        '| `m/` | main | main | — |',
      ].join('\n'),
    );
    expect(checkTable(table)).toEqual([
      'DESIGN.md:5: w (worker) may not import m (main): main-process and worker code stay apart',
      'DESIGN.md: the layers form a cycle: a -> b -> a',
    ]);
  });

  it('reads literal dynamic imports as edges, and leaves tests free to set up from any layer', () => {
    expect(importsOf('x.ts', "const m = await import('../sim/index.js');")).toEqual([{ specifier: '../sim/index.js', line: 1 }]);
    const dir = copyOfTree();
    writeFileSync(path.join(dir, 'harness/kube/setup.test.ts'), "import { startSim } from '../sim/index.js';\nvoid startSim;\n");
    expect(checkLayers(dir)).toEqual([]);
  });
});
