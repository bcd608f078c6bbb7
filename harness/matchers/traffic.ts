/** Matchers on a TrafficResult: thin definitions over the share and every-request engines. */
import type { MatcherState } from 'vitest';
import type { z } from 'zod';
import { formatTally } from '../report/text.js';
import { durationMs } from '../contract/units.js';
import type {
  AbortExpectation,
  DelayExpectation,
  MirrorExpectation,
  RespondExpectation,
  RetryExpectation,
  SplitExpectation,
  SucceedExpectation,
} from '../spec/schema.js';
import type { StatsPolicy } from '../stats/policy.js';
import { minShareTest, shareTest, splitTest } from '../stats/verdict.js';
import { summarizeLatency } from '../stats/latency.js';
import { requestLogSourceOf, type RequestLogSource } from '../contract/traffic.js';
import type { RequestRecord } from '../contract/traffic.js';
import {
  conclude,
  concludeEveryRequest,
  concludeVerdict,
  expectTraffic,
  statusesLine,
  tally,
  type MatcherResult,
} from './engines.js';

export type SplitArgs = z.input<typeof SplitExpectation>;
export type DelayArgs = z.input<typeof DelayExpectation>;
export type AbortArgs = z.input<typeof AbortExpectation>;
export type SucceedArgs = z.input<typeof SucceedExpectation>;
export type RetryArgs = z.input<typeof RetryExpectation>;
export type MirrorArgs = z.input<typeof MirrorExpectation>;
export type RespondArgs = z.input<typeof RespondExpectation>;
export type Policy = Partial<StatsPolicy>;

/** Statuses that mean the mesh refused or could not route the request (or no answer came). */
const BLOCKED_STATUSES = new Set([0, 502, 503]);
const NO_VALUE = '(none)';

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
function serverSeenHeaders(request: RequestRecord): Record<string, string> | undefined {
  const headers = (request.body as { headers?: unknown } | undefined)?.headers;
  return typeof headers === 'object' && headers !== null ? (headers as Record<string, string>) : undefined;
}

function isBlocked(request: RequestRecord): boolean {
  return BLOCKED_STATUSES.has(request.status);
}

function isSuccess(request: RequestRecord): boolean {
  return request.status >= 200 && request.status < 300;
}

export async function toSplitTraffic(this: MatcherState, received: unknown, expected: SplitArgs, policy?: Policy): Promise<MatcherResult> {
  const traffic = expectTraffic(received, 'toSplitTraffic');
  const by = expected.by ?? 'version';
  const counts = tally(traffic.requests, (r) => valueAt(r, by));
  return concludeVerdict(this, 'toSplitTraffic', traffic, { by, split: expected.split }, splitTest(counts, expected.split, policy, by), {
    findings: () => (by === 'status' ? [] : [statusesLine(traffic.requests)]),
  });
}

export async function toInjectDelay(this: MatcherState, received: unknown, expected: DelayArgs, policy?: Policy): Promise<MatcherResult> {
  const traffic = expectTraffic(received, 'toInjectDelay');
  const delayMs = durationMs(expected.delay);
  const delayed = traffic.requests.filter((r) => r.latencyMs >= delayMs).length;
  const verdict = shareTest(delayed, traffic.requests.length, expected.share, `requests delayed >= ${expected.delay}`, policy);
  return concludeVerdict(this, 'toInjectDelay', traffic, expected, verdict, { latency: () => summarizeLatency(traffic.requests) });
}

export async function toAbortWith(this: MatcherState, received: unknown, expected: AbortArgs, policy?: Policy): Promise<MatcherResult> {
  const traffic = expectTraffic(received, 'toAbortWith');
  const aborted = traffic.requests.filter((r) => r.status === expected.status).length;
  const verdict = shareTest(aborted, traffic.requests.length, expected.share, `status ${expected.status}`, policy);
  return concludeVerdict(this, 'toAbortWith', traffic, expected, verdict, {
    findings: () => [statusesLine(traffic.requests)],
  });
}

