import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { Duration, durationMs, Percent } from '../../contract/units.js';
import { summarizeLatency } from '../../stats/latency.js';
import { shareTest } from '../../stats/verdict.js';
import { defineMatcher, type Policy } from '../definition.js';
import { concludeVerdict, expectTraffic, type MatcherResult } from '../engines.js';
import { isDelayed, twoWay } from './requests.js';

const spec = z.strictObject({ delay: Duration, share: Percent });
export type DelayArgs = z.input<typeof spec>;

export const toInjectDelay = defineMatcher({
  subject: 'traffic',
  spec,
  description: 'That share of requests is delayed by at least `delay`.',
  example: '`{ delay: 3s, share: 50 }`',
  question: (args) => ({ kind: 'share', percent: args.share }),
  sequential: (args) => twoWay(`delayed >= ${args.delay}`, args.share, (r) => isDelayed(r, durationMs(args.delay))),
  async match(this: MatcherState, received: unknown, expected: DelayArgs, policy?: Policy): Promise<MatcherResult> {
    const traffic = expectTraffic(received, 'toInjectDelay');
    const delayMs = durationMs(expected.delay);
    const delayed = traffic.requests.filter((r) => isDelayed(r, delayMs)).length;
    const verdict = shareTest(delayed, traffic.requests.length, expected.share, `requests delayed >= ${expected.delay}`, policy);
    return concludeVerdict(this, 'toInjectDelay', traffic, expected, verdict, { latency: () => summarizeLatency(traffic.requests) });
  },
});
