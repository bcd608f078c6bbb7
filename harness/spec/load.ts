/** Finds spec files and loads them, collecting the errors of all files (not only the first). */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SpecError, displayPath, sortErrors, type Position } from './errors.js';
import { parseSpec, type LoadedSpec, type ParseResult } from './parse.js';

export const SPEC_SUFFIX = '.spec.yaml';
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);

export function loadSpecFile(file: string, rootDir: string): ParseResult {
  const absolute = path.resolve(rootDir, file);
  return parseSpec(readFileSync(absolute, 'utf8'), absolute, rootDir);
}

export interface LoadResult {
  specs: LoadedSpec[];
  errors: SpecError[];
}

/**
 * Loads the specs at `paths` (files or directories searched recursively for `*.spec.yaml`),
 * relative to `rootDir`. Errors of every file are collected, plus duplicate scenario names.
 */
export function loadSpecs(paths: readonly string[], rootDir: string): LoadResult {
  const specs: LoadedSpec[] = [];
  const errors: SpecError[] = [];
  const names: NamedFile[] = [];
  for (const file of findSpecFiles(paths, rootDir)) {
    const result = loadSpecFile(file, rootDir);
    errors.push(...result.errors);
    if (result.spec) specs.push(result.spec);
    if (result.name) names.push({ file, ...result.name });
  }
  errors.push(...duplicateNames(names));
  return { specs, errors: sortErrors(errors) };
}

/** `*.spec.yaml` files at or under `paths`, absolute and sorted; a path that does not exist throws. */
export function findSpecFiles(paths: readonly string[], rootDir: string): string[] {
  const found = new Set<string>();
  for (const given of paths) {
    const absolute = path.resolve(rootDir, given);
    if (!existsSync(absolute)) throw new SpecPathError(given);
    if (statSync(absolute).isDirectory()) walk(absolute, found);
    else found.add(absolute);
  }
  return [...found].sort();
}

/** A path given on the command line that does not exist. */
export class SpecPathError extends Error {
  override name = 'SpecPathError';
  readonly code = 'MESHSPEC_SPEC_PATH';
  constructor(readonly given: string) {
    super(`no such file or directory: ${given}`);
  }
}

function walk(dir: string, found: Set<string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walk(path.join(dir, entry.name), found);
    } else if (entry.name.endsWith(SPEC_SUFFIX)) {
      found.add(path.join(dir, entry.name));
    }
  }
}

interface NamedFile extends Position {
  file: string;
  value: string;
}

/** Scenario names are namespaces and filter targets: each must be unique; point at both places. */
function duplicateNames(names: readonly NamedFile[]): SpecError[] {
  const first = new Map<string, NamedFile>();
  const errors: SpecError[] = [];
  const where = (named: NamedFile) => `${displayPath(named.file)}:${named.line}:${named.col}`;
  for (const named of names) {
    const earlier = first.get(named.value);
    if (!earlier) {
      first.set(named.value, named);
      continue;
    }
    const message = (other: NamedFile) => `duplicate scenario name "${named.value}": also at ${where(other)}; names must be unique`;
    errors.push(new SpecError(named.file, named.line, named.col, message(earlier)), new SpecError(earlier.file, earlier.line, earlier.col, message(named)));
  }
  return errors;
}
