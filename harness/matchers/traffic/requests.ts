/** What traffic matchers read off one request, each in one place. */
import type { RequestRecord } from '../../contract/traffic.js';

/** Category of a request that has no value at the tallied path (an error answer carries no version). */
export const NO_VALUE = '(none)';

/** Statuses that mean the mesh refused or could not route the request (or no answer came). */
const BLOCKED_STATUSES = new Set([0, 502, 503]);

/**
 * The value of a request at a dotted path: `version`, `pod`, `status`, or into the response,
 * e.g. `body.upstream.version` or `headers.server`.
 */
export function valueAt(request: RequestRecord, path: string): string {
  let value: unknown = request;
  for (const part of path.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value === undefined || value === null ? NO_VALUE : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The request headers the answering echo server saw (they are in its JSON body). */
export function serverSeenHeaders(request: RequestRecord): Record<string, string> | undefined {
  const headers = (request.body as { headers?: unknown } | undefined)?.headers;
  return typeof headers === 'object' && headers !== null ? (headers as Record<string, string>) : undefined;
}

export function isBlocked(request: RequestRecord): boolean {
  return BLOCKED_STATUSES.has(request.status);
}

export function isSuccess(request: RequestRecord): boolean {
  return request.status >= 200 && request.status < 300;
}

/** A delay share's category: the request took at least the injected delay. */
export function isDelayed(request: RequestRecord, delayMs: number): boolean {
  return request.latencyMs >= delayMs;
}

/** Two categories for a share: the requests that have the property, and the rest. */
export function twoWay(dimension: string, percent: number, hit: (request: RequestRecord) => boolean) {
  return { expectedPercent: { hit: percent, miss: 100 - percent }, dimension, categoryOf: (r: RequestRecord) => (hit(r) ? 'hit' : 'miss') };
}
