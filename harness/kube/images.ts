/**
 * Image rewriting for applied manifests: on kind the echo app is pushed to a local registry
 * under a tag of its current source, so `meshspec/echo` (any tag, any registry prefix) in a
 * tutorial manifest must become that reference (ClusterHandle.imageRewrites).
 */

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** The repository of an image reference, without tag or digest: "localhost:5001/meshspec/echo". */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon < 0 ? withoutDigest : withoutDigest.slice(0, colon);
}

/** The replacement for `image`, or the image itself when no rewrite names its repository. */
export function rewriteImage(image: string, rewrites: Record<string, string>): string {
  const repository = repositoryOf(image);
  for (const [from, to] of Object.entries(rewrites)) {
    if (repository === from || repository.endsWith(`/${from}`)) return to;
  }
  return image;
}

/**
 * A copy of `value` with every container image rewritten, wherever the containers sit
 * (Pod, Deployment, Job, CronJob or a custom resource with a pod template).
 */
export function rewriteImages<T>(value: T, rewrites: Record<string, string>): T {
  if (Object.keys(rewrites).length === 0) return value;
  return rewriteIn(value, rewrites, false) as T;
}

function rewriteIn(value: unknown, rewrites: Record<string, string>, inContainerList: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteIn(item, rewrites, inContainerList));
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    copy[key] =
      inContainerList && key === 'image' && typeof child === 'string'
        ? rewriteImage(child, rewrites)
        : rewriteIn(child, rewrites, CONTAINER_LISTS.has(key) && Array.isArray(child));
  }
  return copy;
}
