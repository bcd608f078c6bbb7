/**
 * Per-request controls, after Istio's echo app: `?status=503`, `?codes=500:70,200:30`,
 * `?delay=300ms`, `?headers=k:v,k2:v2`.
 */
import { parseDuration } from './duration.js';

export interface RequestControls {
  /** Status to answer with, when chosen by `status` or `codes`. */
  status?: number;
  delayMs: number;
  headers: Record<string, string>;
}

export class ControlError extends Error {
  override name = 'ControlError';
}

function toStatus(param: string, text: string): number {
  const status = Number(text);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new ControlError(`?${param}: "${text}" is not an HTTP status (100-599)`);
  }
  return status;
}

/** Picks a status from `500:70,200:30` (status:weight pairs; a bare status has weight 1). */
function pickWeighted(text: string, random: () => number): number {
  const choices = text.split(',').map((pair) => {
    const [code, weight = '1'] = pair.split(':');
    const w = Number(weight);
    if (!Number.isFinite(w) || w < 0) throw new ControlError(`?codes: weight "${weight}" in "${pair}" is not a non-negative number`);
    return { status: toStatus('codes', code ?? ''), weight: w };
  });
  const total = choices.reduce((sum, c) => sum + c.weight, 0);
  if (total <= 0) throw new ControlError(`?codes: weights in "${text}" add up to 0; use e.g. 500:70,200:30`);
  let point = random() * total;
  for (const choice of choices) {
    point -= choice.weight;
    if (point < 0) return choice.status;
  }
  return choices[choices.length - 1]!.status;
}

export function parseControls(query: URLSearchParams, random: () => number = Math.random): RequestControls {
  const controls: RequestControls = { delayMs: 0, headers: {} };
  const status = query.get('status');
  const codes = query.get('codes');
  if (status !== null) controls.status = toStatus('status', status);
  else if (codes !== null) controls.status = pickWeighted(codes, random);
  const delay = query.get('delay');
  if (delay !== null) {
    const ms = parseDuration(delay);
    if (ms === undefined) throw new ControlError(`?delay: "${delay}" is not a duration; use e.g. 300ms or 2s`);
    controls.delayMs = ms;
  }
  for (const spec of query.getAll('headers').flatMap((h) => h.split(','))) {
    const colon = spec.indexOf(':');
    if (colon <= 0) throw new ControlError(`?headers: "${spec}" is not name:value`);
    controls.headers[spec.slice(0, colon).trim().toLowerCase()] = spec.slice(colon + 1).trim();
  }
  return controls;
}
