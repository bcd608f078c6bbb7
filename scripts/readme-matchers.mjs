#!/usr/bin/env node
/**
 * Writes README.md's matcher tables from the matcher registry (built into dist/ by `pnpm build`):
 * each `<!-- matchers:SUBJECT -->` ... `<!-- /matchers -->` block gets that subject's table.
 * test/readme-catalogue.test.ts fails when a table is out of date and names this script.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { matcherTable } = await import(`${root}dist/harness/matchers/registry.js`);

const file = `${root}README.md`;
const readme = readFileSync(file, 'utf8');
writeFileSync(
  file,
  readme.replace(
    /<!-- matchers:(\w+) -->\n[\s\S]*?<!-- \/matchers -->/g,
    (_, subject) => `<!-- matchers:${subject} -->\n${matcherTable(subject)}\n<!-- /matchers -->`,
  ),
);
