/**
 * The istioctl a user names with --istioctl (MESHSPEC_ISTIOCTL, the plugin's `settings.istioctl`),
 * used instead of one meshspec finds or downloads: behind a proxy, in air-gapped CI, or a patched
 * build. It is checked and its version read before a provider creates anything, so that a wrong
 * path ends the run at once rather than after a cluster came up.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ProviderError } from '../../contract/cluster.js';
import { QUICK_TIMEOUT_MS, tryTool } from '../host/tools.js';

export interface GivenIstioctl {
  /** Absolute path. */
  path: string;
  /** What the binary says it is ("1.30.5"), or null when it printed no version. */
  version: string | null;
}

const LEAVE_OUT = 'or leave --istioctl out to let meshspec find or download istioctl';

/** The `istioctl` setting as a usable binary: it exists, is a file and is executable; throws a ProviderError naming the fix otherwise. */
export async function readGivenIstioctl(setting: string): Promise<GivenIstioctl> {
  const path = resolve(setting);
  const named = path === setting ? path : `${setting} (${path})`;
  const stats = await stat(path).catch(() => null);
  if (!stats)
    throw new ProviderError(`--istioctl ${named}: no such file.`, `Give the path of an istioctl binary (e.g. istio-1.30.5/bin/istioctl), ${LEAVE_OUT}.`);
  if (!stats.isFile())
    throw new ProviderError(`--istioctl ${named} is not a file.`, `Give the istioctl binary itself (e.g. ${resolve(path, 'bin', 'istioctl')}), ${LEAVE_OUT}.`);
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new ProviderError(`--istioctl ${named} is not executable.`, `Make it executable: chmod +x ${path}; ${LEAVE_OUT}.`);
  }
  return { path, version: await istioctlClientVersion(path) };
}

/** For ready lines: "istioctl 1.30.5 from --istioctl (/opt/istioctl)". */
export function describeGivenIstioctl(given: GivenIstioctl): string {
  return `istioctl ${given.version ?? 'of unknown version'} from --istioctl (${given.path})`;
}

/** What `istioctl version --remote=false` says the client is ("client version: 1.30.5", or a bare "1.30.5" from older releases). */
export async function istioctlClientVersion(istioctl: string): Promise<string | null> {
  try {
    const { exitCode, stdout } = await tryTool(istioctl, ['version', '--remote=false'], { timeoutMs: QUICK_TIMEOUT_MS });
    return exitCode === 0 ? (/\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(stdout)?.[1] ?? null) : null;
  } catch (error) {
    if (error instanceof ProviderError) return null;
    throw error;
  }
}

/** For messages about an istioctl that printed no version: "the version of istioctl WHERE (PATH) could not be told (...)". */
export function unknownIstioctlVersion(where: string, path: string): string {
  return `the version of istioctl ${where} (${path}) could not be told (\`istioctl version --remote=false\` printed none)`;
}

/** "1.30.5" -> "1.30"; null when there is no version. */
export function minorOf(version: string | null): string | null {
  return version === null ? null : (/^(\d+\.\d+)\./.exec(version)?.[1] ?? null);
}

/** Whether two versions are known and of one minor release (istioctl works with its own minor ±1 only). */
export function sameMinor(a: string | null, b: string | null): boolean {
  return minorOf(a) !== null && minorOf(a) === minorOf(b);
}
