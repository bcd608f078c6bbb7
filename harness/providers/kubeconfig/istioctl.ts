/**
 * The istioctl for an Istio the provider found rather than installed. istioctl works only with
 * its own minor ±1 and kube-inject renders with its own defaults, so the control plane's exact
 * version is wanted: istioctl on PATH when it is that version, else that version from meshspec's
 * cache or a download, else istioctl on PATH with a warning when its minor differs, else none.
 * One the user gave (--istioctl) is used as it is, with the same warning when its minor differs.
 */
import { ProviderError } from '../../contract/cluster.js';
import { describeCachedIstioctl, ensureIstioctl, isIstioRelease, istioctlCachePath } from '../istioctl/download.js';
import { describeGivenIstioctl, istioctlClientVersion, sameMinor, unknownIstioctlVersion, type GivenIstioctl } from '../istioctl/given.js';
import { findOnPath } from '../host/tools.js';

export interface IstioctlChoice {
  /** Absolute path, or null when there is no istioctl at all. */
  path: string | null;
  /** For the provider's ready line: which istioctl, and why not the control plane's version. */
  summary: string;
  /** Said once after the ready line: an istioctl of another minor than the control plane, and the fix. */
  warning?: string;
}

export interface IstioctlChoiceOptions {
  env?: NodeJS.ProcessEnv;
  /** Told the download's progress. */
  onProgress?: (detail: string) => void;
  /** The user's istioctl (--istioctl), already checked: chosen whatever its version. */
  given?: GivenIstioctl;
}

export async function chooseIstioctl(version: string, options: IstioctlChoiceOptions = {}): Promise<IstioctlChoice> {
  if (options.given) return givenChoice(options.given, version);
  const env = options.env ?? process.env;
  const onPath = await findOnPath('istioctl', env);
  const pathVersion = onPath ? await istioctlClientVersion(onPath) : null;
  if (onPath && pathVersion === version) return { path: onPath, summary: `istioctl ${version} on PATH (${onPath})` };

  let notFetched: string;
  try {
    const fetched = await ensureIstioctl({ version, env, onProgress: (detail) => options.onProgress?.(`istioctl ${version}: ${detail}`) });
    return { path: fetched.path, summary: `istioctl ${version} ${describeCachedIstioctl(fetched)}` };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    notFetched = `istioctl ${version} could not be fetched (${error.message.replace(/\.$/, '')})`;
  }

  const fix = isIstioRelease(version)
    ? `put istioctl ${version} on PATH or at ${istioctlCachePath(version, env)}, or let meshspec download it (it needs Istio's GitHub releases, or a mirror in MESHSPEC_ISTIO_DOWNLOAD_URL)`
    : 'put the istioctl of the installed Istio on PATH';
  if (!onPath) {
    return { path: null, summary: `no istioctl: none on PATH, and ${notFetched}; steps that run istioctl will fail. To fix, ${fix}.` };
  }
  const summary = `istioctl ${pathVersion ?? 'of unknown version'} on PATH (${onPath}); ${notFetched}`;
  if (sameMinor(pathVersion, version)) return { path: onPath, summary };
  const mismatch = pathVersion
    ? `istioctl on PATH is ${pathVersion}, but Istio's control plane is ${version}`
    : `${unknownIstioctlVersion('on PATH', onPath)}, and Istio's control plane is ${version}`;
  return { path: onPath, summary, warning: minorMismatchWarning(mismatch, fix) };
}

/** The user's istioctl for a control plane of `version` (the one found, or the one installed with it). */
export function givenChoice(given: GivenIstioctl, version: string): IstioctlChoice & { path: string } {
  const summary = describeGivenIstioctl(given);
  if (sameMinor(given.version, version)) return { path: given.path, summary };
  const mismatch = given.version
    ? `istioctl from --istioctl is ${given.version}, but Istio's control plane is ${version}`
    : `${unknownIstioctlVersion('from --istioctl', given.path)}, and Istio's control plane is ${version}`;
  return {
    path: given.path,
    summary,
    warning: minorMismatchWarning(mismatch, `give --istioctl an istioctl ${version}, or leave it out to let meshspec find or download one`),
  };
}

function minorMismatchWarning(mismatch: string, fix: string): string {
  return `warning: ${mismatch}. istioctl supports only its own minor version ±1 and kube-inject must match the control plane, so istioctl steps may fail or give wrong answers. To fix, ${fix}.`;
}
