/** The `meshspec` command line (the executable is bin.ts). */
export { main } from './main.js';
export { parseCli, helpText, COMMANDS, OPTIONS, type CliOptions, type ParsedCli, type CommandName } from './options.js';
export { CliError, UsageError, formatBanner } from './errors.js';
export { matchesFilter, selectSpecs, scenarioTable } from './select.js';
