/**
 * The few engines the many thin matchers share: a received-value guard, the share engine
 * (a statistical verdict from harness/stats), the every-request engine (a deterministic
 * property each request must have), and `conclude`, which records a traffic matcher's outcome
 * for the report and turns a decision into Vitest's matcher result with a lazy message.
 */
import type { MatcherState } from 'vitest';
import type { MatcherOutcome } from '../report/types.js';
import { formatTally } from '../report/text.js';
import type { Verdict } from '../stats/verdict.js';
import { formatMs } from '../contract/format.js';
import type { LatencySummary } from '../stats/latency.js';
import { attachRequestLogSource, requestLogSourceOf } from '../contract/traffic.js';
import type { RequestRecord, TrafficResult } from '../contract/traffic.js';
import { buildMessage } from './message.js';

export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

const outcomes = new WeakMap<TrafficResult, MatcherOutcome[]>();
/** The whole result a prefix was cut from: outcomes on a prefix belong to the whole step's report. */
const wholeOf = new WeakMap<TrafficResult, TrafficResult>();

/** Outcomes of the matchers run so far on a traffic result (or on prefixes of it), in order: the step's report. */
export function outcomesOf(result: TrafficResult): readonly MatcherOutcome[] {
  return outcomes.get(result) ?? [];
}

/**
 * The first n requests of a result (the result itself when it has no more), for a share-based
 * expectation decided on the sample its test was planned for rather than on everything the
 * step sent. Matchers run on it record their outcomes on the whole result.
 */
export function firstRequests(result: TrafficResult, n: number): TrafficResult {
  if (n >= result.requests.length) return result;
  const prefix: TrafficResult = { ...result, requests: result.requests.slice(0, n) };
  wholeOf.set(prefix, wholeOf.get(result) ?? result);
  const source = requestLogSourceOf(result);
  if (source) attachRequestLogSource(prefix, source);
  return prefix;
}

function isTrafficResult(value: unknown): value is TrafficResult {
  return typeof value === 'object' && value !== null && (value as TrafficResult).kind === 'meshspec.traffic';
}

/** Rejects the wrong kind of received value up front, naming what the matcher needs. */
export function expectReceived<T>(received: unknown, matcher: string, what: string, check: (value: unknown) => value is T): T {
  if (!check(received)) {
    const got = received === null ? 'null' : Array.isArray(received) ? 'an array' : typeof received;
    throw new TypeError(`${matcher}: the received value must be ${what}, got ${got}`);
  }
  return received;
}

export function expectTraffic(received: unknown, matcher: string): TrafficResult {
  const result = expectReceived(received, matcher, 'a TrafficResult (from sendTraffic or a traffic step)', isTrafficResult);
  if (result.requests.length === 0) throw new TypeError(`${matcher}: the traffic result holds no requests`);
  return result;
}

interface Decision {
  matcher: string;
  received: string;
  pass: boolean;
  /** One line for the report: why it passed or failed. */
  detail: string;
  expected?: unknown;
  verdict?: Verdict;
  /** Called only when the assertion fails. */
  findings?: () => string[];
  latency?: () => LatencySummary;
  /** The traffic result the outcome is recorded against. */
  traffic?: TrafficResult;
}

export function conclude(state: MatcherState, decision: Decision): MatcherResult {
  // Vitest leaves isNot undefined rather than false on a plain assertion.
  const isNot = state.isNot === true;
  if (decision.traffic) {
    const whole = wholeOf.get(decision.traffic) ?? decision.traffic;
    const list = outcomes.get(whole) ?? [];
    list.push({
      matcher: `${isNot ? '.not.' : ''}${decision.matcher}`,
      pass: decision.pass !== isNot,
      detail: decision.detail,
      ...(decision.verdict ? { hypothesis: decision.verdict.hypothesis, shares: decision.verdict.shares, pValue: decision.verdict.pValue } : {}),
    });
    outcomes.set(whole, list);
  }
  return {
    pass: decision.pass,
    message: () =>
      buildMessage({
        matcher: decision.matcher,
        received: decision.received,
        isNot,
        expected: decision.expected,
        detail: decision.detail,
        verdict: decision.verdict,
        findings: decision.findings?.(),
        latency: decision.latency?.(),
      }),
  };
}

/** Share engine: a statistical verdict about a traffic batch. */
export function concludeVerdict(
  state: MatcherState,
  matcher: string,
  traffic: TrafficResult,
  expected: unknown,
  verdict: Verdict,
  extra: Pick<Decision, 'findings' | 'latency'> = {},
): MatcherResult {
  return conclude(state, { matcher, received: 'traffic', traffic, expected, verdict, pass: verdict.pass, detail: verdict.detail, ...extra });
}

/** How many requests got each HTTP status ("0" for no response). */
export function statusTally(requests: readonly RequestRecord[]): Record<string, number> {
  return tally(requests, (r) => String(r.status));
}

/** "statuses: 200 ×74, 503 ×26", a finding most traffic matchers show. */
export function statusesLine(requests: readonly RequestRecord[]): string {
  return `statuses: ${formatTally(statusTally(requests))}`;
}

export function tally<T>(items: readonly T[], keyOf: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const key = keyOf(item);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Offending requests shown in a message before "... and N more". */
const SHOWN_OFFENDERS = 8;

/**
 * Every-request engine: each request must pass `check`, which returns why it does not, or
 * null. Under `.not` it passes when some request fails the check.
 */
export function concludeEveryRequest(
  state: MatcherState,
  matcher: string,
  traffic: TrafficResult,
  expected: unknown,
  property: string,
  check: (request: RequestRecord) => string | null,
): MatcherResult {
  const offenders = traffic.requests.flatMap((request) => {
    const reason = check(request);
    return reason === null ? [] : [{ request, reason }];
  });
  const n = traffic.requests.length;
  const detail = offenders.length === 0 ? `all ${n} requests ${property}` : `${offenders.length} of ${n} requests did not: ${property}`;
  return conclude(state, {
    matcher,
    received: 'traffic',
    traffic,
    expected,
    pass: offenders.length === 0,
    detail,
    findings: () => [
      statusesLine(traffic.requests),
      ...offenders.slice(0, SHOWN_OFFENDERS).map(({ request, reason }) => `  ${describeRequest(request)}: ${reason}`),
      ...(offenders.length > SHOWN_OFFENDERS ? [`  ... and ${offenders.length - SHOWN_OFFENDERS} more`] : []),
    ],
  });
}

function describeRequest(request: RequestRecord): string {
  const answered = [request.version, request.pod].filter(Boolean).join(' ');
  const outcome = request.status === 0 ? `no response${request.error ? ` (${request.error})` : ''}` : `${request.status}`;
  return `${request.id} -> ${outcome} in ${formatMs(request.latencyMs)}${answered ? ` from ${answered}` : ''}`;
}
