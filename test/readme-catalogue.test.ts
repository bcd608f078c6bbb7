import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpecs } from '../harness/spec/index.js';

const rootDir = fileURLToPath(new URL('..', import.meta.url));

/** Scenario names in the first column of README's catalogue table. */
function catalogueNames(readme: string): string[] {
  const section = readme.split('## Scenario catalogue')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
}

describe('README scenario catalogue', () => {
  it('lists exactly the scenarios under specs/', () => {
    const { specs, errors } = loadSpecs(['specs'], rootDir);
    expect(errors).toEqual([]);
    const names = specs.map((s) => s.scenario.name).sort();
    expect(catalogueNames(readFileSync(`${rootDir}/README.md`, 'utf8')).sort()).toEqual(names);
  });
});
