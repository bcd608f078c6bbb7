/**
 * The user's istioctl (--istioctl) on kind, where it installs Istio: `istioctl install` installs
 * its own release, so it must be of the chosen Istio's minor (whose node image the cluster runs),
 * and the Istio installed is then its exact version.
 */
import { describeGivenIstioctl, minorOf, readGivenIstioctl, sameMinor, unknownIstioctlVersion, type GivenIstioctl } from '../istioctl/given.js';
import type { PrerequisiteCheck } from '../host/prerequisites.js';
import { SUPPORTED_ISTIO } from '../istio/versions.js';
import { ProviderError } from '../../contract/cluster.js';

/**
 * A prerequisite: the `istioctl` setting names a usable istioctl of the minor of `version`.
 * `use` receives it once checked, for the install.
 */
export function givenIstioctlCheck(setting: string, version: string, use: (given: GivenIstioctl & { version: string }) => void): PrerequisiteCheck {
  return async () => {
    let given: GivenIstioctl;
    try {
      given = await readGivenIstioctl(setting);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      return { problem: error.message, fix: error.hint ?? '' };
    }
    if (given.version === null) {
      return {
        problem: `${unknownIstioctlVersion('from --istioctl', given.path)}, so it cannot be checked against Istio ${version}.`,
        fix: `Give --istioctl an istioctl ${minorOf(version)}.x (check with \`${given.path} version --remote=false\`), or leave --istioctl out to let meshspec download istioctl ${version}.`,
      };
    }
    if (!sameMinor(given.version, version)) {
      const other = `an istioctl ${minorOf(version)}.x`;
      const supported = SUPPORTED_ISTIO.some((release) => release.minor === minorOf(given.version));
      return {
        problem: `istioctl from --istioctl (${given.path}) is ${given.version}, but the kind provider is to install Istio ${version}: istioctl installs only its own release.`,
        fix: supported ? `Run with --istio ${given.version} to install the Istio of that istioctl, or give --istioctl ${other}.` : `Give --istioctl ${other}.`,
      };
    }
    use({ ...given, version: given.version });
    const patch = given.version === version ? '' : `; it installs Istio ${given.version}, not ${version}`;
    return { found: `${describeGivenIstioctl(given)}${patch}` };
  };
}
