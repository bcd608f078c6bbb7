import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { Percent } from '../../contract/units.js';
import { minShareTest } from '../../stats/verdict.js';
import { defineMatcher, type Policy } from '../definition.js';
import { concludeVerdict, expectTraffic, statusesLine, type MatcherResult } from '../engines.js';
import { isSuccess } from './requests.js';

const spec = z.strictObject({
  atLeast: Percent.default(100).describe('Minimum true success rate in percent (default 100: every request succeeds).'),
});
export type SucceedArgs = z.input<typeof spec>;

/** One-sided: fails only when the data show the success rate is below `atLeast` (default 100%). */
export const toSucceed = defineMatcher({
  subject: 'traffic',
  spec,
  description: 'At least this share of requests succeeds (default 100).',
  example: '`{ atLeast: 100 }`',
  question: (args) => ({ kind: 'min', percent: args.atLeast }),
  async match(this: MatcherState, received: unknown, expected: SucceedArgs = {}, policy?: Policy): Promise<MatcherResult> {
    const traffic = expectTraffic(received, 'toSucceed');
    const atLeast = expected.atLeast ?? 100;
    const successes = traffic.requests.filter(isSuccess).length;
    const verdict = minShareTest(successes, traffic.requests.length, atLeast, 'successful (2xx) requests', policy);
    return concludeVerdict(this, 'toSucceed', traffic, { atLeast }, verdict, { findings: () => [statusesLine(traffic.requests)] });
  },
});
