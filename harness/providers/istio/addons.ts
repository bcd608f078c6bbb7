/**
 * Istio's observability addons, installed the same way by every provider: the addon's manifest
 * (on real clusters Istio's own `samples/addons/<name>.yaml` of the installed version, cached
 * next to istioctl; on sim its stand-in) is server-side applied into istio-system through the
 * kube layer, then its Deployment is waited for as `kubectl rollout status` does. An addon whose
 * Services are already there (a reused cluster, one the user set up) is not applied again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyManifests, FIELD_MANAGER, httpStatusOf, parseManifests, waitForRollout, type Manifest } from '../../kube/index.js';
import { ProviderError, type Addon } from '../../contract/cluster.js';
import { download, downloadDispatcher, isCached, writeCacheFile } from '../istioctl/fetch-file.js';
import { ISTIO_NAMESPACE } from './readiness.js';
import { istioctlCachePath } from '../istioctl/download.js';
import type { ProviderKube } from '../setup/kube.js';

/** Where Istio's repository is served raw; MESHSPEC_ISTIO_ADDONS_URL points at a mirror (and the tests at a local server). */
const ISTIO_RAW_URL = 'https://raw.githubusercontent.com/istio/istio';

/** The Deployment each addon's file creates, and the Services by which an installed addon is recognised. */
const ADDON_OBJECTS: Record<Addon, { deployment: string; services: readonly string[] }> = {
  prometheus: { deployment: 'prometheus', services: ['prometheus'] },
  grafana: { deployment: 'grafana', services: ['grafana'] },
  kiali: { deployment: 'kiali', services: ['kiali'] },
  jaeger: { deployment: 'jaeger', services: ['tracing', 'zipkin'] },
};

function addonManifestUrl(version: string, addon: Addon, env: NodeJS.ProcessEnv = process.env): string {
  return `${(env.MESHSPEC_ISTIO_ADDONS_URL || ISTIO_RAW_URL).replace(/\/$/, '')}/${version}/samples/addons/${addon}.yaml`;
}

/** `<cache>/istio/<version>/addons/<name>.yaml`, beside that version's istioctl. */
function addonCachePath(version: string, addon: Addon, env: NodeJS.ProcessEnv = process.env): string {
  return join(istioctlCachePath(version, env), '..', 'addons', `${addon}.yaml`);
}

/** Istio's `samples/addons/<addon>.yaml` of `version`, downloaded once into the cache. */
async function istioAddonManifests(version: string, addon: Addon, env: NodeJS.ProcessEnv = process.env): Promise<Manifest[]> {
  const target = addonCachePath(version, addon, env);
  if (!(await isCached(target))) {
    const url = addonManifestUrl(version, addon, env);
    const dispatcher = downloadDispatcher();
    try {
      const body = await download(url, dispatcher, {
        unreachable: 'Check the network, or set MESHSPEC_ISTIO_ADDONS_URL to a mirror of https://raw.githubusercontent.com/istio/istio.',
        notFound: `Istio ${version} has no samples/addons/${addon}.yaml; see https://github.com/istio/istio/tree/${version}/samples/addons.`,
      });
      // Parsed before caching, so that a broken download is never kept.
      parseManifests(body.toString('utf8'), url);
      await writeCacheFile(target, body);
    } finally {
      await dispatcher.close();
    }
  }
  return parseManifests(await readFile(target, 'utf8'), target);
}

/** The requested addons with at least one of their Services missing from istio-system. */
export async function missingAddons(kube: ProviderKube, addons: readonly Addon[]): Promise<Addon[]> {
  const missing: Addon[] = [];
  for (const addon of addons) {
    for (const name of ADDON_OBJECTS[addon].services) {
      if (!(await serviceExists(kube, name))) {
        missing.push(addon);
        break;
      }
    }
  }
  return missing;
}

async function serviceExists(kube: ProviderKube, name: string): Promise<boolean> {
  try {
    await kube.core.readNamespacedService({ name, namespace: ISTIO_NAMESPACE });
    return true;
  } catch (error) {
    if (httpStatusOf(error) === 404) return false;
    throw error;
  }
}

/** How to install addons by hand, for messages: one `kubectl apply` per addon of Istio's release. */
export function addonInstallHint(addons: readonly Addon[], version: string): string {
  const commands = addons.map((addon) => `kubectl apply -f ${addonManifestUrl(version, addon, {})}`);
  return `Install them from the Istio release (samples/addons/<name>.yaml), e.g.\n${commands.join('\n')}`;
}

interface AddonInstallOptions {
  runId: string;
  /** The manifests of one addon: Istio's file on real clusters, the stand-in on sim. */
  manifestsOf: (addon: Addon) => Promise<Manifest[]>;
  timeoutMs: number;
  onStatus?: (detail: string) => void;
}

/** Applies the addons that are missing and waits until every requested one has rolled out; answers the ones it applied. */
export async function installAddons(kube: ProviderKube, addons: readonly Addon[], options: AddonInstallOptions): Promise<Addon[]> {
  const deadline = Date.now() + options.timeoutMs;
  const missing = await missingAddons(kube, addons);
  for (const addon of missing) {
    options.onStatus?.(`applying ${addon}`);
    // istio-system is the provider's to install into, as it is istioctl's: the kube layer's
    // ownership rules treat it like a scenario namespace (no run label on what lands there);
    // cluster-scoped objects of the file (Prometheus' ClusterRole) get the label of this run.
    await applyManifests(kube, await options.manifestsOf(addon), {
      namespace: ISTIO_NAMESPACE,
      fieldManager: FIELD_MANAGER,
      imageRewrites: {},
      owner: { runId: options.runId, namespace: ISTIO_NAMESPACE },
      deadline,
    });
  }
  for (const addon of addons) {
    options.onStatus?.(`waiting for the rollout of ${ADDON_OBJECTS[addon].deployment}`);
    await waitForRollout(kube, ISTIO_NAMESPACE, ADDON_OBJECTS[addon].deployment, { deadline }).catch((error: unknown) => {
      throw new ProviderError(
        `The ${addon} addon did not roll out in ${ISTIO_NAMESPACE}: ${(error as Error).message}`,
        `Look at its pods: kubectl -n ${ISTIO_NAMESPACE} describe deployment ${ADDON_OBJECTS[addon].deployment}`,
      );
    });
  }
  return missing;
}

/**
 * The addons from Istio's own samples/addons of `version`, for a provider that installed that
 * Istio (kind, and kubeconfig with --install-istio); answers the ones it applied.
 */
export function installIstioAddons(
  kube: ProviderKube,
  addons: readonly Addon[],
  options: { runId: string; version: string; onStatus?: (detail: string) => void },
): Promise<Addon[]> {
  return installAddons(kube, addons, {
    runId: options.runId,
    manifestsOf: (addon) => istioAddonManifests(options.version, addon),
    // Pulling Prometheus, Grafana, Kiali and Jaeger images on a fresh node takes minutes.
    timeoutMs: 10 * 60_000,
    onStatus: options.onStatus,
  });
}
