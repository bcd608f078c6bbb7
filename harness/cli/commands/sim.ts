import { CliError } from '../errors.js';

/** `meshspec sim ...`: the embedded cluster's own command, loaded only when asked for. */
export async function simCommand(argv: readonly string[]): Promise<number> {
  // A computed specifier: the embedded cluster is another part of the build, loaded on demand.
  const module = '../../sim/command.js';
  let loaded: { runSimCommand?: (argv: string[]) => Promise<number> };
  try {
    loaded = (await import(module)) as typeof loaded;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !String(error).includes('sim/command')) throw error;
    throw new CliError('`meshspec sim` is not part of this build (harness/sim/command.ts is missing)', 'MESHSPEC_NO_SIM', 'run `pnpm build`');
  }
  if (typeof loaded.runSimCommand !== 'function') throw new CliError('harness/sim/command.js does not export runSimCommand()', 'MESHSPEC_NO_SIM');
  return loaded.runSimCommand([...argv]);
}
