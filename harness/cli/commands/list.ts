import type { CliOptions } from '../options.js';
import { scenarioSummary, scenarioTable, selectSpecs } from '../select.js';
import { loadValidSpecs } from '../specs.js';

/** `meshspec list [paths...] [--filter X]... [--json]` */
export function listCommand(paths: readonly string[], options: CliOptions, rootDir: string): number {
  const specs = selectSpecs(loadValidSpecs(paths, rootDir), options.filter);
  console.log(options.json ? JSON.stringify(specs.map(scenarioSummary), null, 2) : scenarioTable(specs));
  return 0;
}
