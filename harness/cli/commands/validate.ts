import { loadValidSpecs } from '../specs.js';

/** `meshspec validate [paths...]`: every error of every file, or a one-line confirmation. */
export function validateCommand(paths: readonly string[], rootDir: string): number {
  const specs = loadValidSpecs(paths, rootDir);
  console.log(`${specs.length} spec${specs.length === 1 ? '' : 's'} valid`);
  return 0;
}
