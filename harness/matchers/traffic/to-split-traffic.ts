import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { Percent } from '../../contract/units.js';
import { splitTest } from '../../stats/verdict.js';
import { defineMatcher, type Policy } from '../definition.js';
import { concludeVerdict, expectTraffic, statusesLine, tally, type MatcherResult } from '../engines.js';
import { valueAt } from './requests.js';

const spec = z
  .strictObject({
    by: z
      .string()
      .default('version')
      .describe('What to tally responses by: `version`, `pod`, `status`, or a response field path such as `body.upstream.version`.'),
    split: z.record(z.string(), Percent).describe('Expected percentages per value; they must add up to 100.'),
  })
  .superRefine((expectation, ctx) => {
    const total = Object.values(expectation.split).reduce((sum, share) => sum + share, 0);
    if (Math.abs(total - 100) > 1e-9) {
      ctx.addIssue({ code: 'custom', path: ['split'], message: `split percentages add up to ${total}; they must add up to 100` });
    }
  });
export type SplitArgs = z.input<typeof spec>;

export const toSplitTraffic = defineMatcher({
  subject: 'traffic',
  spec,
  description: 'Shares of responses per value (by version by default); they must add up to 100.',
  example: '`{ by: version, split: { v0: 75, v1: 25 } }`',
  question: (args) => ({ kind: 'split', expectedPercent: args.split }),
  sequential: (args) => ({ expectedPercent: args.split, dimension: args.by, categoryOf: (r) => valueAt(r, args.by) }),
  async match(this: MatcherState, received: unknown, expected: SplitArgs, policy?: Policy): Promise<MatcherResult> {
    const traffic = expectTraffic(received, 'toSplitTraffic');
    const by = expected.by ?? 'version';
    const counts = tally(traffic.requests, (r) => valueAt(r, by));
    return concludeVerdict(this, 'toSplitTraffic', traffic, { by, split: expected.split }, splitTest(counts, expected.split, policy, by), {
      findings: () => (by === 'status' ? [] : [statusesLine(traffic.requests)]),
    });
  },
});
