/**
 * The patch flavours the API server accepts: JSON patch (RFC 6902), JSON merge patch
 * (RFC 7386), strategic merge patch for the common cases, and the merge that server-side
 * apply performs. Lists of objects with an identifying key (containers, env, ports, volumes...)
 * merge item by item on that key; other lists are replaced.
 */
import { ApiError, badRequest } from './errors.js';

type Json = unknown;
type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key a list of objects merges on, or undefined when the list is replaced as a whole. */
function mergeKeyOf(items: unknown[]): string | undefined {
  if (items.length === 0 || !items.every(isObject)) return undefined;
  for (const key of ['name', 'containerPort', 'port', 'mountPath', 'devicePath', 'ip', 'type']) {
    if (items.every((i) => (i as JsonObject)[key] !== undefined)) return key;
  }
  return undefined;
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(pointer: unknown, op: number): string[] {
  if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/'))) {
    throw badRequest(`json patch operation ${op}: "path" must be a JSON pointer such as /spec/replicas, got ${JSON.stringify(pointer)}`);
  }
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointer);
}

function resolveParent(doc: Json, tokens: string[], opIndex: number, pointer: string): { parent: JsonObject | unknown[]; last: string } {
  let node: Json = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw badRequest(`json patch operation ${opIndex}: path ${pointer} does not exist`);
  }
  if (!Array.isArray(node) && !isObject(node)) throw badRequest(`json patch operation ${opIndex}: path ${pointer} does not exist`);
  return { parent: node, last: tokens[tokens.length - 1] };
}

function getAt(doc: Json, tokens: string[], opIndex: number, pointer: string): Json {
  if (tokens.length === 0) return doc;
  const { parent, last } = resolveParent(doc, tokens, opIndex, pointer);
  const value = Array.isArray(parent) ? parent[Number(last)] : parent[last];
  if (value === undefined) throw badRequest(`json patch operation ${opIndex}: path ${pointer} does not exist`);
  return value;
}

function arrayIndex(list: unknown[], token: string, allowEnd: boolean, opIndex: number, pointer: string): number {
  if (allowEnd && token === '-') return list.length;
  const index = /^(0|[1-9]\d*)$/.test(token) ? Number(token) : NaN;
  if (!(index >= 0 && index < list.length + (allowEnd ? 1 : 0))) {
    throw badRequest(`json patch operation ${opIndex}: index ${token} out of range in ${pointer}`);
  }
  return index;
}

function removeAt(doc: Json, tokens: string[], opIndex: number, pointer: string): Json {
  if (tokens.length === 0) throw badRequest(`json patch operation ${opIndex}: cannot remove the whole document`);
  const { parent, last } = resolveParent(doc, tokens, opIndex, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, false, opIndex, pointer), 1)[0];
  if (!(last in parent)) throw badRequest(`json patch operation ${opIndex}: path ${pointer} does not exist`);
  const value = parent[last];
  delete parent[last];
  return value;
}

function addAt(doc: Json, tokens: string[], value: Json, replace: boolean, opIndex: number, pointer: string): Json {
  if (tokens.length === 0) return value;
  const { parent, last } = resolveParent(doc, tokens, opIndex, pointer);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, !replace, opIndex, pointer);
    parent.splice(index, replace ? 1 : 0, value);
  } else {
    if (replace && !(last in parent)) throw badRequest(`json patch operation ${opIndex}: path ${pointer} does not exist`);
    parent[last] = value;
  }
  return doc;
}

