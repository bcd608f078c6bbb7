/** Dispatches a command line; known failures become a banner and an exit code, never a stack. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SettingsError } from '../plugin/options.js';
import { ProviderError } from '../contract/cluster.js';
import { packageRoot } from '../spec/index.js';
import { listCommand } from './commands/list.js';
import { validateCommand } from './commands/validate.js';
import { CliError, formatBanner } from './errors.js';
import { helpText, parseCli } from './options.js';

export async function main(argv: readonly string[], rootDir = process.cwd()): Promise<number> {
  try {
    const parsed = parseCli(argv);
    switch (parsed.command) {
      case 'help':
        console.log(helpText());
        return 0;
      case 'version':
        console.log(packageVersion());
        return 0;
      case 'sim': {
        // Loaded on demand, as `run` is: the embedded cluster is most of the build.
        const { runSimCommand } = await import('./commands/sim.js');
        return await runSimCommand([...parsed.argv]);
      }
      case 'validate':
        return validateCommand(parsed.paths, rootDir);
      case 'list':
        return listCommand(parsed.paths, parsed.options, rootDir);
      case 'run': {
        // Loaded on demand: Vitest, the plugin and the providers take over a second to import,
        // which help, validate and list would otherwise pay too.
        const { runCommand } = await import('./commands/run.js');
        return await runCommand(parsed.paths, parsed.options, rootDir);
      }
    }
  } catch (error) {
    if (error instanceof CliError || error instanceof ProviderError || error instanceof SettingsError) {
      console.error(formatBanner(error as Error & { hint?: string }));
      return error instanceof CliError ? error.exitCode : 1;
    }
    throw error;
  }
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
