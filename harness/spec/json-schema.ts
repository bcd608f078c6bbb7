/** The editor-facing JSON Schema of `*.spec.yaml`, derived from the zod schema. */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Scenario } from './schema.js';

/** Where the committed schema lives, relative to the repository root. */
export const JSON_SCHEMA_PATH = 'schema/spec.schema.json';

export function specJsonSchema(): string {
  // `input`: defaults make keys optional for the author, as the loader treats them.
  const schema = z.toJSONSchema(Scenario, { io: 'input' });
  const document = { ...schema, title: 'meshspec scenario (*.spec.yaml)' };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The repository root this module belongs to (source or built). */
export function packageRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.replace(/[/\\](dist[/\\])?harness[/\\]spec[/\\]?$/, '');
}
