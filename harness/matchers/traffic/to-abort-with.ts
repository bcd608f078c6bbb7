import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { Percent } from '../../contract/units.js';
import { shareTest } from '../../stats/verdict.js';
import { defineMatcher, type Policy } from '../definition.js';
import { concludeVerdict, expectTraffic, statusesLine, type MatcherResult } from '../engines.js';
import { twoWay } from './requests.js';

const spec = z.strictObject({ status: z.number().int(), share: Percent });
export type AbortArgs = z.input<typeof spec>;

export const toAbortWith = defineMatcher({
  subject: 'traffic',
  spec,
  description: 'That share of requests fails with `status`.',
  example: '`{ status: 500, share: 50 }`',
  question: (args) => ({ kind: 'share', percent: args.share }),
  sequential: (args) => twoWay(`status ${args.status}`, args.share, (r) => r.status === args.status),
  async match(this: MatcherState, received: unknown, expected: AbortArgs, policy?: Policy): Promise<MatcherResult> {
    const traffic = expectTraffic(received, 'toAbortWith');
    const aborted = traffic.requests.filter((r) => r.status === expected.status).length;
    const verdict = shareTest(aborted, traffic.requests.length, expected.share, `status ${expected.status}`, policy);
    return concludeVerdict(this, 'toAbortWith', traffic, expected, verdict, { findings: () => [statusesLine(traffic.requests)] });
  },
});
