import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSpecFiles, loadSpecs, SpecPathError } from './load.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'meshspec-load-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

const spec = (name: string) => `name: ${name}\ntitle: T\nsource: S\nsteps:\n  - sleep: 1s\n`;

describe('loadSpecs', () => {
  it('finds *.spec.yaml files recursively, skipping node_modules', () => {
    const root = tree({
      'specs/a.spec.yaml': spec('a'),
      'specs/deep/b.spec.yaml': spec('b'),
      'specs/notes.yaml': 'x: 1',
      'specs/node_modules/c.spec.yaml': spec('c'),
    });
    expect(findSpecFiles(['specs'], root).map((file) => path.relative(root, file))).toEqual(['specs/a.spec.yaml', 'specs/deep/b.spec.yaml']);
    expect(loadSpecs(['specs'], root).specs.map((s) => s.scenario.name)).toEqual(['a', 'b']);
  });

  it('throws for a path that does not exist', () => {
    expect(() => findSpecFiles(['nope'], tree({}))).toThrow(SpecPathError);
  });

  it('collects the errors of every file and points at both copies of a duplicate name', () => {
    const root = tree({
      'specs/a.spec.yaml': spec('same'),
      'specs/b.spec.yaml': spec('same'),
      'specs/c.spec.yaml': 'name: c\nsteps: []\n',
    });
    const messages = loadSpecs(['specs'], root).errors.map((e) => `${path.relative(root, e.file)}:${e.line}:${e.col}: ${e.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^specs\/a\.spec\.yaml:1:7: duplicate scenario name "same": also at .*specs\/b\.spec\.yaml:1:7; names must be unique$/),
      expect.stringMatching(/^specs\/b\.spec\.yaml:1:7: duplicate scenario name "same": also at .*specs\/a\.spec\.yaml:1:7; names must be unique$/),
      expect.stringMatching(/^specs\/c\.spec\.yaml:1:1: missing required key "title"/),
      expect.stringMatching(/^specs\/c\.spec\.yaml:1:1: missing required key "source"/),
      'specs/c.spec.yaml:2:8: steps needs at least 1 item, got a list',
    ]);
  });
});
