/**
 * Plain-words descriptions of what a zod schema accepts, for error messages
 * ("expected a duration such as "3s"", "allowed keys: from, to, method").
 */
import type { z } from 'zod';

type Schema = z.core.$ZodType;
// zod 4 exposes a schema's definition as `_zod.def`; its shape depends on `def.type`.
type Def = { type: string; [key: string]: any };

function def(schema: Schema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema under optional/default/nullable wrappers. */
function unwrap(schema: Schema): Schema {
  let current = schema;
  while (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch'].includes(def(current).type)) {
    current = def(current).innerType;
  }
  return current;
}

/** Keys of an object schema in the order it declares them, or undefined when it is not one. */
export function objectKeys(schema: Schema): string[] | undefined {
  const inner = unwrap(schema);
  if (def(inner).type !== 'object') return undefined;
  return Object.keys(def(inner).shape as Record<string, Schema>);
}

/** The schema of a child: an object's key, an array's element, a record's value. */
function childSchema(schema: Schema, segment: string | number): Schema | undefined {
  const d = def(unwrap(schema));
  if (d.type === 'object') return (d.shape as Record<string, Schema>)[segment];
  if (d.type === 'array') return d.element;
  if (d.type === 'record') return d.valueType;
  return undefined;
}

export function schemaAt(schema: Schema, path: readonly (string | number)[]): Schema | undefined {
  let current: Schema | undefined = schema;
  for (const segment of path) current = current && childSchema(current, segment);
  return current;
}

/** The alternatives of a union schema, or undefined when it is not one. */
export function unionOptions(schema: Schema): Schema[] | undefined {
  const d = def(unwrap(schema));
  return d.type === 'union' ? d.options : undefined;
}

/** What a schema accepts, in words: `a string`, `true or false`, `a mapping with keys a, b?`. */
export function describeExpected(schema: Schema): string {
  const description = (schema as { description?: string }).description;
  const inner = unwrap(schema);
  const d = def(inner);
  switch (d.type) {
    case 'string':
      // A format's description says what it accepts; other descriptions say what a key is for.
      return description && hasFormat(d) ? lowerFirst(description.replace(/\.$/, '')) : 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'literal':
      return (d.values as unknown[]).map((value) => JSON.stringify(value)).join(' or ');
    case 'enum':
      return `one of ${Object.values(d.entries as Record<string, string>).join(', ')}`;
    case 'array':
      return ['unknown', 'any'].includes(def(d.element).type) ? 'a list' : `a list of ${plural(describeExpected(d.element))}`;
    case 'record':
      return 'a mapping';
    case 'object':
      return `a mapping {${describeKeys(inner)}}`;
    case 'union':
      return `one of: ${(d.options as Schema[]).map(describeExpected).join('; ')}`;
    default:
      return d.type;
  }
}

/** `from, to, method?`: optional keys carry a `?`. */
export function describeKeys(schema: Schema): string {
  const shape = def(unwrap(schema)).shape as Record<string, Schema>;
  return Object.entries(shape)
    .map(([key, value]) => (isOptional(value) ? `${key}?` : key))
    .join(', ');
}

function isOptional(schema: Schema): boolean {
  // `optin` is set for optional keys and for keys with a default ("defaulted").
  return (schema as unknown as { _zod: { optin?: string } })._zod.optin !== undefined;
}

/** What a YAML value is, in words: `a number (5)`, `a list`, `a mapping`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return `a mapping with keys ${Object.keys(value).join(', ') || '(none)'}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  return typeof value;
}

function hasFormat(stringDef: Def): boolean {
  return ((stringDef.checks ?? []) as { _zod: { def: { check: string } } }[]).some((check) => check._zod.def.check === 'string_format');
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function plural(text: string): string {
  return text.replace(/^an? /, '').replace(/^(\w+)/, '$1s');
}