/** Applies an RFC 6902 patch to a copy of `doc`; a failed `test` answers 422 as the real server does. */
export function applyJsonPatch(doc: Json, patch: unknown): Json {
  if (!Array.isArray(patch)) throw badRequest('json patch must be an array of operations, e.g. [{"op":"replace","path":"/spec/replicas","value":2}]');
  let result = structuredClone(doc);
  patch.forEach((operation, i) => {
    if (!isObject(operation)) throw badRequest(`json patch operation ${i}: must be an object`);
    const pointer = operation.path as string;
    const tokens = parsePointer(pointer, i);
    const needsValue = ['add', 'replace', 'test'].includes(operation.op as string);
    if (needsValue && !('value' in operation)) throw badRequest(`json patch operation ${i} (${String(operation.op)}): missing "value"`);
    switch (operation.op) {
      case 'add':
        result = addAt(result, tokens, structuredClone(operation.value), false, i, pointer);
        break;
      case 'replace':
        result = addAt(result, tokens, structuredClone(operation.value), true, i, pointer);
        break;
      case 'remove':
        removeAt(result, tokens, i, pointer);
        break;
      case 'move':
      case 'copy': {
        const from = parsePointer(operation.from, i);
        const value =
          operation.op === 'move' ? removeAt(result, from, i, operation.from as string) : structuredClone(getAt(result, from, i, operation.from as string));
        result = addAt(result, tokens, value, false, i, pointer);
        break;
      }
      case 'test': {
        const actual = getAt(result, tokens, i, pointer);
        if (JSON.stringify(actual) !== JSON.stringify(operation.value)) {
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: testing value ${pointer} failed: expected ${JSON.stringify(operation.value)}, found ${JSON.stringify(actual)}`,
          );
        }
        break;
      }
      default:
        throw badRequest(`json patch operation ${i}: unknown op ${JSON.stringify(operation.op)} (expected add, remove, replace, move, copy or test)`);
    }
  });
  return result;
}

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

interface MergeMode {
  /** null deletes a field and `$patch` directives apply (strategic patch), instead of "no opinion" (apply). */
  strategic: boolean;
  /** Keyed lists merge by item; false for custom resources, whose lists are atomic. */
  keyedLists: boolean;
}

function mergeKeyedLists(current: unknown[], patch: unknown[], mode: MergeMode): unknown[] {
  const strategic = mode.strategic;
  const key = mode.keyedLists ? (mergeKeyOf(patch) ?? mergeKeyOf(current)) : undefined;
  if (!key || !current.every(isObject)) {
    return patch.filter((p) => !(isObject(p) && p.$patch === 'delete')).map((p) => structuredClone(p));
  }
  const result = current.map((c) => structuredClone(c)) as JsonObject[];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const index = result.findIndex((r) => r[key] === item[key]);
    if (strategic && item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) result[index] = mergeObjects(result[index], item, mode) as JsonObject;
    else result.push(mergeObjects({}, item, mode) as JsonObject);
  }
  return result;
}

function mergeObjects(target: Json, patch: Json, mode: MergeMode): Json {
  if (Array.isArray(patch)) return mergeKeyedLists(Array.isArray(target) ? target : [], patch, mode);
  if (!isObject(patch)) return structuredClone(patch);
  if (mode.strategic && patch.$patch === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return structuredClone(rest);
  }
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key.startsWith('$setElementOrder/') || key.startsWith('$retainKeys')) continue;
    if (value === null) {
      // In a strategic patch null deletes; in an applied configuration it means "no opinion".
      if (mode.strategic) delete result[key];
    } else result[key] = mergeObjects(result[key], value, mode);
  }
  return result;
}

/** Strategic merge patch: a merge patch whose keyed lists merge item by item, with `$patch: delete|replace`. */
export function applyStrategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  return mergeObjects(target, patch, { strategic: true, keyedLists: true });
}

/**
 * Server-side apply: merges the applied configuration into the live object, then removes what
 * the same field manager applied last time but no longer applies (so dropping a label or a
 * route from a manifest removes it, as with real apply).
 */
export function applyConfiguration(live: Json, applied: Json, previouslyApplied: Json | undefined, keyedLists: boolean): Json {
  const merged = mergeObjects(live, applied, { strategic: false, keyedLists });
  return previouslyApplied === undefined ? merged : removeDropped(merged, previouslyApplied, applied, keyedLists);
}

function removeDropped(merged: Json, previous: Json, applied: Json, keyedLists: boolean): Json {
  if (isObject(merged) && isObject(previous)) {
    const appliedObject = isObject(applied) ? applied : {};
    for (const key of Object.keys(previous)) {
      if (key === 'apiVersion' || key === 'kind' || key === 'name' || key === 'namespace') continue;
      if (!(key in appliedObject)) delete merged[key];
      else merged[key] = removeDropped(merged[key], previous[key], appliedObject[key], keyedLists);
    }
    return merged;
  }
  if (keyedLists && Array.isArray(merged) && Array.isArray(previous) && Array.isArray(applied)) {
    const key = mergeKeyOf(previous);
    if (!key) return merged;
    const kept = new Set(applied.filter(isObject).map((a) => a[key]));
    const dropped = new Set(
      previous
        .filter(isObject)
        .map((p) => p[key])
        .filter((k) => !kept.has(k)),
    );
    return merged
      .filter((m) => !(isObject(m) && dropped.has(m[key])))
      .map((m) => {
        if (!isObject(m)) return m;
        const before = previous.find((p) => isObject(p) && p[key] === m[key]);
        const now = applied.find((a) => isObject(a) && a[key] === m[key]);
        return before === undefined || now === undefined ? m : removeDropped(m, before, now, keyedLists);
      });
  }
  return merged;
}

/** Applies a JSON, merge or strategic merge patch to a copy of `target`. */
export function applyPatch(target: Json, type: 'json' | 'merge' | 'strategic', patch: unknown): Json {
  if (type === 'json') return applyJsonPatch(target, patch);
  if (!isObject(patch)) throw badRequest(`a ${type} patch must be a JSON object`);
  return type === 'merge' ? applyMergePatch(target, patch) : applyStrategicMergePatch(target, patch);
}
