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

export function parseQuery(text: string): Query {
  const agg = /^(sum|count)\s*(?:by\s*\(([^)]*)\)\s*)?\((.*)\)\s*(?:by\s*\(([^)]*)\))?$/s.exec(text.trim());
  if (!agg) return parseSelector(text);
  const by = (agg[2] ?? agg[4] ?? '').split(',').map((l) => l.trim()).filter(Boolean);
  return { ...parseSelector(agg[3]!), aggregate: { op: agg[1] as 'sum' | 'count', by } };
}

function matches(m: Matcher, labels: Labels): boolean {
  const value = labels[m.label] ?? '';
  switch (m.op) {
    case '=': return value === m.value;
    case '!=': return value !== m.value;
    case '=~': return new RegExp(`^(?:${m.value})$`).test(value);
    case '!~': return !new RegExp(`^(?:${m.value})$`).test(value);
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