/** One-sided: fails only when the data show the success rate is below `atLeast` (default 100%). */
export async function toSucceed(this: MatcherState, received: unknown, expected: SucceedArgs = {}, policy?: Policy): Promise<MatcherResult> {
  const traffic = expectTraffic(received, 'toSucceed');
  const atLeast = expected.atLeast ?? 100;
  const successes = traffic.requests.filter(isSuccess).length;
  const verdict = minShareTest(successes, traffic.requests.length, atLeast, 'successful (2xx) requests', policy);
  return concludeVerdict(this, 'toSucceed', traffic, { atLeast }, verdict, {
    findings: () => [statusesLine(traffic.requests)],
  });
}

/**
 * Attempts as the server counted them (x-envoy-attempt-count): none above `maxAttempts`, and
 * with `observed` (default) at least one request that needed more than one attempt.
 */
export async function toRetry(this: MatcherState, received: unknown, expected: RetryArgs = {}): Promise<MatcherResult> {
  const traffic = expectTraffic(received, 'toRetry');
  const observed = expected.observed ?? true;
  const counted = traffic.requests.filter((r) => r.attempts !== undefined);
  const attempts = tally(counted, (r) => String(r.attempts));
  const retried = counted.filter((r) => r.attempts! > 1).length;
  const tooMany = expected.maxAttempts === undefined ? [] : counted.filter((r) => r.attempts! > expected.maxAttempts!);
  const problems = [
    ...(counted.length === 0 ? ['no answer carried x-envoy-attempt-count: is the server in the mesh?'] : []),
    ...(tooMany.length > 0 ? [`${tooMany.length} requests took more than ${expected.maxAttempts} attempts`] : []),
    ...(observed && counted.length > 0 && retried === 0 ? ['no request needed a second attempt'] : []),
  ];
  return conclude(this, {
    matcher: 'toRetry',
    received: 'traffic',
    traffic,
    expected: { ...expected, observed },
    pass: problems.length === 0,
    detail:
      problems.length === 0
        ? `${retried} of ${traffic.requests.length} requests were retried, at most ${Math.max(...counted.map((r) => r.attempts!))} attempts`
        : problems.join('; '),
    findings: () => [
      `attempts seen by the server: ${formatTally(attempts) || 'none'}`,
      statusesLine(traffic.requests),
    ],
  });
}

/**
 * Copies reach the mirror: this batch's request ids are counted in the mirror pods' own
 * request logs (a share test against `share`), while every answer came from `answeredBy`.
 */
export async function toMirrorTo(this: MatcherState, received: unknown, expected: MirrorArgs, policy?: Policy): Promise<MatcherResult> {
  const traffic = expectTraffic(received, 'toMirrorTo');
  const source = requestLogSourceOf(traffic);
  if (!source) throw new TypeError('toMirrorTo: the traffic result has no request-log source (it was not produced by sendTraffic)');
  const share = expected.share ?? 100;
  const ids = new Set(traffic.requests.map((r) => r.id));
  const { logs, mirrored } = await settledMirrorLogs(source, expected.mirror, ids);
  const verdict = shareTest(mirrored.size, ids.size, share, `requests mirrored to ${expected.mirror}`, policy);
  const answers = tally(traffic.requests, (r) => r.version ?? NO_VALUE);
  const strayAnswers = expected.answeredBy === undefined ? 0 : traffic.requests.filter((r) => r.version !== expected.answeredBy).length;
  const pass = verdict.pass && strayAnswers === 0 && logs.length > 0;
  const problems = [
    ...(logs.length === 0 ? [`no ready pod matches ${expected.mirror}`] : []),
    ...(strayAnswers > 0 ? [`${strayAnswers} answers did not come from ${expected.answeredBy}`] : []),
  ];
  return conclude(this, {
    matcher: 'toMirrorTo',
    received: 'traffic',
    traffic,
    expected: { ...expected, share },
    verdict,
    pass,
    detail: [verdict.detail, ...problems].join('; '),
    findings: () => [
      `mirror pods: ${logs.map((log) => `${log.pod} (${log.entries.filter((e) => ids.has(e.id)).length} of this batch)`).join(', ') || 'none'}`,
      `answered by: ${formatTally(answers)}`,
    ],
  });
}

