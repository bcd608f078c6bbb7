import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { formatTally } from '../../report/text.js';
import { defineMatcher } from '../definition.js';
import { conclude, expectTraffic, statusesLine, tally, type MatcherResult } from '../engines.js';

const spec = z.strictObject({
  maxAttempts: z.number().int().positive().optional().describe("Most attempts the server may see for one request (the route's attempts + 1)."),
  observed: z.boolean().default(true).describe('Some request needed more than one attempt.'),
});
export type RetryArgs = z.input<typeof spec>;

/**
 * Attempts as the server counted them (x-envoy-attempt-count): none above `maxAttempts`, and
 * with `observed` (default) at least one request that needed more than one attempt.
 */
export const toRetry = defineMatcher({
  subject: 'traffic',
  spec,
  description: 'Attempts the server sees per request: at most `maxAttempts`; `observed` (default true): some request needed more than one.',
  example: '`{ maxAttempts: 4, observed: true }`',
  async match(this: MatcherState, received: unknown, expected: RetryArgs = {}): Promise<MatcherResult> {
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
      findings: () => [`attempts seen by the server: ${formatTally(attempts) || 'none'}`, statusesLine(traffic.requests)],
    });
  },
});
