import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { requestLogSourceOf, type RequestLogSource } from '../../contract/traffic.js';
import { Percent, Selector } from '../../contract/units.js';
import { formatTally } from '../../report/text.js';
import { shareTest } from '../../stats/verdict.js';
import { defineMatcher, type Policy } from '../definition.js';
import { conclude, expectTraffic, tally, type MatcherResult } from '../engines.js';
import { NO_VALUE } from './requests.js';

const spec = z.strictObject({
  mirror: Selector.describe('Label selector of the pods that receive the mirrored copies.'),
  share: Percent.default(100).describe('Share of requests mirrored (mirrorPercentage), default 100.'),
  answeredBy: z.string().optional().describe('What the answers must come from, tallied by version, e.g. "v1".'),
});
export type MirrorArgs = z.input<typeof spec>;

/** How long copies still in flight after the last answer may take to reach the mirror's log. */
const MIRROR_SETTLE_MS = 2_000;
const MIRROR_POLL_MS = 250;

/**
 * Copies reach the mirror: this batch's request ids are counted in the mirror pods' own
 * request logs (a share test against `share`), while every answer came from `answeredBy`.
 */
export const toMirrorTo = defineMatcher({
  subject: 'traffic',
  spec,
  description: "Copies reach the mirror's pods (`share`, default 100), while answers come from `answeredBy`.",
  example: '`{ mirror: app=backend,version=v2, share: 100, answeredBy: v1 }`',
  question: (args) => ({ kind: 'share', percent: args.share }),
  async match(this: MatcherState, received: unknown, expected: MirrorArgs, policy?: Policy): Promise<MatcherResult> {
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
  },
});

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
