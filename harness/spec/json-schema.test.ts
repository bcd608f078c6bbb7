import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { JSON_SCHEMA_PATH, packageRoot, specJsonSchema } from './json-schema.js';

it('the committed JSON Schema is up to date with the zod schema (regenerate with `pnpm schema`)', () => {
  const committed = readFileSync(path.join(packageRoot(), JSON_SCHEMA_PATH), 'utf8');
  expect(committed).toBe(specJsonSchema());
});

it('describes steps with their allowed keys, for editors', () => {
  const schema = JSON.parse(specJsonSchema()) as { properties: { steps: { items: { anyOf: { properties: Record<string, unknown> }[] } } } };
  const stepKeys = schema.properties.steps.items.anyOf.map((step) =>
    Object.keys(step.properties).filter((key) => !['name', 'timeout', 'providers', 'expect'].includes(key)),
  );
  expect(stepKeys.flat()).toEqual([
    'apply',
    'delete',
    'label',
    'annotate',
    'patch',
    'wait',
    'exec',
    'sleep',
    'inject',
    'traffic',
    'pods',
    'services',
    'metrics',
  ]);
});
