import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Subject } from '../harness/matchers/definition.js';
import { matcherTable } from '../harness/matchers/registry.js';
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

describe('README matcher tables', () => {
  it.each<Subject>(['traffic', 'pods', 'services', 'metrics'])(
    'shows the %s matchers as the registry defines them (rewrite with `pnpm build && node scripts/readme-matchers.mjs`)',
    (subject) => {
      const readme = readFileSync(`${rootDir}/README.md`, 'utf8');
      expect(readme).toContain(`<!-- matchers:${subject} -->\n${matcherTable(subject)}\n<!-- /matchers -->`);
    },
  );
});
