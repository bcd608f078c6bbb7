/**
 * How objects are named: `KIND/NAME` references as kubectl writes them, and the
 * "Kind/name in namespace" label every message uses.
 */

/** An object on the server, identified well enough to read, patch or delete it. */
export interface ObjectId {
  apiVersion: string;
  kind: string;
  name: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
}

/** `deployment/backend` split into the type as written and the name. */
interface ParsedRef {
  type: string;
  name: string;
}

export function parseObjectRef(ref: string): ParsedRef {
  const match = /^([A-Za-z][\w.-]*)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(ref.trim());
  if (!match) {
    throw new Error(`"${ref}" is not an object reference: write KIND/NAME, e.g. "deployment/backend" or "svc/backend"`);
  }
  return { type: match[1]!, name: match[2]! };
}

/** "Deployment/backend in namespace demo-x1y2" or "CustomResourceDefinition/foo.example.com". */
export function describeObject(id: { kind: string; name: string; namespace?: string }): string {
  return `${id.kind}/${id.name}${id.namespace ? ` in namespace ${id.namespace}` : ''}`;
}

/** The API group of an apiVersion: "" for the core group ("v1"). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export const sameObject = (a: ObjectId, b: ObjectId) =>
  groupOf(a.apiVersion) === groupOf(b.apiVersion) && a.kind === b.kind && a.name === b.name && a.namespace === b.namespace;
