import { homedir } from 'node:os';
import { join } from 'node:path';

/** Root of meshspec's download cache: $MESHSPEC_CACHE, else $XDG_CACHE_HOME/meshspec, else ~/.cache/meshspec. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESHSPEC_CACHE) return env.MESHSPEC_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'meshspec');
}
