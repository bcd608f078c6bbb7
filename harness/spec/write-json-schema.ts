/** `pnpm schema`: regenerates schema/spec.schema.json from the zod schema. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { JSON_SCHEMA_PATH, packageRoot, specJsonSchema } from './json-schema.js';

const target = path.join(packageRoot(), JSON_SCHEMA_PATH);
writeFileSync(target, specJsonSchema());
console.log(`wrote ${target}`);
