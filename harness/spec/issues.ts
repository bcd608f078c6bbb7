/**
 * Turns zod issues into SpecErrors that point at the offending key or value and say what is
 * allowed. Unions are resolved to the alternative the author most likely meant, because
 * zod on its own says only "Invalid input".
 */
import type { z } from 'zod';
import { didYouMean } from './closest.js';
import { SpecError } from './errors.js';
import { describeExpected, describeKeys, describeValue, objectKeys, schemaAt, unionOptions } from './expected.js';
import type { KeyPath, SpecPositions } from './positions.js';

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;

export interface IssueContext {
  file: string;
  positions: SpecPositions;
  /** The whole document as plain data, to describe what was found. */
  data: unknown;
}

export function issuesToErrors(issues: readonly Issue[], schema: Schema, basePath: KeyPath, context: IssueContext): SpecError[] {
  return issues.flatMap((issue) => issueToErrors(issue, schema, basePath, context));
}

function issueToErrors(issue: Issue, schema: Schema, basePath: KeyPath, context: IssueContext): SpecError[] {
  const relative = issue.path as (string | number)[];
  const path = [...basePath, ...relative];
  const here = schemaAt(schema, relative);
  const value = valueAt(context.data, path);
  const label = labelOf(path);
  const at = (position: { line: number; col: number }, message: string) => new SpecError(context.file, position.line, position.col, message);

  switch (issue.code) {
    case 'invalid_union':
      return unionToErrors(issue, here, path, context);
    case 'unrecognized_keys': {
      const allowed = here ? allowedKeys(here, value, issue.keys) : [];
      const parent = relative.length > 0 ? schemaAt(schema, relative.slice(0, -1)) : undefined;
      const parentKeys = (parent && objectKeys(parent)) ?? [];
      return issue.keys.map((key) =>
        at(
          context.positions.key([...path, key]),
          `unknown key "${key}"${label ? ` in ${label}` : ''}${didYouMean(key, allowed)}; allowed keys: ${allowed.join(', ')}` +
            // The usual slip: a step's own key (timeout, name) written inside its action.
            (parentKeys.includes(key) ? `. "${key}" belongs one level up, beside "${label}:"` : ''),
        ),
      );
    }
    case 'invalid_type':
      if (value === undefined) {
        const parent = path.slice(0, -1);
        const keys = schemaAt(schema, relative.slice(0, -1));
        const needs = keys && objectKeys(keys) ? ` (${labelOf(parent) || 'a spec'} has keys ${describeKeys(keys)})` : '';
        return [at(context.positions.key(parent), `missing required key "${String(path.at(-1))}"${needs}`)];
      }
      return [at(context.positions.value(path), `${label} must be ${here ? describeExpected(here) : issue.expected}, got ${describeValue(value)}`)];
    case 'invalid_value':
      return [at(context.positions.value(path), `${label} must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(value)}`)];
    case 'invalid_format':
      return [at(context.positions.value(path), `${label} ${JSON.stringify(value)} is not valid: expected ${issue.message}`)];
    case 'too_small':
      return [at(context.positions.value(path), `${label} ${tooSmall(issue)}, got ${describeValue(value)}`)];
    case 'too_big':
      return [at(context.positions.value(path), `${label} ${tooBig(issue)}, got ${describeValue(value)}`)];
    case 'custom':
      return [at(context.positions.value(path), issue.message)];
    default:
      return [at(context.positions.value(path), label ? `${label}: ${issue.message}` : issue.message)];
  }
}

/**
 * Picks the alternative whose errors do not reject the value's type outright; when several
 * remain and each finds unknown keys, the author's form matches none of them: list the forms.
 */
function unionToErrors(issue: Extract<Issue, { code: 'invalid_union' }>, union: Schema | undefined, path: KeyPath, context: IssueContext): SpecError[] {
  const options = union && unionOptions(union);
  const value = valueAt(context.data, path);
  const position = context.positions.value(path);
  const generic = () => [
    new SpecError(
      context.file,
      position.line,
      position.col,
      `${labelOf(path)} must be ${union ? describeExpected(union) : 'something else'}, got ${describeValue(value)}`,
    ),
  ];
  if (!options || options.length !== issue.errors.length) return generic();
  const candidates = issue.errors
    .map((errors, index) => ({ errors, schema: options[index] }))
    .filter(({ errors }) => !errors.some((e) => e.path.length === 0 && (e.code === 'invalid_type' || e.code === 'invalid_value')));
  if (candidates.length === 0) return generic();
  const rejectsKeys = (errors: readonly Issue[]) => errors.some((e) => e.path.length === 0 && e.code === 'unrecognized_keys');
  if (candidates.length > 1 && candidates.every(({ errors }) => rejectsKeys(errors))) return generic();
  const best = candidates.reduce((a, b) => (b.errors.length < a.errors.length ? b : a));
  return issuesToErrors(best.errors, best.schema, path, context);
}

function tooSmall(issue: Extract<Issue, { code: 'too_small' }>): string {
  const minimum = Number(issue.minimum);
  if (issue.origin === 'array') return `needs at least ${minimum} item${minimum === 1 ? '' : 's'}`;
  if (issue.origin === 'string') return minimum === 1 ? 'must not be empty' : `needs at least ${minimum} characters`;
  return `must be ${issue.inclusive ? 'at least' : 'more than'} ${minimum}`;
}

function tooBig(issue: Extract<Issue, { code: 'too_big' }>): string {
  const maximum = Number(issue.maximum);
  if (issue.origin === 'array') return `may have at most ${maximum} items`;
  if (issue.origin === 'string') return `may have at most ${maximum} characters`;
  return `must be ${issue.inclusive ? 'at most' : 'less than'} ${maximum}`;
}

/**
 * The keys an object schema takes; for a union of objects (a `wait` form), the keys of the forms
 * that take one of the keys the author did write, since those are the forms they meant.
 */
function allowedKeys(schema: Schema, value: unknown, unknownKeys: readonly string[]): string[] {
  const own = objectKeys(schema);
  if (own) return own;
  const forms = (unionOptions(schema) ?? []).map(objectKeys).filter((keys): keys is string[] => keys !== undefined);
  const written = value && typeof value === 'object' ? Object.keys(value).filter((key) => !unknownKeys.includes(key)) : [];
  const meant = forms.filter((keys) => written.some((key) => keys.includes(key)));
  return [...new Set((meant.length > 0 ? meant : forms).flat())];
}

/** `to`, `tags[2]`, `steps[3]`: the last key, with trailing list indexes. */
function labelOf(path: KeyPath): string {
  let label = '';
  for (const segment of path) label = typeof segment === 'number' ? `${label}[${segment}]` : segment;
  return label;
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
