/**
 * A minimal OpenAPI v3: an index of group versions and, per group version, the PATCH
 * operations with their GVK and the `fieldValidation` query parameter. kubectl reads exactly
 * this to learn that the server validates fields itself; without it kubectl falls back to
 * downloading full schemas and refuses to apply. No schemas are served.
 */
import { createHash } from 'node:crypto';
import type { ResourceRegistry } from './registry.js';

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

function fingerprint(registry: ResourceRegistry): string {
  const text = registry
    .all()
    .map((t) => `${t.group}/${t.kind}/${t.versions.join(',')}`)
    .join(';');
  return createHash('sha256').update(text).digest('hex').slice(0, 16).toUpperCase();
}

export function openApiIndex(registry: ResourceRegistry): Record<string, unknown> {
  const hash = fingerprint(registry);
  const paths: Record<string, unknown> = {};
  for (const { group, versions } of registry.groups()) {
    for (const version of versions) paths[gvPath(group, version)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${hash}` };
  }
  return { paths };
}

/** The document of one group version (`api/v1`, `apis/apps/v1`), or undefined when not served. */
export function openApiGroupVersion(registry: ResourceRegistry, path: string, gitVersion: string): Record<string, unknown> | undefined {
  const match = /^(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!match) return undefined;
  const [group, version] = match[1] ? ['', match[1]] : [match[2], match[3]];
  const types = registry.all().filter((t) => t.group === group && t.versions.includes(version));
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const base = `/${gvPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${t.namespaced ? 'Namespaced' : ''}${t.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group, version, kind: t.kind },
        parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
          name,
          in: 'query',
          schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
        })),
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: gitVersion }, paths, components: { schemas: {} } };
}
