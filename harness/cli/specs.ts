/** Loading the specs a command names, printing every error when any is invalid. */
import { loadSpecs, SpecPathError, type LoadedSpec } from '../spec/index.js';
import { CliError } from './errors.js';

const DEFAULT_SPEC_DIR = 'specs';

/** All specs under `paths` (default `specs/`), or a CliError listing every spec error. */
export function loadValidSpecs(paths: readonly string[], rootDir: string): LoadedSpec[] {
  const given = paths.length > 0 ? paths : [DEFAULT_SPEC_DIR];
  let result: ReturnType<typeof loadSpecs>;
  try {
    result = loadSpecs(given, rootDir);
  } catch (error) {
    if (error instanceof SpecPathError) throw new CliError(error.message, error.code, 'paths are relative to the current directory');
    throw error;
  }
  if (result.errors.length > 0) {
    const files = new Set(result.errors.map((error) => error.file)).size;
    throw new CliError(
      `${result.errors.length} error${result.errors.length === 1 ? '' : 's'} in ${files} spec file${files === 1 ? '' : 's'}:\n${result.errors.map((error) => error.format()).join('\n')}`,
      'MESHSPEC_SPEC_INVALID',
      'the schema is in schema/spec.schema.json; see "Spec reference" in README.md',
    );
  }
  if (result.specs.length === 0) {
    throw new CliError(`no *.spec.yaml files under ${given.join(', ')}`, 'MESHSPEC_NO_SPECS', 'give spec files or directories as arguments');
  }
  return result.specs;
}
