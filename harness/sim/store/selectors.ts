/** Label selectors (equality and set-based) and the field selectors the sim supports. */
import { badRequest } from './errors.js';
import type { KubeObject } from './types.js';

type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' }
  | { key: string; op: '=' | '!='; values: [string] };

export type Matcher = (obj: KubeObject) => boolean;

/** Splits on commas that are not inside parentheses: `a in (x,y),b` -> ['a in (x,y)', 'b']. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

const LABEL_KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

function checkKey(key: string, selector: string): string {
  if (!LABEL_KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${selector}"`);
  return key;
}

function parseRequirement(term: string, selector: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = set[3].split(',').map((v) => v.trim());
    return { key: checkKey(set[1], selector), op: set[2] as 'in' | 'notin', values };
  }
  if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim(), selector), op: '!exists' };
  const equality = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
  if (equality) {
    return { key: checkKey(equality[1].trim(), selector), op: equality[2] === '!=' ? '!=' : '=', values: [equality[3].trim()] };
  }
  return { key: checkKey(term, selector), op: 'exists' };
}

function matches(labels: Record<string, string>, r: Requirement): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.op) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case '=':
      return has && labels[r.key] === r.values[0];
    case '!=':
      return !has || labels[r.key] !== r.values[0];
    case 'in':
      return has && r.values.includes(labels[r.key]);
    case 'notin':
      return !has || !r.values.includes(labels[r.key]);
  }
}

/** Parses a `labelSelector` query value; throws 400 naming the bad term. */
export function parseLabelSelector(selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const requirements = splitTerms(selector).map((t) => parseRequirement(t, selector));
  return (obj) => requirements.every((r) => matches(obj.metadata.labels ?? {}, r));
}

/** True when `labels` satisfy a LabelSelector object (matchLabels + matchExpressions) from a spec. */
export function selectorObjectMatches(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const actual = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (actual[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const op = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' }[e.operator];
    if (!op) return false;
    if (!matches(actual, { key: e.key, op, values: e.values ?? [] } as Requirement)) return false;
  }
  return true;
}

const FIELD_GETTERS: Record<string, (obj: KubeObject) => string | undefined> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace,
  'status.phase': (o) => o.status?.phase,
  'spec.nodeName': (o) => o.spec?.nodeName,
  // Events are commonly listed for one object.
  'involvedObject.name': (o) => (o.involvedObject as { name?: string } | undefined)?.name,
  'involvedObject.kind': (o) => (o.involvedObject as { kind?: string } | undefined)?.kind,
  'involvedObject.namespace': (o) => (o.involvedObject as { namespace?: string } | undefined)?.namespace,
  'involvedObject.uid': (o) => (o.involvedObject as { uid?: string } | undefined)?.uid,
  type: (o) => o.type as string | undefined,
};

/** Parses a `fieldSelector` query value (`=`, `==`, `!=` on the supported fields). */
export function parseFieldSelector(selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const tests = splitTerms(selector).map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid field selector "${term}": expected field=value or field!=value`);
    const getter = FIELD_GETTERS[m[1].trim()];
    if (!getter) {
      throw badRequest(`field label not supported: ${m[1].trim()} (supported: ${Object.keys(FIELD_GETTERS).join(', ')})`);
    }
    const want = m[3].trim();
    const negate = m[2] === '!=';
    return (obj: KubeObject) => ((getter(obj) ?? '') === want) !== negate;
  });
  return (obj) => tests.every((t) => t(obj));
}