export async function toRespondWith(this: MatcherState, received: unknown, expected: RespondArgs): Promise<MatcherResult> {
  const traffic = expectTraffic(received, 'toRespondWith');
  const subset = [...this.customTesters, this.utils.subsetEquality];
  return concludeEveryRequest(this, 'toRespondWith', traffic, expected, 'responded as expected', (request) => {
    const reasons: string[] = [];
    if (expected.status !== undefined && request.status !== expected.status) reasons.push(`status ${request.status}, expected ${expected.status}`);
    if (expected.body !== undefined && !this.equals(request.body, expected.body, subset)) {
      reasons.push(`body ${truncate(JSON.stringify(request.body) ?? 'empty')} lacks ${JSON.stringify(expected.body)}`);
    }
    for (const [name, value] of Object.entries(expected.headers ?? {})) {
      const actual = request.headers[name.toLowerCase()];
      if (actual === undefined || !actual.includes(value)) {
        reasons.push(`header ${name}: ${actual === undefined ? 'missing' : JSON.stringify(actual)}, expected to contain ${JSON.stringify(value)}`);
      }
    }
    return reasons.length ? reasons.join('; ') : null;
  });
}

export async function toBeBlocked(this: MatcherState, received: unknown): Promise<MatcherResult> {
  const traffic = expectTraffic(received, 'toBeBlocked');
  return concludeEveryRequest(this, 'toBeBlocked', traffic, undefined, 'were blocked (502, 503 or no response)', (request) =>
    isBlocked(request) ? null : `got through with status ${request.status}`,
  );
}

export async function toReach(this: MatcherState, received: unknown): Promise<MatcherResult> {
  const traffic = expectTraffic(received, 'toReach');
  return concludeEveryRequest(this, 'toReach', traffic, undefined, 'reached their destination', (request) =>
    isBlocked(request) ? `blocked (${request.status === 0 ? (request.error ?? 'no response') : `status ${request.status}`})` : null,
  );
}

export async function toUseMutualTLS(this: MatcherState, received: unknown): Promise<MatcherResult> {
  const traffic = expectTraffic(received, 'toUseMutualTLS');
  return concludeEveryRequest(this, 'toUseMutualTLS', traffic, undefined, 'arrived over mutual TLS (x-forwarded-client-cert)', (request) => {
    const headers = serverSeenHeaders(request);
    if (!headers) return `no echo body to read the server's headers from (status ${request.status})`;
    return headers['x-forwarded-client-cert'] ? null : 'the server saw no x-forwarded-client-cert header';
  });
}

/** How long copies still in flight after the last answer may take to reach the mirror's log. */
const MIRROR_SETTLE_MS = 2_000;
const MIRROR_POLL_MS = 250;

/**
 * The mirror pods' logs once the count of this batch's ids in them has settled: Envoy sends
 * mirrored copies without waiting for them, so the last copies can arrive after the last answer.
 * Stops as soon as every id is there, or the count did not grow between two reads.
 */
async function settledMirrorLogs(source: RequestLogSource, selector: string, ids: ReadonlySet<string>) {
  const read = async () => {
    const logs = await source.logsOf(selector);
    return { logs, mirrored: new Set(logs.flatMap((log) => log.entries.map((e) => e.id)).filter((id) => ids.has(id))) };
  };
  const giveUpAt = Date.now() + MIRROR_SETTLE_MS;
  let current = await read();
  while (current.mirrored.size < ids.size && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, MIRROR_POLL_MS));
    const next = await read();
    const grew = next.mirrored.size > current.mirrored.size;
    current = next;
    if (!grew) break;
  }
  return current;
}

function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
