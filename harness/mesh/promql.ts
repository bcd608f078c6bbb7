/**
 * The part of PromQL the Prometheus stand-in answers: a selector `metric{l="v",l!="v",l=~"re",l!~"re"}`,
 * optionally inside `sum(...)`, `count(...)` or `sum by (l1,l2) (...)`.
 */
import type { Labels, Sample } from './metrics.js';

export class PromQLError extends Error {
  override name = 'PromQLError';
}

type Matcher = { label: string; op: '=' | '!=' | '=~' | '!~'; value: string };

interface Query {
  metric: string;
  matchers: Matcher[];
  aggregate?: { op: 'sum' | 'count'; by: string[] };
}

const SELECTOR = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?$/s;
const MATCHER = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function parseSelector(text: string): Pick<Query, 'metric' | 'matchers'> {
  const m = SELECTOR.exec(text.trim());
  if (!m) throw new PromQLError(`unsupported query "${text}": expected metric{label="value",...}`);
  const matchers: Matcher[] = [];
  const body = (m[2] ?? '').trim();
  MATCHER.lastIndex = 0;
  while (MATCHER.lastIndex < body.length) {
    const start = MATCHER.lastIndex;
    const mm = MATCHER.exec(body);
    if (!mm || mm.index !== start) throw new PromQLError(`bad label matcher in "${text}" at "${body.slice(start)}"`);
    matchers.push({ label: mm[1]!, op: mm[2] as Matcher['op'], value: mm[3]!.replace(/\\(.)/g, '$1') });
  }
  return { metric: m[1]!, matchers };
}

/** Index of the parenthesis closing the one at `open`, skipping quoted label values. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  throw new PromQLError(`unbalanced parentheses in "${text}"`);
}

const GROUPING = /^by\s*\(([^)]*)\)\s*/;

function grouping(text: string): { by: string[]; rest: string } | undefined {
  const m = GROUPING.exec(text);
  return m
    ? {
        by: m[1]!
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean),
        rest: text.slice(m[0].length),
      }
    : undefined;
}

export function parseQuery(text: string): Query {
  const trimmed = text.trim();
  const head = /^(sum|count)\s*/.exec(trimmed);
  if (!head) return parseSelector(trimmed);
  let rest = trimmed.slice(head[0].length);
  const before = grouping(rest);
  if (before) rest = before.rest;
  if (!rest.startsWith('(')) throw new PromQLError(`unsupported query "${text}": expected ${head[1]}(metric{...})`);
  const close = closingParen(rest, 0);
  const inner = rest.slice(1, close);
  const tail = rest.slice(close + 1).trim();
  const after = tail ? grouping(tail) : undefined;
  if (tail && after?.rest !== '') throw new PromQLError(`unsupported query "${text}": unexpected "${tail}"`);
  return { ...parseSelector(inner), aggregate: { op: head[1] as 'sum' | 'count', by: before?.by ?? after?.by ?? [] } };
}

function matches(m: Matcher, labels: Labels): boolean {
  const value = labels[m.label] ?? '';
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(value);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(value);
  }
}

export function evaluate(query: Query, samples: Sample[]): Array<{ labels: Labels; value: number }> {
  const selected = samples.filter((s) => s.name === query.metric && query.matchers.every((m) => matches(m, s.labels)));
  if (!query.aggregate) return selected.map((s) => ({ labels: { __name__: s.name, ...s.labels }, value: s.value }));
  const groups = new Map<string, { labels: Labels; value: number }>();
  for (const s of selected) {
    const labels = Object.fromEntries(query.aggregate.by.filter((l) => s.labels[l] !== undefined).map((l) => [l, s.labels[l]!]));
    const key = JSON.stringify(labels);
    const group = groups.get(key) ?? { labels, value: 0 };
    group.value += query.aggregate.op === 'sum' ? s.value : 1;
    groups.set(key, group);
  }
  return [...groups.values()];
}
