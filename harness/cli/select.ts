/** Scenario selection by --filter, and the table of scenarios shown by `list` and on a miss. */
import { displayPath, type LoadedSpec } from '../spec/index.js';
import { CliError } from './errors.js';

/** A filter matches a scenario's exact name, one of its tags, or a prefix of its name. */
function matchesFilter(spec: LoadedSpec, filter: string): boolean {
  const { name, tags } = spec.scenario;
  return name === filter || tags.includes(filter) || name.startsWith(filter);
}

/** The specs any filter selects (all when there is none); a filter set that selects nothing throws. */
export function selectSpecs(specs: readonly LoadedSpec[], filters: readonly string[]): LoadedSpec[] {
  if (filters.length === 0) return [...specs];
  const selected = specs.filter((spec) => filters.some((filter) => matchesFilter(spec, filter)));
  if (selected.length === 0) {
    const available = specs.length > 0 ? `available scenarios:\n${scenarioTable(specs)}` : 'there are no scenarios';
    throw new CliError(
      `no scenario matches ${filters.map((filter) => `--filter ${filter}`).join(', ')}; ${available}`,
      'MESHSPEC_NO_MATCH',
      'a filter matches a scenario name exactly, a tag, or the start of a name',
      2,
    );
  }
  return selected;
}

/** NAME, TITLE, TAGS, SOURCE as aligned columns. */
export function scenarioTable(specs: readonly LoadedSpec[]): string {
  const rows = [
    ['NAME', 'TITLE', 'TAGS', 'SOURCE', 'FILE'],
    ...specs.map(({ scenario, file }) => [scenario.name, scenario.title, scenario.tags.join(','), scenario.source, displayPath(file)]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')).join('\n');
}

/** What `list --json` prints for each scenario. */
export function scenarioSummary({ scenario, file }: LoadedSpec) {
  return { name: scenario.name, title: scenario.title, tags: scenario.tags, source: scenario.source, file: displayPath(file) };
}
