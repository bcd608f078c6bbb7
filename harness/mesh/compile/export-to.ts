/** `exportTo` as Istio validates and reads it on VirtualService, DestinationRule and ServiceEntry. */
import type { ExportTo } from '../config-types.js';
import type { Fields } from './fields.js';

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * exportTo entries as Istio reads them: "*" (every namespace), "." (the object's own), "~" (none)
 * or namespace names. Undefined when the list is empty: the mesh config's default applies.
 */
export function resolveExportTo(entries: string[], namespace: string): ExportTo | undefined {
  if (entries.length === 0) return undefined;
  if (entries.includes('*')) return '*';
  return new Set(entries.filter((e) => e !== '~').map((e) => (e === '.' ? namespace : e)));
}

/**
 * Istio's validation of exportTo: known forms, no duplicates, "*" only on its own; "~" only on a
 * ServiceEntry (`noneAllowed`), and then on its own.
 */
export function exportTo(f: Fields, value: unknown, namespace: string, noneAllowed: boolean): ExportTo | undefined {
  const entries = f.array(value, 'spec.exportTo').map((e, i) => f.requiredString(e, `spec.exportTo[${i}]`));
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    if (entry === '~' && !noneAllowed) f.fail(`spec.exportTo[${i}]`, 'cannot be "~" (none): only a ServiceEntry can be exported to nobody');
    if (!['*', '.', '~'].includes(entry) && !NAMESPACE_NAME.test(entry))
      f.fail(`spec.exportTo[${i}]`, `must be "*", ".", "~" or a namespace name (got "${entry}")`);
    const key = entry === '.' ? namespace : entry;
    if (seen.has(key)) f.fail('spec.exportTo', `has "${entry}" twice ("." is the namespace ${namespace})`);
    seen.add(key);
  });
  if (entries.length > 1 && (seen.has('*') || seen.has('~')))
    f.fail('spec.exportTo', `cannot combine "*" or "~" with other entries (got ${JSON.stringify(entries)})`);
  return resolveExportTo(entries, namespace);
}
