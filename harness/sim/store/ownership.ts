/**
 * Field ownership between server-side apply managers, from the configurations each applied:
 * a manager applying a value another manager applied differently is a conflict unless it forces,
 * and forcing takes the field over.
 */

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One step of a field path: an object key, or the item of a keyed list with that key value. */
type Step = { key: string } | { item: [string, unknown] };

const IDENTITY = new Set(['apiVersion', 'kind']);
const IDENTITY_METADATA = new Set(['name', 'namespace']);
const LIST_KEYS = ['name', 'containerPort', 'port', 'mountPath', 'devicePath', 'ip', 'type'];

function listKey(items: unknown[]): string | undefined {
  if (items.length === 0 || !items.every(isObject)) return undefined;
  return LIST_KEYS.find((k) => items.every((i) => (i as JsonObject)[k] !== undefined));
}

function describe(steps: Step[]): string {
  return steps.map((s) => ('key' in s ? `.${s.key}` : `[${s.item[0]}=${JSON.stringify(s.item[1])}]`)).join('');
}

/** Leaf fields of an applied configuration: path text -> steps and value. Atomic lists are leaves. */
export function appliedFields(config: unknown, keyedLists: boolean): Map<string, { steps: Step[]; value: unknown }> {
  const out = new Map<string, { steps: Step[]; value: unknown }>();
  const walk = (node: unknown, steps: Step[]) => {
    if (isObject(node) && Object.keys(node).length > 0) {
      for (const [k, v] of Object.entries(node)) {
        if (steps.length === 0 && IDENTITY.has(k)) continue;
        if (steps.length === 1 && 'key' in steps[0] && steps[0].key === 'metadata' && IDENTITY_METADATA.has(k)) continue;
        walk(v, [...steps, { key: k }]);
      }
      return;
    }
    const key = Array.isArray(node) && keyedLists ? listKey(node) : undefined;
    if (Array.isArray(node) && key) {
      for (const item of node as JsonObject[]) walk(item, [...steps, { item: [key, item[key]] }]);
      return;
    }
    if (steps.length > 0) out.set(describe(steps), { steps, value: node });
  };
  walk(config, []);
  return out;
}

/** Paths `applied` sets to a value other than the one `other` applied there. */
export function conflictingFields(applied: unknown, other: unknown, keyedLists: boolean): string[] {
  const mine = appliedFields(applied, keyedLists);
  const theirs = appliedFields(other, keyedLists);
  return [...mine].filter(([path, field]) => theirs.has(path) && JSON.stringify(theirs.get(path)!.value) !== JSON.stringify(field.value)).map(([path]) => path);
}

/** A copy of `config` without the given fields: the manager no longer owns them. */
export function withoutFields(config: unknown, paths: string[], keyedLists: boolean): unknown {
  const copy = structuredClone(config);
  const fields = appliedFields(copy, keyedLists);
  for (const path of paths) {
    const field = fields.get(path);
    if (!field) continue;
    let parent: unknown = copy;
    for (const step of field.steps.slice(0, -1)) {
      parent = 'key' in step ? (parent as JsonObject)[step.key] : (parent as JsonObject[]).find((i) => i[step.item[0]] === step.item[1]);
    }
    const last = field.steps[field.steps.length - 1];
    if ('key' in last) delete (parent as JsonObject)[last.key];
    else
      (parent as JsonObject[]).splice(
        (parent as JsonObject[]).findIndex((i) => i[last.item[0]] === last.item[1]),
        1,
      );
  }
  return copy;
}
